import type { ReadStreamOptions, RecordedEvent } from './event-store.port';

/** Events per round trip when an adapter reads a stream: bounded, so one read never holds a huge result set. */
export const STREAM_PAGE_SIZE = 4096;

/** One page of a stream as an adapter read it: the events, and how many raw entries it held (skipped ones count). */
export interface StreamPage {
  events: RecordedEvent[];
  /** Revision of the last raw entry of the page, even one the adapter left out (undefined for an empty page). */
  lastRevision: bigint | undefined;
  /** Raw entries in the page: fewer than asked for means the stream has no more. */
  scanned: number;
}

/**
 * `readStream` for adapters that read a page at a time: pages until `maxCount` events or the stream's end, so the
 * caller gets the whole stream (or exactly what it asked for), never a silent prefix.
 */
export async function readStreamInPages(
  options: ReadStreamOptions,
  readPage: (fromRevision: bigint | undefined, count: number) => Promise<StreamPage>,
): Promise<RecordedEvent[]> {
  const backwards = options.direction === 'backwards';
  const wanted = options.maxCount ?? Number.POSITIVE_INFINITY;
  const events: RecordedEvent[] = [];
  let from = options.fromRevision;
  while (events.length < wanted) {
    const count = Math.min(STREAM_PAGE_SIZE, wanted - events.length);
    const page = await readPage(from, count);
    for (const event of page.events) events.push(event);
    if (page.scanned < count || page.lastRevision === undefined) break;
    if (backwards && page.lastRevision === 0n) break;
    from = backwards ? page.lastRevision - 1n : page.lastRevision + 1n;
  }
  return events;
}
