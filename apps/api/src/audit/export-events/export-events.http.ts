import { Readable } from 'node:stream';
import { Controller, Get, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AuditReader, exportPages } from '../../../../../libs/audit/src';
import { RequiresScope } from '../../auth/requires-scope.decorator';
import { Ctx, type RequestContext } from '../../http/request-context';
import { Documented } from '../../openapi/documented.decorator';
import { maySeePersonalData } from '../may-see-personal-data';

const isoTime = z.string().max(64).refine((value) => /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value)), 'expected an ISO-8601 time');
const ExportQuery = z.strictObject({
  from: isoTime.optional(),
  to: isoTime.optional(),
  /** One event type, or several separated by commas. */
  type: z.string().regex(/^[A-Za-z]+(,[A-Za-z]+)*$/).max(500).optional(),
  actorId: z.uuid().optional(),
});

/**
 * Every event in a time window, as NDJSON (one event per line, masked as history is), streamed page by page from $all:
 * memory stays at one page whatever the window holds, and the client's reading speed paces the reading of the store.
 */
@Controller('v1/audit')
@RequiresScope('audit')
export class ExportEventsHttpController {
  constructor(private readonly reader: AuditReader) {}

  @Get('events')
  @Documented({ summary: 'NDJSON export of all events in a window, filterable by type and actor', query: ExportQuery })
  async export(@Query({ schema: ExportQuery }) query: z.infer<typeof ExportQuery>, @Ctx() context: RequestContext, @Res() reply: FastifyReply) {
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
