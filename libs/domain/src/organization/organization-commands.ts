/**
 * Commands on one organization. `actorId` is the end user on whose behalf the calling service acts (X-Actor-Id);
 * facts about other aggregates ("this user exists and is not erased") come in with the command.
 */
export type OrganizationCommand =
  | { type: 'CreateOrganization'; data: { organizationId: string; name: string; plan?: string; actorId: string; actorExists: boolean; now: string } }
  | { type: 'RenameOrganization'; data: { name: string; actorId: string; now: string } }
  | { type: 'ChangePlan'; data: { plan: string; actorId: string; now: string } }
  | { type: 'TransferOwnership'; data: { newOwnerId: string; actorId: string; now: string } }
  | { type: 'SetPaymentMethod'; data: { processor: string; paymentMethodId: string; actorId: string; now: string } }
  | { type: 'SetLogo'; data: { logoUrl: string; objectKey: string; actorId: string; now: string } }
  | { type: 'AddMember'; data: { userId: string; role: string; userExists: boolean; actorId: string; now: string } }
  | { type: 'ChangeMemberRole'; data: { userId: string; role: string; actorId: string; now: string } }
  | { type: 'RemoveMember'; data: { userId: string; actorId: string; now: string } }
  /** Erasure of a person: their membership ends whoever asks; the billing owner still cannot be removed. */
  | { type: 'RemoveErasedMember'; data: { userId: string; now: string } };
