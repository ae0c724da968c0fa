import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface Figure {
  name: string;
  unit: string;
  runs: number[];
  median: number;
  peer?: { name: string; median: number; ratio: number };
}

/** Runs `measure` several times (after one warm-up) and keeps every run, so medians and spread can be quoted. */
export async function repeat(times: number, measure: () => Promise<number>): Promise<number[]> {
  await measure();
  const runs: number[] = [];
  for (let i = 0; i < times; i++) runs.push(await measure());
  return runs;
}

export function printTable(title: string, figures: Figure[]): void {
  const rows = figures.map((f) => [
    f.name,
    `${Math.round(f.median).toLocaleString('en-US')} ${f.unit}`,
    f.peer ? `${f.peer.name}: ${Math.round(f.peer.median).toLocaleString('en-US')}` : '',
    f.peer ? f.peer.ratio.toFixed(2) : '',
    f.runs.map((r) => Math.round(r)).join(' / '),
  ]);
  const header = ['figure', 'median', 'peer (same run)', 'ratio', 'runs'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`\n${title} — ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown cpu'}, Node ${process.version}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

export function writeResults(name: string, figures: Figure[]): string {
  const directory = join(__dirname, '..', 'results');
  mkdirSync(directory, { recursive: true });
  const file = join(directory, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), node: process.version, cores: cpus().length, figures }, null, 2));
  return file;
}
