import { Controller, Delete, Inject, Injectable, Param } from '@nestjs/common';
import type { Pool } from 'pg';
import { organizationDecider, type UserCommand, userDecider } from '../../../../../../libs/domain/src';
import { DataKeyStore } from '../../../../../../libs/privacy/src';
import { AggregateStore } from '../../../commands/aggregate-store';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../../commands/command-route';
import { handled } from '../../../commands/handled';
import { IdPipe } from '../../../http/ids';
import { IdempotencyStore } from '../../../idempotency/idempotency-store';
import { OBJECT_STORAGE, PG_POOL } from '../../../infrastructure/tokens';
import { UploadRecords } from '../../../files/upload-records';
import type { ObjectStorage } from '../../../../../../libs/object-storage/src';
import { Documented } from '../../../openapi/documented.decorator';
import { EmailReservations } from '../../email-reservations';
import { ActingUser } from '../../acting-user';
import { UserLookup } from '../../user-lookup';
import { organizationStream, userStream } from '../../../../../../libs/streams/src';

/**
 * The right to be forgotten: memberships end, `UserErased` is appended (which ends the sessions and empties the
 * read model's and search's copies), the address is released, and the person's data key is destroyed, so their
 * sealed fields in every event become unreadable for good. Every step is idempotent, so a repeat finishes a run that
 * died half-way.
 */
@Injectable()
export class EraseUserHandler {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly users: UserLookup,
    private readonly acting: ActingUser,
    private readonly reservations: EmailReservations,
    private readonly keys: DataKeyStore,
    private readonly idempotency: IdempotencyStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly uploads: UploadRecords,
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
  ) {}

  async execute(userId: string, envelope: CommandEnvelope) {
    // Steps after this one seal nothing with the person's key (it is about to go): the client IP is the actor's.
    const context = envelope.forAggregates();

    // The organizations the person belongs to, from the read model; each is then checked on its own stream.
    const { rows } = await this.pool.query<{ org_id: string }>('SELECT org_id FROM memberships WHERE user_id = $1', [userId]);
    const organizations = [];
    let isBillingOwnerOfAnyOrganization = false;
    for (const { org_id: organizationId } of rows) {
      const { state } = await this.aggregates.load(organizationStream(organizationId), organizationDecider);
      if (state.status === 'active' && state.ownerId === userId) isBillingOwnerOfAnyOrganization = true;
      organizations.push(organizationId);
    }
    // The rules (who may erase, billing ownership, an unknown user) are the user decider's: asked here on the state
    // as it is, before the first step that cannot be undone, and again when UserErased is appended.
    const erase: UserCommand = { type: 'EraseUser', data: { userId, isBillingOwnerOfAnyOrganization, now: envelope.now }, actor: await this.acting.of(envelope) };
    const user = await this.users.state(userId);
    userDecider.decide(erase, user);
    if (user.status !== 'active') throw new Error('the decider erases only active users');
    for (const organizationId of organizations) {
      await this.aggregates.execute(organizationStream(organizationId), organizationDecider, { type: 'RemoveErasedMember', data: { userId, now: envelope.now } }, context);
    }
    const outcome = await this.aggregates.execute(userStream(userId), userDecider, erase, context);
    await this.reservations.release(user.email, userId, 'erased', envelope, context);
    await this.keys.destroy(userId);
    await this.idempotency.forgetSubject(userId);
    // Their uploads go too: every avatar they ever uploaded, confirmed or not.
    const objectKeys = await this.uploads.keysOf(userId, 'user_avatar');
    for (const objectKey of objectKeys) await this.storage.delete(objectKey);
    await this.uploads.forget(objectKeys);
    return handled(outcome);
  }
}

@Controller('v1/users')
export class EraseUserHttpController {
  constructor(private readonly erasure: EraseUserHandler) {}

  @CommandRoute(Delete(':id'), 202)
  @Documented({ summary: "Erase a person's data (right to be forgotten)", errors: ['user_not_found', 'owner_must_transfer', 'forbidden'] })
  async erase(@Param('id', IdPipe) userId: string, @Envelope() envelope: CommandEnvelope) {
    return respond({ id: userId, status: 'erased' }, await this.erasure.execute(userId, envelope));
  }
}
