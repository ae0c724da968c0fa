import type { OrganizationSteps } from '../runtime/organization-steps';

/**
 * Ends an erased person's membership of one organization, on the organization's own stream (`RemoveErasedMember`).
 * The decider answers "nothing to do" once they are no longer a member, so doing it twice is harmless; it refuses
 * (the error is thrown) while they are the billing owner, which no one can act for once they are erased.
 */
export class ErasedMemberRemover {
  constructor(
    private readonly steps: OrganizationSteps,
    private readonly now: () => Date = () => new Date(),
  ) {}

  remove(organizationId: string, userId: string, causationId: string): Promise<boolean> {
    return this.steps.run(organizationId, (now) => ({ type: 'RemoveErasedMember', data: { userId, now } }), { now: this.now, service: 'erasure', causationId });
  }
}
