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
  | { type: 'RemoveErasedMember'; data: { userId: string; now: string } };
