import { Controller } from '@nestjs/common';
import { z } from 'zod';
import { INTEGRATION_EVENT_TYPES, type IntegrationEventType, isIntegrationEventType } from '@accounts/integration-events';
import { defineRoute, Input, Route, type RouteInput } from '../contract/route-contract';
import { EventFeed } from './event-feed';
import { FeedCursors } from './feed-cursor';

/** Comma-separated integration event types; the message names the contract, never echoes the input. */
const Types = z
  .string()
  .max(1000)
  .transform((text) => text.split(','))
  .refine((types) => types.every(isIntegrationEventType), { message: `expected types among ${INTEGRATION_EVENT_TYPES.join(', ')}, comma-separated` })
  .transform((types) => [...new Set(types)] as IntegrationEventType[]);

const FeedQuery = z.strictObject({
  after: z.string().max(200).optional(),
  types: Types.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  waitSeconds: z.coerce.number().int().min(0).max(30).default(0),
});

const IntegrationEventView = z.object({
  id: z.string().regex(/^evt_[0-9a-f-]{36}(_\d+)?$/),
  type: z.enum(INTEGRATION_EVENT_TYPES as [IntegrationEventType, ...IntegrationEventType[]]),
  version: z.number().int().min(1),
  occurredAt: z.iso.datetime(),
  /** Ids and enumerated values only (libs/integration-events). */
  data: z.record(z.string(), z.string()),
});

const FeedPageView = z.object({ items: z.array(IntegrationEventView), nextCursor: z.string() });

export const ListEventsRoute = defineRoute({
  id: 'listEvents',
  summary: 'Integration events after a cursor, oldest first, filtered by type; with waitSeconds an empty page waits for the next one',
  method: 'GET',
  path: '/v1/events',
  scope: 'events',
  query: FeedQuery,
  responses: { 200: FeedPageView },
});

/** Integration events for other services (../shared/API.md, "Events for other services"): ids only, oldest first. */
@Controller()
export class EventsHttpController {
  constructor(
    private readonly feed: EventFeed,
    private readonly cursors: FeedCursors,
  ) {}

  @Route(ListEventsRoute)
  async events(@Input() { query }: RouteInput<typeof ListEventsRoute>) {
    const after = query.after === undefined ? undefined : this.cursors.decode(query.after);
    const page = await this.feed.read({ after, types: query.types, limit: query.limit, waitMs: query.waitSeconds * 1000 });
    return { items: page.items, nextCursor: this.cursors.encode(page.next) };
  }
}
