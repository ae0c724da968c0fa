import { Module } from '@nestjs/common';
import { AuditReader } from './audit-reader';
import { ExportEventsHttpController } from './export-events/export-events.http';
import { StateAtHttpController } from './state-at/state-at.http';
import { StreamHistoryHttpController } from './stream-history/stream-history.http';

/** Audit reviewers: history, state at a time or revision, exports (../shared/API.md, Audit). */
@Module({
  controllers: [StreamHistoryHttpController, StateAtHttpController, ExportEventsHttpController],
  providers: [AuditReader],
  exports: [AuditReader],
})
export class AuditModule {}
