import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { z } from 'zod';
import { DomainError, type DomainErrorCode, membersOf, organizationDecider, type OrganizationState, userDecider } from '../../../../../libs/domain/src';
import { organizationStream, userStream } from '../../../../../libs/streams/src';
import { AuditReader, type Evolver, stateAt } from '../../../../../libs/audit/src';
import { RequiresScope } from '../../auth/requires-scope.decorator';
import { Ctx, type RequestContext } from '../../http/request-context';
import { Documented } from '../../openapi/documented.decorator';
import { maySeePersonalData } from '../may-see-personal-data';

const StateQuery = z.strictObject({ at: z.string().min(1).max(64) });

/** The organization's decider, its members shown as one map by id (the state keeps them in buckets, see membersOf). */
const organizationAsReviewed = {
  initialState: organizationDecider.initialState,
  fold: (state: OrganizationState, events: Parameters<typeof organizationDecider.fold>[1]) => {
    const folded = organizationDecider.fold(state, events);
    return folded.status === 'active' ? { ...folded, members: membersOf(folded) } : folded;
  },
} as unknown as Evolver;

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
    return this.stateAt(organizationStream(id.toLowerCase()), organizationAsReviewed, query.at, context, 'organization_not_found');
  }

  private async stateAt(stream: string, decider: Evolver, at: string, context: RequestContext, notFound: DomainErrorCode) {
    const pii = maySeePersonalData(context);
    const result = await stateAt(this.reader, stream, decider, at, pii);
    if (!result) throw new DomainError(notFound, 'No such stream.');
    if (pii) await this.reader.recordRead(context, { kind: 'state', stream, at });
    return result;
  }
}
