import { Controller } from '@nestjs/common';
import { z } from 'zod';
import { DomainError, type DomainErrorCode, membersOf, organizationDecider, type OrganizationState, userDecider } from '@accounts/domain';
import { organizationStream, userStream } from '@accounts/streams';
import { AuditReader, type Evolver, stateAt } from '@accounts/audit';
import { defineRoute, Input, Route, type RouteInput } from '../../contract/route-contract';
import { PathId } from '../../http/ids';
import { Ctx, type RequestContext } from '../../http/request-context';
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

const StateView = z.object({ at: z.string(), revision: z.string().nullable(), occurredAt: z.string().nullable(), state: z.record(z.string(), z.unknown()), masked: z.boolean() });

export const UserStateAtRoute = defineRoute({
  id: 'userStateAt',
  summary: 'A user as they were at a time or revision, rebuilt from events',
  method: 'GET',
  path: '/v1/audit/users/:id/state',
  scope: 'audit',
  params: { id: PathId },
  query: StateQuery,
  responses: { 200: StateView },
  errors: ['user_not_found'],
});

export const OrganizationStateAtRoute = defineRoute({
  id: 'organizationStateAt',
  summary: 'An organization as it was at a time or revision, rebuilt from events',
  method: 'GET',
  path: '/v1/audit/organizations/:id/state',
  scope: 'audit',
  params: { id: PathId },
  query: StateQuery,
  responses: { 200: StateView },
  errors: ['organization_not_found'],
});

/**
 * An entity as it was at a time or a revision, rebuilt from its events by the deciders that run in production (no
 * second implementation of the rules), then masked like history.
 */
@Controller()
export class StateAtHttpController {
  constructor(private readonly reader: AuditReader) {}

  @Route(UserStateAtRoute)
  user(@Input() { params: { id }, query }: RouteInput<typeof UserStateAtRoute>, @Ctx() context: RequestContext) {
    return this.stateAt(userStream(id), userDecider as unknown as Evolver, query.at, context, 'user_not_found');
  }

  @Route(OrganizationStateAtRoute)
  organization(@Input() { params: { id }, query }: RouteInput<typeof OrganizationStateAtRoute>, @Ctx() context: RequestContext) {
    return this.stateAt(organizationStream(id), organizationAsReviewed, query.at, context, 'organization_not_found');
  }

  private async stateAt(stream: string, decider: Evolver, at: string, context: RequestContext, notFound: DomainErrorCode) {
    const pii = maySeePersonalData(context);
    const result = await stateAt(this.reader, stream, decider, at, pii);
    if (!result) throw new DomainError(notFound, 'No such stream.');
    if (pii) await this.reader.recordRead(context, { kind: 'state', stream, at });
    return result;
  }
}
