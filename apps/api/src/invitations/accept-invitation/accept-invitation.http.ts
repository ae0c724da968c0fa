import { Body, Controller, Post } from '@nestjs/common';
import { z } from 'zod';
import { DomainError, memberOf } from '../../../../../libs/domain/src';
import { hashEmailedToken } from '../../../../../libs/privacy/src';
import type { CommandEnvelope } from '../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../commands/command-route';
import { Documented } from '../../openapi/documented.decorator';
import { OrganizationHandler } from '../../organizations/organization-handler';
import { membershipView } from '../../organizations/organization-views';
import { UserLookup } from '../../users/user-lookup';
import { InvitationAddresses } from '../invitation-addresses';

const AcceptInvitationRequest = z.strictObject({ token: z.string().max(200) });

/**
 * `POST /v1/invitations/accept` `{token}` with X-Actor-Id (events `InvitationAccepted`, `MemberJoined`): the token
 * names its organization and issue (its MAC checked, so a forged one costs no read); the actor's verified address is
 * a fact gathered here, compared by its keyed hash.
 */
@Controller('v1/invitations')
export class AcceptInvitationHttpController {
  constructor(
    private readonly organizations: OrganizationHandler,
    private readonly addresses: InvitationAddresses,
    private readonly users: UserLookup,
  ) {}

  @CommandRoute(Post('accept'), 201)
  @Documented({ summary: 'Accept an invitation (events InvitationAccepted, MemberJoined)', body: AcceptInvitationRequest, errors: ['invitation_not_found', 'invitation_expired', 'email_mismatch', 'already_member'] })
  async accept(@Body({ schema: AcceptInvitationRequest }) body: z.infer<typeof AcceptInvitationRequest>, @Envelope() envelope: CommandEnvelope) {
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
