import { Body, Controller, HttpCode, Inject, Param, Post, UseInterceptors } from '@nestjs/common';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { EventStore } from '../../../../../libs/event-store/src';
import { ReplayStartUnknownError, replayWebhook } from '../../../../../projections/src/webhooks/webhook-replay';
import { RequiresScope } from '../../auth/requires-scope.decorator';
import { IdPipe } from '../../http/ids';
import { ProblemError } from '../../http/problem';
import { IdempotencyInterceptor } from '../../idempotency/idempotency.interceptor';
import { EVENT_STORE, PG_POOL } from '../../infrastructure/tokens';
import { Documented } from '../../openapi/documented.decorator';

// A time (ISO-8601 with an offset) or an integration event's id (`evt_…`, as in `webhook-id`).
const ReplayRequest = z.strictObject({ from: z.union([z.iso.datetime({ offset: true }), z.string().regex(/^evt_[0-9a-f-]{36}(_\d{1,3})?$/)]) });

/**
 * `POST /v1/webhooks/{id}/replay`: an operation on the endpoint's deliveries, not on its history (no event is
 * appended): the delivery projector's checkpoint is moved back, and whichever process runs it redelivers.
 */
@Controller('v1/webhooks')
@RequiresScope('webhooks')
export class ReplayWebhookHttpController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
  ) {}

  @Post(':id/replay')
  @HttpCode(202)
  @UseInterceptors(IdempotencyInterceptor)
  @Documented({ summary: 'Deliver again every matching event since a time or an event id', body: ReplayRequest, errors: ['webhook_not_found', 'validation_failed'] })
  async replay(@Param('id', IdPipe) id: string, @Body({ schema: ReplayRequest }) body: z.infer<typeof ReplayRequest>) {
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
