import { Controller, Inject } from '@nestjs/common';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { EventStore } from '@accounts/event-store';
import { ReplayStartUnknownError, replayWebhook } from '@accounts/projections/webhooks/webhook-replay';
import { defineRoute, Input, Route, type RouteInput } from '../../contract/route-contract';
import { PathId } from '../../http/ids';
import { ProblemError } from '../../http/problem';
import { EVENT_STORE, PG_POOL } from '../../infrastructure/tokens';

/**
 * `POST /v1/webhooks/{id}/replay`: an operation on the endpoint's deliveries, not on its history (no event is
 * appended, so no X-Event-Position): the delivery projector's checkpoint is moved back, and whichever process runs
 * it redelivers.
 */
export const ReplayWebhookRoute = defineRoute({
  id: 'replayWebhook',
  summary: 'Deliver again every matching event since a time or an event id',
  method: 'POST',
  path: '/v1/webhooks/:id/replay',
  scope: 'webhooks',
  command: true,
  params: { id: PathId },
  // A time (ISO-8601 with an offset) or an integration event's id (`evt_…`, as in `webhook-id`).
  body: z.strictObject({ from: z.union([z.iso.datetime({ offset: true }), z.string().regex(/^evt_[0-9a-f-]{36}(_\d{1,3})?$/)]) }),
  responses: { 202: z.object({ webhookId: z.uuid(), from: z.string(), redelivering: z.boolean() }) },
  errors: ['webhook_not_found'],
});

@Controller()
export class ReplayWebhookHttpController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
  ) {}

  @Route(ReplayWebhookRoute)
  async replay(@Input() { params: { id }, body }: RouteInput<typeof ReplayWebhookRoute>) {
    const { rows } = await this.pool.query(`SELECT 1 FROM webhook_endpoints WHERE id = $1`, [id]);
    if (rows.length === 0) throw new ProblemError('webhook_not_found', 'No such webhook endpoint.');
    const from = body.from.startsWith('evt_') ? { eventId: body.from } : { time: new Date(body.from) };
    try {
      const { redelivering } = await replayWebhook(this.pool, this.eventStore, id, from);
      return { webhookId: id, from: body.from, redelivering };
    } catch (error) {
      if (!(error instanceof ReplayStartUnknownError)) throw error;
      throw new ProblemError('validation_failed', 'from names no event delivered to this endpoint.', [{ field: 'from', message: 'no such delivery' }]);
    }
  }
}
