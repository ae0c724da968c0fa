import { Controller, Get, Query } from '@nestjs/common';
import { z } from 'zod';
import { INTEGRATION_EVENT_TYPES, type IntegrationEventType, isIntegrationEventType } from '../../../../libs/integration-events/src';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { Documented } from '../openapi/documented.decorator';
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

/** Integration events for other services (../shared/API.md, "Events for other services"): ids only, oldest first. */
@Controller('v1')
@RequiresScope('events')
export class EventsHttpController {
  constructor(
    private readonly feed: EventFeed,
    private readonly cursors: FeedCursors,
  ) {}

  @Get('events')
  @Documented({
    summary: 'Integration events after a cursor, oldest first, filtered by type; with waitSeconds an empty page waits for the next one',
    query: FeedQuery,
    errors: ['validation_failed', 'service_unavailable'],
  })
  async events(@Query({ schema: FeedQuery }) query: z.infer<typeof FeedQuery>) {
    const after = query.after === undefined ? undefined : this.cursors.decode(query.after);
    const page = await this.feed.read({ after, types: query.types, limit: query.limit, waitMs: query.waitSeconds * 1000 });
    return { items: page.items, nextCursor: this.cursors.encode(page.next) };
  }
}
