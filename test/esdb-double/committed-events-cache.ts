/**
 * The server's cache of recently committed event ids (IndexWriter's `_committedEvents`): bounded by an estimate of
 * its size in memory, oldest entries evicted first, empty after a restart. It is all a real server consults to
 * recognise a repeated append with `any` or `stream_exists`.
 */

export interface CommittedEvent {
  streamName: string;
  revision: bigint;
}

/** ESConsts.CommittedEventsMemCacheLimit. */
const DEFAULT_LIMIT_BYTES = 8 * 1024 * 1024;

export class CommittedEventsCache {
  private readonly entries = new Map<string, CommittedEvent>();
  private bytes = 0;

  constructor(private readonly limitBytes = DEFAULT_LIMIT_BYTES) {}

  get(eventId: string): CommittedEvent | undefined {
    return this.entries.get(eventId);
  }

  put(eventId: string, event: CommittedEvent): void {
    if (this.entries.has(eventId)) return;
    this.entries.set(eventId, event);
    this.bytes += sizeOf(event);
    // A Map iterates in insertion order: the first keys are the oldest.
    for (const [oldestId, oldest] of this.entries) {
      if (this.bytes <= this.limitBytes) break;
      this.entries.delete(oldestId);
      this.bytes -= sizeOf(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}

/** The server's own estimate: a Guid, an event number and a reference, plus the stream id (a .NET string, UTF-16). */
function sizeOf(event: CommittedEvent): number {
  return 16 + 4 + 8 + 2 * event.streamName.length;
}
