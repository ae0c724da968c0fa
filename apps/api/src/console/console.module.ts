import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ProjectionsModule } from '../projections/projections.module';
import { SessionCommands } from '../sessions/session-commands';
import { UsersModule } from '../users/users.module';
import { AuditConsoleHttpController } from './audit-console.http';
import { ConsoleAssetsHttpController } from './console-assets.http';
import { LagHistory } from './lag-history';
import { OperationsConsoleHttpController } from './operations-console.http';
import { SignInHttpController } from './sign-in.http';
import { StaffGate } from './staff-gate';
import { StaffSessions } from './staff-sessions';

/** The console for audit reviewers and operators at /console (README, Console): server-rendered pages. */
@Module({
  imports: [ProjectionsModule, UsersModule, AuditModule],
  controllers: [SignInHttpController, AuditConsoleHttpController, OperationsConsoleHttpController, ConsoleAssetsHttpController],
  providers: [SessionCommands, StaffSessions, StaffGate, LagHistory],
})
export class ConsoleModule {}
