import { Controller, Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import type { Pool } from 'pg';
import { organizationDecider, type UserCommand, userDecider, type UserEvent, type UserState } from '@accounts/domain';
import { DataKeyStore, ERASED, ERASED_VALUE } from '@accounts/privacy';
import { AggregateStore, type CommandContext } from '@accounts/aggregates';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { Envelope, respond } from '../../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../../contract/route-contract';
import { type Handled, handled } from '../../../commands/handled';
import { PathId } from '../../../http/ids';
import { ProblemError } from '../../../http/problem';
import { IdempotencyStore } from '../../../idempotency/idempotency-store';
import { EVENT_STORE, OBJECT_STORAGE, PG_POOL } from '../../../infrastructure/tokens';
import { UploadRecords } from '../../../files/upload-records';
import type { ObjectStorage } from '@accounts/object-storage';
import { EmailReservations } from '../../email-reservations';
import { ActingUser } from '../../acting-user';
import { InvitationAddresses } from '../../../invitations/invitation-addresses';
import { type EventStore, formatPosition } from '@accounts/event-store';
import { organizationStream, userStream } from '@accounts/streams';

/** The erasure's steps, in order; each is idempotent, and a repeat of the erasure runs those not done yet. */
export const ERASURE_STEPS = ['leave_organizations', 'append_user_erased', 'release_email', 'shred_invitations', 'destroy_data_key', 'forget_responses', 'delete_uploads'] as const;
export type ErasureStep = (typeof ERASURE_STEPS)[number];

/** PostgreSQL's undefined_table: a projection's tables that no projector has created on this database yet. */
const UNDEFINED_TABLE = '42P01';

/**
 * No read model yet (no read-model projector has run on this database): which organizations the person owns is
 * unknown, and erasing a billing owner cannot be undone, so nothing is done and the caller retries, as after an
 * outage. Raised before the first step, so the request changes nothing.
 */
function readModelNotBuilt(): ProblemError {
  return new ProblemError('service_unavailable', 'The read model that erasure consults is not built yet; retry after the time in Retry-After.', undefined, 5);
}

/** The user's decider, blind to `UserErased`: the person as they were just before erasure (their address, to release). */
const userBeforeErasure = { ...userDecider, fold: (state: UserState, events: readonly UserEvent[]) => userDecider.fold(state, events.filter((event) => event.type !== 'UserErased')) };

/**
 * The right to be forgotten, as a process that always completes: memberships end, `UserErased` is appended (which
 * ends the sessions and empties the read model's and search's copies), the address is released, their invitations' keys and the person's data
 * key are destroyed (their sealed fields in every event become unreadable for good), their stored responses and
 * uploads go. Every step is idempotent, and `UserErased` is the point of no return: a repeat (same key or a new one)
 * of an erasure that died after it does not answer 404 but finishes the steps left. Memberships added inside the
 * read model's lag, or by a command racing this one, are removed by the erased-members reaction
 * (projections/src/erasure), which reads the event log itself.
 */
@Injectable()
export class EraseUserHandler {
  /** Called after each step: the fault tests stop the process there, as a crash would. */
  afterStep: ((step: ErasureStep) => Promise<void>) | undefined;

  constructor(
    private readonly aggregates: AggregateStore,
    private readonly acting: ActingUser,
    private readonly reservations: EmailReservations,
    private readonly keys: DataKeyStore,
    private readonly idempotency: IdempotencyStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly uploads: UploadRecords,
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly invitationAddresses: InvitationAddresses,
  ) {}

  async execute(userId: string, envelope: CommandEnvelope): Promise<Pick<Handled<UserState>, 'position' | 'aboutUser'>> {
    const stream = userStream(userId);
    const { state } = await this.aggregates.load(stream, userDecider);
    // Steps after this one seal nothing with the person's key (it is about to go): the client IP is the actor's.
    const context = envelope.forAggregates();
    let outcome: Handled<UserState> | undefined;
    /** The address the person had when UserErased was decided: what the next step gives back. */
    let addressAtErasure: string | undefined;
    if (state.status !== 'erased') {
      // The rules (an unknown user, who may erase, billing ownership) are the user decider's: asked here on the state
      // as it is, before the first step that cannot be undone, and again when UserErased is appended.
      const organizations = await this.organizationsOf(userId);
      const erase: UserCommand = {
        type: 'EraseUser',
        data: { userId, isBillingOwnerOfAnyOrganization: organizations.some((organization) => organization.owned), now: envelope.now },
        actor: await this.acting.of(envelope),
      };
      userDecider.decide(erase, state);
      await this.step('leave_organizations', () => this.leaveOrganizations(userId, organizations, envelope.now, context));
      await this.step('append_user_erased', async () => {
        // Decided on the stream's state at the expected revision (again after a conflict): its address is the one the
        // erasure releases, read here rather than by folding the whole history again in the next step.
        const decidedOn = (current: UserState): UserCommand => {
          addressAtErasure = current.status === 'active' ? current.email : undefined;
          return erase;
        };
        outcome = handled(await this.aggregates.execute(stream, userDecider, decidedOn, context));
      });
    }
    // Erased from here on: what is left is undone only by finishing it. A repeat finishes it whoever sends it (the
    // erased person can no longer act): these steps only remove what is left of someone already erased.
    await this.step('release_email', () => this.releaseEmail(userId, addressAtErasure, envelope, context));
    await this.step('shred_invitations', () => this.shredInvitations(userId, addressAtErasure));
    await this.step('destroy_data_key', () => this.keys.destroy(userId));
    await this.step('forget_responses', async () => void (await this.idempotency.forgetSubject(userId)));
    await this.step('delete_uploads', async () => {
      // Every avatar they ever uploaded, confirmed or not.
      const objectKeys = await this.uploads.keysOf(userId, 'user_avatar');
      for (const objectKey of objectKeys) await this.storage.delete(objectKey);
      await this.uploads.forget(objectKeys);
    });
    // A repeat that only finished the steps appended nothing: its position is the stream's last event (UserErased),
    // so the caller can still read its own write with X-Consistent-With.
    return outcome ?? { position: await this.lastPosition(stream), aboutUser: undefined };
  }

  private async lastPosition(stream: string): Promise<string | undefined> {
    const [last] = await this.eventStore.readStream(stream, { direction: 'backwards', maxCount: 1 });
    return last && formatPosition(last.position);
  }

  private async step(step: ErasureStep, work: () => Promise<void>): Promise<void> {
    await work();
    await this.afterStep?.(step);
  }

  /**
   * The organizations the person belongs to, from the read model, each checked on its own stream. The read model may
   * lag, so this is the fast path only; the erased-members reaction removes what it missed.
   */
  private async organizationsOf(userId: string): Promise<{ organizationId: string; owned: boolean }[]> {
    const rows = await this.pool
      .query<{ org_id: string }>('SELECT org_id FROM memberships WHERE user_id = $1', [userId])
      .then((result) => result.rows)
      .catch((error: { code?: string }) => Promise.reject(error.code === UNDEFINED_TABLE ? readModelNotBuilt() : error));
    const organizations = [];
    for (const { org_id: organizationId } of rows) {
      const { state } = await this.aggregates.load(organizationStream(organizationId), organizationDecider);
      organizations.push({ organizationId, owned: state.status === 'active' && state.ownerId === userId });
    }
    return organizations;
  }

  private async leaveOrganizations(userId: string, organizations: { organizationId: string }[], now: string, context: CommandContext): Promise<void> {
    for (const { organizationId } of organizations) {
      await this.aggregates.execute(organizationStream(organizationId), organizationDecider, { type: 'RemoveErasedMember', data: { userId, now } }, context);
    }
  }

  /**
   * Gives the address back: the one UserErased was decided on, or, when a repeat finishes an erasure that died after
   * UserErased, the one read from the events before it (the whole history, once, on that rare path). Once the data
   * key is destroyed it cannot be read, but then this step was done (it comes first).
   */
  private async releaseEmail(userId: string, addressAtErasure: string | undefined, envelope: CommandEnvelope, context: CommandContext): Promise<void> {
    if ((await this.keys.existingKey(userId)) === ERASED) return;
    const address = addressAtErasure ?? (await this.addressBeforeErasure(userId));
    if (address !== undefined && address !== ERASED_VALUE) await this.reservations.release(address, userId, 'erased', envelope, context);
  }

  /**
   * The person's invitations are theirs too: those they accepted, and those pending to their address (found by its
   * keyed hash in the invitations reaction's schedule, which holds it only while an invitation is pending). Each
   * invitation's key is destroyed, and the stored responses that showed its address are forgotten. The reaction
   * destroys the accepted ones' keys again at UserErased, for any this lagging read could not see.
   */
  private async shredInvitations(userId: string, addressAtErasure: string | undefined): Promise<void> {
    const address = addressAtErasure ?? ((await this.keys.existingKey(userId)) === ERASED ? undefined : await this.addressBeforeErasure(userId));
    const addressKey = address !== undefined && address !== ERASED_VALUE ? this.invitationAddresses.keyOf(address) : null;
    const rows = await this.pool
      .query<{ invitation_id: string }>(
        `SELECT invitation_id FROM invitation_schedule WHERE accepted_by = $1 OR (address_key = $2 AND ended_at IS NULL)`,
        [userId, addressKey],
      )
      .then((result) => result.rows)
      // No schedule yet (the invitations reaction never ran on this database): no invitation to shred.
      .catch((error: { code?: string }) => (error.code === UNDEFINED_TABLE ? [] : Promise.reject(error)));
    for (const { invitation_id: invitationId } of rows) {
      await this.keys.destroy(invitationId);
      await this.idempotency.forgetSubject(invitationId);
    }
  }

  private async addressBeforeErasure(userId: string): Promise<string | undefined> {
    const state = await this.aggregates.peek(userStream(userId), userBeforeErasure);
    return state.status === 'active' ? state.email : undefined;
  }
}

export const EraseUserRoute = defineRoute({
  id: 'eraseUser',
  summary: "Erase a person's data (right to be forgotten)",
  method: 'DELETE',
  path: '/v1/users/:id',
  scope: 'commands',
  command: true,
  actor: 'required',
  params: { id: PathId },
  responses: { 202: z.object({ id: z.uuid(), status: z.literal('erased') }) },
  errors: ['user_not_found', 'owner_must_transfer', 'forbidden'],
});

@Controller()
export class EraseUserHttpController {
  constructor(private readonly erasure: EraseUserHandler) {}

  @Route(EraseUserRoute)
  async erase(@Input() { params }: RouteInput<typeof EraseUserRoute>, @Envelope() envelope: CommandEnvelope) {
    return respond({ id: params.id, status: 'erased' }, await this.erasure.execute(params.id, envelope));
  }
}
