import { Readable } from 'node:stream';
import { Controller, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AuditReader, exportPages } from '@accounts/audit';
import { defineRoute, Input, raw, Route, type RouteInput } from '../../contract/route-contract';
import { Ctx, type RequestContext } from '../../http/request-context';
import { maySeePersonalData } from '../may-see-personal-data';

const isoTime = z.string().max(64).refine((value) => /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value)), 'expected an ISO-8601 time');
const ExportQuery = z.strictObject({
  from: isoTime.optional(),
  to: isoTime.optional(),
  /** One event type, or several separated by commas. */
  type: z.string().regex(/^[A-Za-z]+(,[A-Za-z]+)*$/).max(500).optional(),
  actorId: z.uuid().optional(),
});

export const ExportEventsRoute = defineRoute({
  id: 'exportEvents',
  summary: 'NDJSON export of all events in a window, filterable by type and actor',
  method: 'GET',
  path: '/v1/audit/events',
  scope: 'audit',
  query: ExportQuery,
  // One AuditEvent (as in the history routes) per line.
  responses: { 200: raw('application/x-ndjson') },
});

/**
 * Every event in a time window, as NDJSON (one event per line, masked as history is), streamed page by page from $all:
 * memory stays at one page whatever the window holds, and the client's reading speed paces the reading of the store.
 */
@Controller()
export class ExportEventsHttpController {
  constructor(private readonly reader: AuditReader) {}

  @Route(ExportEventsRoute)
  async export(@Input() { query }: RouteInput<typeof ExportEventsRoute>, @Ctx() context: RequestContext, @Res() reply: FastifyReply) {
    const pii = maySeePersonalData(context);
    if (pii) await this.reader.recordRead(context, { kind: 'export', ...query });
    const pages = exportPages(this.reader, query, pii);
    async function* lines() {
      for await (const page of pages) yield page.map((event) => `${JSON.stringify(event)}\n`).join('');
    }
    return reply
      .header('content-type', 'application/x-ndjson; charset=utf-8')
      .header('x-personal-data', pii ? 'unmasked' : 'masked')
      .send(Readable.from(lines()));
  }
}
