import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { DiscoveryModule } from '@nestjs/core';
import { AuditModule } from './audit/audit.module';
import { EventsModule } from './events/events.module';
import { ConsoleModule } from './console/console.module';
import { ServiceKeyGuard } from './auth/service-key.guard';
import { FilesModule } from './files/files.module';
import { ServiceKeys } from './auth/service-keys';
import type { AppConfig } from '@accounts/config';
import { HealthController } from './health/health.controller';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { InfrastructureModule } from './infrastructure/infrastructure.module';
import { OpenApiController } from './openapi/openapi.controller';
import { OpsHttpController } from './ops/ops.http';
import { ProjectionsModule } from './projections/projections.module';
import { OrganizationsModule } from './organizations/organizations.module';
import { QueriesModule } from './queries/queries.module';
import { ThrottlingModule } from './throttling/throttling.module';
import { UsersModule } from './users/users.module';
import { InvitationsModule } from './invitations/invitations.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [DiscoveryModule, InfrastructureModule.forConfig(config), UsersModule, OrganizationsModule, InvitationsModule, QueriesModule, ProjectionsModule, AuditModule, FilesModule, ThrottlingModule, EventsModule, ConsoleModule, WebhooksModule],
      controllers: [HealthController, OpenApiController, OpsHttpController],
      providers: [
        { provide: ServiceKeys, useValue: ServiceKeys.parse(config.serviceKeys) },
        { provide: APP_GUARD, useClass: ServiceKeyGuard },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
    };
  }
}
