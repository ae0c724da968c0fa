import { Controller } from '@nestjs/common';
import { z } from 'zod';
import { DomainError, memberOf } from '@accounts/domain';
import { hashEmailedToken } from '@accounts/privacy';
import type { CommandEnvelope } from '../../commands/command-envelope';
import { Envelope, respond } from '../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../contract/route-contract';
import { OrganizationHandler } from '../../organizations/organization-handler';
import { MembershipResponse, membershipView } from '../../organizations/organization-views';
import { UserLookup } from '../../users/user-lookup';
import { InvitationAddresses } from '../invitation-addresses';

/**
 * `POST /v1/invitations/accept` `{token}` with X-Actor-Id (events `InvitationAccepted`, `MemberJoined`): the token
 * names its organization and issue (its MAC checked, so a forged one costs no read); the actor's verified address is
 * a fact gathered here, compared by its keyed hash.
 */
export const AcceptInvitationRoute = defineRoute({
  id: 'acceptInvitation',
  summary: 'Accept an invitation (events InvitationAccepted, MemberJoined)',
  method: 'POST',
  path: '/v1/invitations/accept',
  scope: 'commands',
  command: true,
  actor: 'required',
  body: z.strictObject({ token: z.string().max(200) }),
  responses: { 201: MembershipResponse.extend({ invitationId: z.uuid().optional() }) },
  errors: ['invitation_not_found', 'invitation_expired', 'email_mismatch', 'already_member', 'forbidden'],
});

@Controller()
export class AcceptInvitationHttpController {
  constructor(
    private readonly organizations: OrganizationHandler,
    private readonly addresses: InvitationAddresses,
    private readonly users: UserLookup,
  ) {}

  @Route(AcceptInvitationRoute)
  async accept(@Input() { body }: RouteInput<typeof AcceptInvitationRoute>, @Envelope() envelope: CommandEnvelope) {
    const actorId = envelope.requireActor();
    const parts = this.addresses.tokens.parse(body.token, 'invitation');
    if (!parts) throw new DomainError('invitation_not_found', 'No such invitation.');
    const actor = await this.users.state(actorId);
    const data = {
      tokenId: parts.tokenId,
      tokenHash: hashEmailedToken(body.token),
      actorEmailVerified: actor.status === 'active' && actor.emailVerified,
      actorEmailHash: actor.status === 'active' ? this.addresses.keyOf(actor.email) : '',
      now: envelope.now,
    };
    const organizationId = parts.subjectId;
    const outcome = await this.organizations.handle(organizationId, { type: 'AcceptInvitation', data }, envelope).catch((error: unknown) => {
      // A token of an organization that does not exist (any more) is an unknown invitation.
      if (error instanceof DomainError && error.code === 'organization_not_found') throw new DomainError('invitation_not_found', 'No such invitation.');
      throw error;
    });
    return respond({ ...membershipView(outcome.state, actorId), invitationId: memberOf(outcome.state, actorId) && findInvitation(outcome.state.invitations, parts.tokenId) }, outcome);
  }
}

/** The invitation whose current token this was (the one just accepted). */
function findInvitation(invitations: Readonly<Record<string, { tokenId: string }>>, tokenId: string): string | undefined {
  return Object.entries(invitations).find(([, entry]) => entry.tokenId === tokenId)?.[0];
}
