import { Controller, Inject } from '@nestjs/common';
import type { Pool } from 'pg';
import { z } from 'zod';
import { defineRoute, Input, Route, type RouteInput } from '../contract/route-contract';
import { PathId } from '../http/ids';
import { ProblemError } from '../http/problem';
import { decodeRowIdCursor, encodeRowIdCursor, RowIdCursor } from '../http/row-id-cursor';
import { PG_POOL } from '../infrastructure/tokens';
import { WebhookResponse } from './webhook-views';

const DELIVERY_STATUSES = ['succeeded', 'failed', 'endpoint_disabled'] as const;

/** An endpoint as the read model shows it: the commands' view (never its secret) and its times. */
const WebhookEndpointView = WebhookResponse.extend({ createdAt: z.iso.datetime(), updatedAt: z.iso.datetime(), disabledAt: z.iso.datetime().nullable() });

export const ListWebhooksRoute = defineRoute({
  id: 'listWebhooks',
  summary: 'The webhook endpoints, oldest first (without secrets)',
  method: 'GET',
  path: '/v1/webhooks',
  scope: 'webhooks',
  readsFrom: 'webhooks',
  query: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(100) }),
  responses: { 200: z.object({ items: z.array(WebhookEndpointView) }) },
});

export const GetWebhookRoute = defineRoute({
  id: 'getWebhook',
  summary: 'A webhook endpoint (without its secret)',
  method: 'GET',
  path: '/v1/webhooks/:id',
  scope: 'webhooks',
  readsFrom: 'webhooks',
  params: { id: PathId },
  responses: { 200: WebhookEndpointView },
  errors: ['webhook_not_found'],
});

export const ListWebhookDeliveriesRoute = defineRoute({
  id: 'listWebhookDeliveries',
  summary: 'Delivery attempts, newest first: event id, time, HTTP status or error, duration, next retry',
  method: 'GET',
  path: '/v1/webhooks/:id/deliveries',
  scope: 'webhooks',
  readsFrom: 'webhooks',
  params: { id: PathId },
  query: z.strictObject({
    status: z.enum(DELIVERY_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: RowIdCursor,
  }),
  responses: {
    200: z.object({
      items: z.array(
        z.object({
          eventId: z.string(),
          eventType: z.string(),
          attempt: z.number().int(),
          attemptedAt: z.iso.datetime(),
          status: z.enum(DELIVERY_STATUSES),
          httpStatus: z.number().int().nullable(),
          error: z.string().nullable(),
          durationMs: z.number().int(),
          nextRetryAt: z.iso.datetime().nullable(),
          responseExcerpt: z.string().nullable(),
        }),
      ),
      nextCursor: z.string().nullable(),
    }),
  },
  errors: ['webhook_not_found'],
});

interface EndpointRow {
  id: string;
  url: string;
  types: string[];
  description: string | null;
  status: string;
  created_at: Date;
  updated_at: Date;
  disabled_at: Date | null;
}

const ENDPOINT_COLUMNS = 'id, url, types, description, status, created_at, updated_at, disabled_at';
const view = (row: EndpointRow) => ({
  id: row.id,
  url: row.url,
  types: row.types,
  description: row.description,
  status: row.status,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
  disabledAt: row.disabled_at?.toISOString() ?? null,
});

const notFound = () => new ProblemError('webhook_not_found', 'No such webhook endpoint.');

/** The endpoints (read model `webhook_endpoints`, never a secret) and their delivery attempts (`webhook_deliveries`). */
@Controller()
export class WebhookQueriesHttpController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Route(ListWebhooksRoute)
  async list(@Input() { query }: RouteInput<typeof ListWebhooksRoute>) {
    const { rows } = await this.pool.query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at, id LIMIT $1`, [query.limit]);
    return { items: rows.map(view) };
  }

  @Route(GetWebhookRoute)
  async one(@Input() { params: { id } }: RouteInput<typeof GetWebhookRoute>) {
    const { rows } = await this.pool.query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1`, [id]);
    if (!rows[0]) throw notFound();
    return view(rows[0]);
  }

  @Route(ListWebhookDeliveriesRoute)
  async deliveries(@Input() { params: { id }, query }: RouteInput<typeof ListWebhookDeliveriesRoute>) {
    const before = decodeRowIdCursor(query.cursor);
    const { rows: exists } = await this.pool.query(`SELECT 1 FROM webhook_endpoints WHERE id = $1`, [id]);
    if (exists.length === 0) throw notFound();
    const { rows } = await this.pool.query<{
      id: string;
      event_id: string;
      event_type: string;
      attempt: number;
      attempted_at: Date;
      status: string;
      http_status: number | null;
      error: string | null;
      duration_ms: number;
      next_retry_at: Date | null;
      response_excerpt: string | null;
    }>(
      `SELECT id, event_id, event_type, attempt, attempted_at, status, http_status, error, duration_ms, next_retry_at, response_excerpt
         FROM webhook_deliveries
        WHERE endpoint_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR id < $3)
        ORDER BY id DESC LIMIT $4`,
      [id, query.status ?? null, before ?? null, query.limit + 1],
    );
    const page = rows.slice(0, query.limit);
    return {
      items: page.map((row) => ({
        eventId: row.event_id,
        eventType: row.event_type,
        attempt: row.attempt,
        attemptedAt: row.attempted_at.toISOString(),
        status: row.status,
        httpStatus: row.http_status,
        error: row.error,
        durationMs: row.duration_ms,
        nextRetryAt: row.next_retry_at?.toISOString() ?? null,
        responseExcerpt: row.response_excerpt,
      })),
      nextCursor: rows.length > query.limit ? encodeRowIdCursor(page.at(-1)!.id) : null,
    };
  }
}
