/**
 * In-process wake-ups for live subscribers: an append made by this process wakes the subscribers of the same
 * database at once. Subscribers also poll, which is what catches appends made by other processes. (PostgreSQL's
 * NOTIFY would wake them too, but it takes a global lock at every commit that serialises all appenders.)
 */
const waiters = new Map<string, Set<() => void>>();

export function signalAppend(database: string): void {
  const set = waiters.get(database);
  if (!set) return;
  waiters.delete(database);
  for (const wake of set) wake();
}

/** Resolves on the next append to `database` in this process, or after `ms`. */
export function waitForAppend(database: string, ms: number): { promise: Promise<void>; cancel(): void } {
  let wake!: () => void;
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
    timer = setTimeout(() => {
      waiters.get(database)?.delete(wake);
      resolve();
    }, ms);
  });
  let set = waiters.get(database);
  if (!set) waiters.set(database, (set = new Set()));
  set.add(wake);
  return { promise, cancel: wake };
}
