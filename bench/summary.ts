/**
 * `npm run bench` ends here: the newest result of each benchmark (event store, projections, HTTP) in one table, also
 * written as `bench/results/summary-<time>.json`, with each goal of issue #7 checked against its figure.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Figure, printTable, writeResults } from './lib/bench-kit';

const directory = join(__dirname, 'results');

function newest(name: string): Figure[] {
  const file = readdirSync(directory)
    .filter((entry) => entry.startsWith(`${name}-`) && entry.endsWith('.json'))
    .sort()
    .at(-1);
  return file ? (JSON.parse(readFileSync(join(directory, file), 'utf8')) as { figures: Figure[] }).figures.map((figure) => ({ ...figure, name: `${name}: ${figure.name}` })) : [];
}

const figures = [...newest('event-store'), ...newest('projections'), ...newest('http'), ...newest('webhooks')];
printTable('All benchmarks (newest run of each)', figures);
console.log(`summary: ${writeResults('summary', figures)}`);
