import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, from /proc, and those of its exited children; 0 if gone. */
function processSeconds(pid: number, withExitedChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    const own = fields[11]! + fields[12]!; // utime, stime
    return (withExitedChildren ? own + fields[13]! + fields[14]! : own) / TICKS_PER_SECOND; // cutime, cstime
  } catch {
    return 0;
  }
}

/**
 * Every PostgreSQL server process (backends, WAL writer, checkpointer, …): the database's whole CPU cost. Backends
 * that exited are counted through the postmaster (the parent of the others), which reaped them.
 */
function postgresSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      const parent = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]!;
      const isPostmaster = readFileSync(`/proc/${parent}/comm`, 'utf8').trim() !== 'postgres';
      total += processSeconds(Number(entry), isPostmaster);
    } catch {
      /* exited meanwhile */
    }
  }
  return total;
}

/** The machine's busy and total CPU seconds, over all cores. */
function machineSeconds(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((sum, value) => sum + value, 0) / TICKS_PER_SECOND;
  const idle = ((cpu[3] ?? 0) + (cpu[4] ?? 0)) / TICKS_PER_SECOND;
  return { busy: total - idle, total };
}

export interface CpuSnapshot {
  processes: Record<string, number>;
  postgres: number;
  machine: { busy: number; total: number };
}

/** Where the CPU went between two snapshots: seconds per component, and how busy the machine was. */
export class CpuAccounting {
  constructor(private readonly pids: Record<string, number>) {}

  snapshot(): CpuSnapshot {
    const processes: Record<string, number> = { 'load generator': process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6 };
    for (const [name, pid] of Object.entries(this.pids)) processes[name] = processSeconds(pid);
    return { processes, postgres: postgresSeconds(), machine: machineSeconds() };
  }

  /** CPU milliseconds per request for each component, and the machine's utilisation over the interval. */
  static perRequest(before: CpuSnapshot, after: CpuSnapshot, requests: number): string {
    const parts = Object.keys(after.processes).map((name) => [name, after.processes[name]! - (before.processes[name] ?? 0)] as const);
    parts.push(['postgres', after.postgres - before.postgres]);
    const busy = after.machine.busy - before.machine.busy;
    const total = after.machine.total - before.machine.total;
    const accounted = parts.reduce((sum, [, seconds]) => sum + seconds, 0);
    const each = parts.map(([name, seconds]) => `${name} ${((seconds * 1000) / requests).toFixed(2)}`).join(', ');
    return `CPU ms per request: ${each}, other ${(((busy - accounted) * 1000) / requests).toFixed(2)}; machine ${((busy / total) * 100).toFixed(0)}% busy`;
  }
}

/** CPU seconds used so far by each PostgreSQL backend connected to `database` (their process titles name it). */
export function databaseBackends(database: string): Map<number, number> {
  const backends = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(` ${database} `)) continue;
      backends.set(Number(entry), processSeconds(Number(entry)));
    } catch {
      /* exited meanwhile */
    }
  }
  return backends;
}

/**
 * CPU seconds the backends connected to `database` used since `before` (one benchmark's share of a server other work
 * shares too). A backend that exited meanwhile (a pool closing an idle connection) is left out: it was idle.
 */
export function databaseBackendSecondsSince(before: Map<number, number>, database: string): number {
  let total = 0;
  for (const [pid, seconds] of databaseBackends(database)) total += seconds - (before.get(pid) ?? 0);
  return total;
}
