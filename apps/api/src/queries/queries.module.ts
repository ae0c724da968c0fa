import { Module } from '@nestjs/common';
import { ProjectionsModule } from '../projections/projections.module';
import { SessionCommands } from '../sessions/session-commands';
import { SessionsHttpController } from '../sessions/sessions.http';
import { UsersModule } from '../users/users.module';
import { ConsistentWithGuard } from './consistent-with';
import { ReadModelQueriesHttpController } from './read-model.queries.http';
import { SearchQueriesHttpController } from './search.queries.http';

@Module({
  imports: [ProjectionsModule, UsersModule],
  controllers: [ReadModelQueriesHttpController, SearchQueriesHttpController, SessionsHttpController],
  providers: [ConsistentWithGuard, SessionCommands],
})
export class QueriesModule {}
