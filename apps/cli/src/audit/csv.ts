import type { AuditEvent } from '@accounts/audit';

export const CSV_COLUMNS = ['position', 'streamName', 'revision', 'type', 'occurredAt', 'actor', 'service', 'correlationId', 'causationId', 'clientIp', 'data'] as const;

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function field(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

/** One event as a CSV row; the event's data is one column, as JSON. */
export function csvRow(event: AuditEvent): string {
  return `${CSV_COLUMNS.map((column) => field(event[column])).join(',')}\r\n`;
}
