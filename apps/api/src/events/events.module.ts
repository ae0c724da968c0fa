import { Module } from '@nestjs/common';
import { EventCodec } from '@accounts/event-codec';
import type { EventStore } from '@accounts/event-store';
import { deriveKey, type MasterKey } from '@accounts/privacy';
import { EVENT_STORE, MASTER_KEY } from '../infrastructure/tokens';
import { EventFeed } from './event-feed';
import { EventsHttpController } from './events.http';
import { FeedCursors } from './feed-cursor';

/** The feed of integration events (GET /v1/events). */
@Module({
  controllers: [EventsHttpController],
  providers: [
    { provide: EventFeed, inject: [EVENT_STORE, EventCodec], useFactory: (store: EventStore, codec: EventCodec) => new EventFeed(store, codec) },
    { provide: FeedCursors, inject: [MASTER_KEY], useFactory: (masterKey: MasterKey) => new FeedCursors(deriveKey(masterKey, 'events-feed-cursor/v1')) },
  ],
  exports: [EventFeed],
})
export class EventsModule {}
