/** Time as the deliveries see it: injectable, so a test can let a 24-hour retry window pass in a moment. */
export interface DeliveryClock {
  now(): number;
  /** Resolves after `ms`, or rejects as soon as `signal` aborts (the delivery process stops). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: DeliveryClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason as Error);
      const timer = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
      const onAbort = () => (clearTimeout(timer), reject(signal.reason as Error));
      signal.addEventListener('abort', onAbort, { once: true });
    }),
};
