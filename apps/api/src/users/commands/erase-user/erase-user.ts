import { Controller, Delete, HttpCode, Inject, Param, ParseUUIDPipe, Req, Res, UseInterceptors } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import { DomainError, organizationDecider, userDecider } from '../../../../../../libs/domain/src';
import { formatPosition } from '../../../../../../libs/event-store/src';
import { DataKeyStore } from '../../../../../../libs/privacy/src';
import { RequiresScope } from '../../../auth/requires-scope.decorator';
import { AggregateStore } from '../../../commands/aggregate-store';
import { CommandEnvelope } from '../../../commands/command-context';
import { withPosition } from '../../../commands/command-response';
import { Ctx, type RequestContext } from '../../../http/request-context';
import { type IdempotentRequest, IdempotencyInterceptor } from '../../../idempotency/idempotency.interceptor';
import { IdempotencyStore } from '../../../idempotency/idempotency-store';
import { OBJECT_STORAGE, PG_POOL } from '../../../infrastructure/tokens';
import { UploadRecords } from '../../../files/upload-records';
import type { ObjectStorage } from '../../../../../../libs/object-storage/src';
import { Documented } from '../../../openapi/documented.decorator';
import { EmailReservations } from '../../email-reservations';
import { UserLookup } from '../../user-lookup';
import { organizationStream, userStream } from '../../../../../../libs/streams/src';

export class EraseUserCommand {
  constructor(
    readonly userId: string,
    readonly envelope: CommandEnvelope,
  ) {}
}

/**
 * The right to be forgotten: memberships end, `UserErased` is appended (which ends the sessions and empties the
 * read model's and search's copies), the address is released, and the person's data key is destroyed, so their
 * sealed fields in every event become unreadable for good. Every step is idempotent, so a repeat finishes a run that
 * died half-way.
 */
@CommandHandler(EraseUserCommand)
export class EraseUserHandler implements ICommandHandler<EraseUserCommand> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly users: UserLookup,
    private readonly reservations: EmailReservations,
    private readonly keys: DataKeyStore,
    private readonly idempotency: IdempotencyStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly uploads: UploadRecords,
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
  ) {}

  async execute({ userId, envelope }: EraseUserCommand): Promise<string | undefined> {
    const user = await this.users.state(userId);
    if (user.status !== 'active') throw new DomainError('user_not_found', 'No such user.');
    // Steps after this one seal nothing with the person's key (it is about to go): the client IP is the actor's.
    const context = envelope.forAggregates();

    // The organizations the person belongs to, from the read model; each is then checked on its own stream.
    const { rows } = await this.pool.query<{ org_id: string }>('SELECT org_id FROM memberships WHERE user_id = $1', [userId]);
    const organizations = [];
    for (const { org_id: organizationId } of rows) {
      const { state } = await this.aggregates.load(organizationStream(organizationId), organizationDecider);
      if (state.status === 'active' && state.ownerId === userId) {
        throw new DomainError('owner_must_transfer', 'This user is the billing owner of an organization; transfer its ownership first.');
      }
      organizations.push(organizationId);
    }
    for (const organizationId of organizations) {
      await this.aggregates.execute(organizationStream(organizationId), organizationDecider, { type: 'RemoveErasedMember', data: { userId, now: envelope.now } }, context);
    }
    const outcome = await this.aggregates.execute(
      userStream(userId),
      userDecider,
      { type: 'EraseUser', data: { userId, isBillingOwnerOfAnyOrganization: false, now: envelope.now } },
      context,
    );
    await this.reservations.release(user.email, userId, 'erased', envelope, context);
    await this.keys.destroy(userId);
    await this.idempotency.forgetSubject(userId);
    // Their uploads go too: every avatar they ever uploaded, confirmed or not.
    const objectKeys = await this.uploads.keysOf(userId, 'user_avatar');
    for (const objectKey of objectKeys) await this.storage.delete(objectKey);
    await this.uploads.forget(objectKeys);
    return outcome.position && formatPosition(outcome.position);
  }
}

@Controller('v1/users')
export class EraseUserHttpController {
  constructor(private readonly commands: CommandBus) {}

  @Delete(':id')
  @HttpCode(202)
  @RequiresScope('commands')
  @UseInterceptors(IdempotencyInterceptor)
  @Documented({ summary: "Erase a person's data (right to be forgotten)", errors: ['user_not_found', 'owner_must_transfer'] })
  async erase(
    @Param('id', new ParseUUIDPipe()) userId: string,
    @Ctx() context: RequestContext,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const position = await this.commands.execute<EraseUserCommand, string | undefined>(new EraseUserCommand(userId.toLowerCase(), CommandEnvelope.from(context, request)));
    withPosition(reply, position);
    return { id: userId.toLowerCase(), status: 'erased' };
  }
}
