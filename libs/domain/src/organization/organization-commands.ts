import type { Actor } from '../shared/actor';

/**
 * Commands on one organization. `actor` is the end user on whose behalf the calling service acts (X-Actor-Id), with
 * the handler's fact that they are an active user; facts about other users ("this user exists and is not erased")
 * come in with the command's data.
 */
export type OrganizationCommand =
  | { type: 'CreateOrganization'; data: { organizationId: string; name: string; plan?: string; now: string }; actor: Actor }
  | { type: 'RenameOrganization'; data: { name: string; now: string }; actor: Actor }
  | { type: 'ChangePlan'; data: { plan: string; now: string }; actor: Actor }
  | { type: 'TransferOwnership'; data: { newOwnerId: string; newOwnerIsActive: boolean; now: string }; actor: Actor }
  | { type: 'SetPaymentMethod'; data: { processor: string; paymentMethodId: string; now: string }; actor: Actor }
  | { type: 'SetLogo'; data: { logoUrl: string; objectKey: string; now: string }; actor: Actor }
  | { type: 'AddMember'; data: { userId: string; role: string; userIsActive: boolean; now: string }; actor: Actor }
  | { type: 'ChangeMemberRole'; data: { userId: string; role: string; now: string }; actor: Actor }
  | { type: 'RemoveMember'; data: { userId: string; now: string }; actor: Actor }
  /** Erasure of a person, a step of a process rather than anyone's request: their membership ends whoever asked. */
  | { type: 'RemoveErasedMember'; data: { userId: string; now: string } }
  /**
   * Invitations. Facts gathered by the handler: `emailHash`, the keyed hash of the normalised address; `token`, a new
   * issue of an emailed token (its id and hash); `addressHolderId`, the user who holds the address now, if any.
   */
  | {
      type: 'CreateInvitation';
      data: { invitationId: string; email: string; emailHash: string; role: string; expiresInHours?: number; token: IssuedInvitationToken; addressHolderId: string | undefined; now: string };
      actor: Actor;
    }
  | { type: 'ResendInvitation'; data: { invitationId: string; token: IssuedInvitationToken; now: string }; actor: Actor }
  | { type: 'RevokeInvitation'; data: { invitationId: string; now: string }; actor: Actor }
  /**
   * The actor accepts with a presented token (its issue id, which the handler read from it, and its hash); facts about
   * the actor: whether their address is verified, and the keyed hash of it.
   */
  | { type: 'AcceptInvitation'; data: { tokenId: string; tokenHash: string; actorEmailVerified: boolean; actorEmailHash: string; now: string }; actor: Actor }
  /** A step of the invitations' schedule, no one's request: the invitation ends if it is still pending and due. */
  | { type: 'ExpireInvitation'; data: { invitationId: string; now: string } };

/** What the event records of a mailed token: its issue's id, and its hash. */
export interface IssuedInvitationToken {
  tokenId: string;
  tokenHash: string;
}
