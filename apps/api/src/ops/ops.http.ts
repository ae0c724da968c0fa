import { Controller, Header, Inject } from '@nestjs/common';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { EventStore } from '@accounts/event-store';
import { requireActiveActor } from '@accounts/domain';
import { OPERATOR_ACTIONS, OPERATOR_OUTCOMES, type Operator, readOperatorActions } from '@accounts/projections/ops/operator-trail';
import { ProjectionOperations } from '@accounts/projections/ops/projection-operations';
import { ProjectionStatusReader } from '@accounts/projections/ops/projection-status';
import { readWebhookHealth } from '@accounts/projections/webhooks/webhook-status';
import { defineRoute, Input, raw, Route, type RouteContract, type RouteInput } from '../contract/route-contract';
import { Ctx, type RequestContext } from '../http/request-context';
import { decodeRowIdCursor, encodeRowIdCursor, RowIdCursor } from '../http/row-id-cursor';
import { EVENT_STORE, PG_POOL } from '../infrastructure/tokens';
import { Metrics } from '../metrics/metrics';
import { UserLookup } from '../users/user-lookup';

const ProjectionName = { name: z.string().max(100).describe('is not a projection name') };
// X-Actor-Id, when given, is the person the calling tool acts for: recorded in the operator trail, and refused
// (404 user_not_found) when it names no active user, as everywhere (API.md: an unknown user is never an actor).
const operation = { scope: 'ops', command: true, actor: 'optional', params: ProjectionName, errors: ['projection_not_found'] } as const satisfies Partial<RouteContract>;

export const ProjectionsStatusRoute = defineRoute({
  id: 'projectionsStatus',
  summary: 'Each projection: state, checkpoint, lag in events and seconds, dead letters, owner, rebuild progress',
  method: 'GET',
  path: '/v1/ops/projections',
  scope: 'ops',
  responses: {
    200: z.object({
      items: z.array(z.record(z.string(), z.unknown())),
      eventVisibility: z.record(z.string(), z.unknown()).optional(),
      // Webhook endpoints failing now and disabled after their window (each one's lag is its `webhook:<id>` item).
      webhooks: z.object({ failing: z.array(z.record(z.string(), z.unknown())), disabled: z.array(z.record(z.string(), z.unknown())) }),
    }),
  },
});

export const RebuildProjectionRoute = defineRoute({
  ...operation,
  id: 'rebuildProjection',
  summary: 'Start a blue/green rebuild (or return the one under way); follow it at GET /v1/ops/projections',
  method: 'POST',
  path: '/v1/ops/projections/:name/rebuild',
  responses: { 202: z.object({ projection: z.string(), version: z.number().int(), state: z.literal('building'), resumed: z.boolean(), statusUrl: z.string() }) },
});

export const PauseProjectionRoute = defineRoute({
  ...operation,
  id: 'pauseProjection',
  summary: 'Pause a projection (its process stops applying events within a second)',
  method: 'POST',
  path: '/v1/ops/projections/:name/pause',
  responses: { 200: z.object({ projection: z.string(), paused: z.literal(true) }) },
});

export const ResumeProjectionRoute = defineRoute({
  ...operation,
  id: 'resumeProjection',
  summary: 'Resume a paused projection from its checkpoint',
  method: 'POST',
  path: '/v1/ops/projections/:name/resume',
  responses: { 200: z.object({ projection: z.string(), paused: z.literal(false) }) },
});

export const RetryDeadLettersRoute = defineRoute({
  ...operation,
  id: 'retryDeadLetters',
  summary: "Apply a projection's dead-lettered events again (after a fix)",
  method: 'POST',
  path: '/v1/ops/projections/:name/retry-dead-letters',
  responses: { 202: z.object({ projection: z.string(), requestId: z.string() }) },
});

export const ListOperatorActionsRoute = defineRoute({
  id: 'listOperatorActions',
  summary: 'What operators did to the projections, newest first, through any door (HTTP, console, CLI): who, how, what came of it',
  method: 'GET',
  path: '/v1/ops/actions',
  scope: 'ops',
  query: z.strictObject({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: RowIdCursor,
  }),
  responses: {
    200: z.object({
      items: z.array(
        z.object({
          at: z.iso.datetime(),
          action: z.enum(OPERATOR_ACTIONS),
          projection: z.string(),
          /** The door: the HTTP ops routes, the console, or the CLI. */
          door: z.enum(['http', 'console', 'cli']),
          /** The calling service's name (door http). */
          service: z.string().nullable(),
          /** The person: X-Actor-Id (http, when sent), the signed-in operator (console), --actor (cli, when given). */
          actorId: z.uuid().nullable(),
          outcome: z.enum(OPERATOR_OUTCOMES),
          /** The version a rebuild started or joined. */
          version: z.number().int().nullable(),
          /** A retry's request id (as the retry route answered it). */
          requestId: z.string().nullable(),
        }),
      ),
      nextCursor: z.string().nullable(),
    }),
  },
});

export const MetricsRoute = defineRoute({
  id: 'metrics',
  summary: 'Prometheus metrics',
  method: 'GET',
  path: '/metrics',
  scope: 'ops',
  responses: { 200: raw('text/plain') },
});

/**
 * What operators watch and do: each projection's position, lag and dead letters; rebuilds, pauses and retries
 * (carried out by whichever process runs the projection), each recorded in the operator trail with the calling service
 * and X-Actor-Id, and that trail; Prometheus metrics.
 */
@Controller()
export class OpsHttpController {
  private readonly status: ProjectionStatusReader;
  private readonly operations: ProjectionOperations;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) eventStore: EventStore,
    private readonly metrics: Metrics,
    private readonly users: UserLookup,
  ) {
    this.status = new ProjectionStatusReader(pool, eventStore);
    this.operations = new ProjectionOperations(pool);
  }

  @Route(ProjectionsStatusRoute)
  async projections() {
    const [items, eventVisibility, webhooks] = await Promise.all([this.status.report(), this.status.visibility(), readWebhookHealth(this.pool)]);
    return { items, ...(eventVisibility ? { eventVisibility } : {}), webhooks };
  }

  @Route(RebuildProjectionRoute)
  async rebuild(@Input() { params: { name } }: RouteInput<typeof RebuildProjectionRoute>, @Ctx() context: RequestContext) {
    const { version, resumed } = await this.operations.rebuild(name, await this.operator(context));
    return { projection: name, version, state: 'building', resumed, statusUrl: '/v1/ops/projections' };
  }

  @Route(PauseProjectionRoute)
  async pause(@Input() { params: { name } }: RouteInput<typeof PauseProjectionRoute>, @Ctx() context: RequestContext) {
    await this.operations.pause(name, await this.operator(context));
    return { projection: name, paused: true };
  }

  @Route(ResumeProjectionRoute)
  async resume(@Input() { params: { name } }: RouteInput<typeof ResumeProjectionRoute>, @Ctx() context: RequestContext) {
    await this.operations.resume(name, await this.operator(context));
    return { projection: name, paused: false };
  }

  @Route(RetryDeadLettersRoute)
  async retryDeadLetters(@Input() { params: { name } }: RouteInput<typeof RetryDeadLettersRoute>, @Ctx() context: RequestContext) {
    const requestId = await this.operations.retryDeadLetters(name, await this.operator(context));
    return { projection: name, requestId };
  }

  @Route(ListOperatorActionsRoute)
  async actions(@Input() { query }: RouteInput<typeof ListOperatorActionsRoute>) {
    const { items, more } = await readOperatorActions(this.pool, { limit: query.limit, before: decodeRowIdCursor(query.cursor) });
    return { items: items.map(({ id: _id, ...item }) => item), nextCursor: more ? encodeRowIdCursor(items.at(-1)!.id) : null };
  }

  /** The calling service and the person it acts for; an actor who is no active user is refused before anything is done. */
  private async operator(context: RequestContext): Promise<Operator> {
    const { actorId } = context;
    requireActiveActor({ userId: actorId, isActive: actorId !== undefined && (await this.users.isActive(actorId)), mayManageUsers: false });
    return { door: 'http', service: context.service.name, actorId };
  }

  @Route(MetricsRoute)
  @Header('content-type', 'text/plain; version=0.0.4')
  async prometheus(): Promise<string> {
    for (const projection of await this.status.report()) {
      if (projection.state !== 'live') continue;
      this.metrics.projectionLagEvents.set({ projection: projection.name }, projection.lagEvents);
      this.metrics.projectionLagSeconds.set({ projection: projection.name }, projection.lagSeconds);
      this.metrics.projectionDeadLetters.set({ projection: projection.name }, projection.deadLetters);
      this.metrics.projectionEventsProcessed.set({ projection: projection.name }, projection.eventsProcessed);
    }
    const webhooks = await readWebhookHealth(this.pool);
    this.metrics.webhookFailingEndpoints.set(webhooks.failing.length);
    this.metrics.webhookDisabledEndpoints.set(webhooks.disabled.length);
    const visibility = await this.status.visibility();
    if (visibility) {
      this.metrics.invisibleEvents.set(visibility.invisibleEvents);
      this.metrics.visibilityHeldSeconds.set(visibility.heldSeconds);
      this.metrics.visibilityHolder.reset();
      const holder = visibility.holder;
      if (holder) this.metrics.visibilityHolder.set({ pid: String(holder.pid), database: holder.database ?? 'unknown', state: holder.state ?? 'unknown' }, 1);
    }
    return this.metrics.registry.metrics();
  }
}
