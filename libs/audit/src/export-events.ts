import type { AuditReader } from './audit-reader';
import type { AuditEvent } from './audit-view';

export interface ExportWindow {
  /** ISO-8601 times, inclusive. */
  from?: string;
  to?: string;
  /** Event types, comma-separated. */
  type?: string;
  actorId?: string;
}

/** The events of $all in the window, a page at a time (memory stays at one page whatever the window holds). */
export async function* exportPages(reader: AuditReader, window: ExportWindow, pii: boolean): AsyncGenerator<AuditEvent[]> {
  const from = window.from ? Date.parse(window.from) : -Infinity;
  const to = window.to ? Date.parse(window.to) : Infinity;
  const actor = window.actorId?.toLowerCase();
  const wanted = (event: AuditEvent) => {
    const at = Date.parse(event.occurredAt);
    return at >= from && at <= to && (!actor || event.actor === actor);
  };
  for await (const page of reader.all(window.type ? { eventTypes: window.type.split(',') } : undefined, pii)) {
    const kept = page.filter(wanted);
    if (kept.length > 0) yield kept;
  }
}
