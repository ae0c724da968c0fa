import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { OrganizationCommandsHttpController } from './commands/organization-routes.http';
import { ExecuteOrganizationCommandHandler } from './organization-commands';

@Module({
  imports: [UsersModule],
  controllers: [OrganizationCommandsHttpController],
  providers: [ExecuteOrganizationCommandHandler],
})
export class OrganizationsModule {}
