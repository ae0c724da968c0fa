import { Controller } from '@nestjs/common';
import { z } from 'zod';
import { MAX_INVITATION_HOURS, parseEmail } from '@accounts/domain';
import type { CommandEnvelope } from '../../commands/command-envelope';
import { Envelope, respond } from '../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../contract/route-contract';
import { PathId } from '../../http/ids';
import { OrganizationHandler } from '../../organizations/organization-handler';
import { EmailReservations } from '../../users/email-reservations';
import { InvitationAddresses } from '../invitation-addresses';
import { InvitationResponse, invitationView } from '../invitation-views';

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
export const CreateInvitationRoute = defineRoute({
  id: 'createInvitation',
  summary: 'Invite someone by email (event InvitationCreated)',
  method: 'POST',
  path: '/v1/organizations/:id/invitations',
  scope: 'commands',
  command: true,
  actor: 'required',
  params: { id: PathId },
  body: CreateInvitationRequest,
  responses: { 201: InvitationResponse.required({ email: true }) },
  errors: ['organization_not_found', 'already_member', 'invitation_pending', 'forbidden'],
});

@Controller()
export class CreateInvitationHttpController {
  constructor(
    private readonly organizations: OrganizationHandler,
    private readonly addresses: InvitationAddresses,
    private readonly reservations: EmailReservations,
  ) {}

  @Route(CreateInvitationRoute)
  async create(@Input() { params: { id }, body }: RouteInput<typeof CreateInvitationRoute>, @Envelope() envelope: CommandEnvelope) {
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
