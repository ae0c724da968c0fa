import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { z } from 'zod';
import { DomainError, type DomainErrorCode, organizationDecider, userDecider } from '../../../../../libs/domain/src';
import type { DecodedEvent } from '../../../../../libs/event-codec/src';
import { RequiresScope } from '../../auth/requires-scope.decorator';
import { ProblemError } from '../../http/problem';
import { Ctx, type RequestContext } from '../../http/request-context';
import { Documented } from '../../openapi/documented.decorator';
import { organizationStream, userStream } from '../../users/user-streams';
import { AuditReader } from '../audit-reader';
import { reviewState } from '../audit-view';
import { maySeePersonalData } from '../may-see-personal-data';

const StateQuery = z.strictObject({ at: z.string().min(1).max(64) });

/** `at` is a stream revision (digits) or an ISO-8601 time. */
function parseAt(at: string): { revision: bigint } | { time: number } {
  if (/^\d{1,18}$/.test(at)) return { revision: BigInt(at) };
  const time = Date.parse(at);
  if (/^\d{4}-\d{2}-\d{2}/.test(at) && !Number.isNaN(time)) return { time };
  throw new ProblemError('validation_failed', 'at must be a revision or an ISO-8601 time.', [{ field: 'at', message: 'expected a revision (0, 1, …) or an ISO-8601 time' }]);
}

/** A minimal decider shape: the same evolve and initial state that production folds events with. */
interface Evolver {
  initialState(): object;
  evolve(state: never, event: never): object;
}

/**
 * An entity as it was at a time or a revision, rebuilt from its events by the deciders that run in production (no
 * second implementation of the rules), then masked like history.
 */
@Controller('v1/audit')
@RequiresScope('audit')
export class StateAtHttpController {
  constructor(private readonly reader: AuditReader) {}

  @Get('users/:id/state')
  @Documented({ summary: 'A user as they were at a time or revision, rebuilt from events', query: StateQuery, errors: ['user_not_found'] })
  user(@Param('id', new ParseUUIDPipe()) id: string, @Query({ schema: StateQuery }) query: z.infer<typeof StateQuery>, @Ctx() context: RequestContext) {
    return this.stateAt(userStream(id.toLowerCase()), userDecider as unknown as Evolver, query.at, context, 'user_not_found');
  }

  @Get('organizations/:id/state')
  @Documented({ summary: 'An organization as it was at a time or revision, rebuilt from events', query: StateQuery, errors: ['organization_not_found'] })
  organization(@Param('id', new ParseUUIDPipe()) id: string, @Query({ schema: StateQuery }) query: z.infer<typeof StateQuery>, @Ctx() context: RequestContext) {
    return this.stateAt(organizationStream(id.toLowerCase()), organizationDecider as unknown as Evolver, query.at, context, 'organization_not_found');
  }

  private async stateAt(stream: string, decider: Evolver, rawAt: string, context: RequestContext, notFound: DomainErrorCode) {
    const at = parseAt(rawAt);
    const events = await this.reader.decodedStream(stream);
    if (events.length === 0) throw new DomainError(notFound, 'No such stream.');
    const upTo = (event: DecodedEvent) =>
      'revision' in at ? event.recorded.revision <= at.revision : Date.parse(event.recorded.metadata.occurredAt) <= at.time;
    const applied = events.filter(upTo);
    const state = applied.reduce((current, event) => decider.evolve(current as never, event as never), decider.initialState());
    const pii = maySeePersonalData(context);
    if (pii) await this.reader.recordRead(context, { kind: 'state', stream, at: rawAt });
    const last = applied.at(-1);
    return {
      at: rawAt,
      revision: last ? last.recorded.revision.toString() : null,
      occurredAt: last ? last.recorded.metadata.occurredAt : null,
      state: reviewState(state, pii),
      masked: !pii,
    };
  }
}
