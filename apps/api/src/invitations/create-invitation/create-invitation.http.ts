import { Body, Controller, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { MAX_INVITATION_HOURS, parseEmail } from '../../../../../libs/domain/src';
import type { CommandEnvelope } from '../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../commands/command-route';
import { IdPipe } from '../../http/ids';
import { Documented } from '../../openapi/documented.decorator';
import { OrganizationHandler } from '../../organizations/organization-handler';
import { EmailReservations } from '../../users/email-reservations';
import { InvitationAddresses } from '../invitation-addresses';
import { invitationView } from '../invitation-views';

// Shape only: the domain checks the address, the role and the hours, and names the field that broke a rule.
const CreateInvitationRequest = z.strictObject({
  email: z.string().max(1024),
  role: z.string().max(50),
  expiresInHours: z.number().int().min(1).max(MAX_INVITATION_HOURS).optional(),
});

/**
 * `POST /v1/organizations/{id}/invitations` (event `InvitationCreated`): facts gathered here are the address's keyed
 * hash, a new token issue, and who holds the address now (a member is 409 `already_member`). The mail goes out from
 * the event (the mail projection recreates the token from its id).
 */
@Controller('v1/organizations')
export class CreateInvitationHttpController {
  constructor(
    private readonly organizations: OrganizationHandler,
    private readonly addresses: InvitationAddresses,
    private readonly reservations: EmailReservations,
  ) {}

  @CommandRoute(Post(':id/invitations'), 201)
  @Documented({
    summary: 'Invite someone by email (event InvitationCreated)',
    body: CreateInvitationRequest,
    errors: ['organization_not_found', 'already_member', 'invitation_pending', 'forbidden'],
  })
  async create(@Param('id', IdPipe) id: string, @Body({ schema: CreateInvitationRequest }) body: z.infer<typeof CreateInvitationRequest>, @Envelope() envelope: CommandEnvelope) {
    const email = parseEmail(body.email);
    const invitationId = envelope.newId('invitation');
    const command = {
      type: 'CreateInvitation' as const,
      data: {
        invitationId,
        email,
        emailHash: this.addresses.keyOf(email),
        role: body.role,
        ...(body.expiresInHours !== undefined ? { expiresInHours: body.expiresInHours } : {}),
        token: this.addresses.tokens.issue('invitation', id),
        addressHolderId: await this.reservations.holderOf(email),
        now: envelope.now,
      },
    };
    const outcome = await this.organizations.handle(id, command, envelope);
    // The stored response holds the invitee's address: it is theirs, so erasing them (by invitation) forgets it.
    return respond(invitationView(outcome.state, invitationId, email), { ...outcome, aboutUser: invitationId });
  }
}
