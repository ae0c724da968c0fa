import { Module } from '@nestjs/common';
import { AuditReader } from '@accounts/audit';
import { EventCodec } from '@accounts/event-codec';
import type { EventStore } from '@accounts/event-store';
import { FieldSealer } from '@accounts/privacy';
import { EVENT_STORE } from '../infrastructure/tokens';
import { ExportEventsHttpController } from './export-events/export-events.http';
import { StateAtHttpController } from './state-at/state-at.http';
import { StreamHistoryHttpController } from './stream-history/stream-history.http';

/** Audit reviewers: history, state at a time or revision, exports (../shared/API.md, Audit). */
@Module({
  controllers: [StreamHistoryHttpController, StateAtHttpController, ExportEventsHttpController],
  providers: [
    {
      provide: AuditReader,
      inject: [EVENT_STORE, EventCodec, FieldSealer],
      useFactory: (eventStore: EventStore, codec: EventCodec, sealer: FieldSealer) => new AuditReader(eventStore, codec, sealer),
    },
  ],
  exports: [AuditReader],
})
export class AuditModule {}
