import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../organizations/organizations.module';
import { ProjectionsModule } from '../projections/projections.module';
import { ConsistentWithGuard } from '../queries/consistent-with';
import { UsersModule } from '../users/users.module';
import { AcceptInvitationHttpController } from './accept-invitation/accept-invitation.http';
import { CreateInvitationHttpController } from './create-invitation/create-invitation.http';
import { ListInvitationsHttpController } from './list-invitations/list-invitations.http';
import { ResendInvitationHttpController } from './resend-invitation/resend-invitation.http';
import { RevokeInvitationHttpController } from './revoke-invitation/revoke-invitation.http';

/** Invitations by email: commands on the organization's stream, and the list from the read model. */
@Module({
  imports: [UsersModule, OrganizationsModule, ProjectionsModule],
  // /openapi.json lists routes in the order Nest registers them: keep this order.
  controllers: [CreateInvitationHttpController, ListInvitationsHttpController, ResendInvitationHttpController, RevokeInvitationHttpController, AcceptInvitationHttpController],
  providers: [ConsistentWithGuard],
})
export class InvitationsModule {}
