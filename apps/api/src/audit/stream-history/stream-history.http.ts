import { Controller } from '@nestjs/common';
import { z } from 'zod';
import { DomainError, type DomainErrorCode } from '@accounts/domain';
import { organizationStream, userStream } from '@accounts/streams';
import { AuditReader } from '@accounts/audit';
import { defineRoute, Input, Route, type RouteInput } from '../../contract/route-contract';
import { PathId } from '../../http/ids';
import { Ctx, type RequestContext } from '../../http/request-context';
import { maySeePersonalData } from '../may-see-personal-data';

/** One event as reviewers see it (libs/audit's AuditEvent). */
export const AuditEventView = z.object({
  streamName: z.string(),
  revision: z.string(),
  position: z.string(),
  type: z.string(),
  occurredAt: z.string(),
  actor: z.string().nullable(),
  service: z.string().nullable(),
  correlationId: z.string().nullable(),
  causationId: z.string().nullable(),
  clientIp: z.string().optional(),
  data: z.record(z.string(), z.unknown()),
});
const History = z.object({ items: z.array(AuditEventView), masked: z.boolean() });

export const UserHistoryRoute = defineRoute({
  id: 'userHistory',
  summary: "A user's events, oldest first (personal data masked without audit:pii)",
  method: 'GET',
  path: '/v1/audit/users/:id/events',
  scope: 'audit',
  params: { id: PathId },
  responses: { 200: History },
  errors: ['user_not_found'],
});

export const OrganizationHistoryRoute = defineRoute({
  id: 'organizationHistory',
  summary: "An organization's events, oldest first",
  method: 'GET',
  path: '/v1/audit/organizations/:id/events',
  scope: 'audit',
  params: { id: PathId },
  responses: { 200: History },
  errors: ['organization_not_found'],
});

/** A user's or an organization's history, oldest first, for audit reviewers. */
@Controller()
export class StreamHistoryHttpController {
  constructor(private readonly reader: AuditReader) {}

  @Route(UserHistoryRoute)
  user(@Input() { params: { id } }: RouteInput<typeof UserHistoryRoute>, @Ctx() context: RequestContext) {
    return this.history(userStream(id), context, 'user_not_found');
  }

  @Route(OrganizationHistoryRoute)
  organization(@Input() { params: { id } }: RouteInput<typeof OrganizationHistoryRoute>, @Ctx() context: RequestContext) {
    return this.history(organizationStream(id), context, 'organization_not_found');
  }

  private async history(stream: string, context: RequestContext, notFound: DomainErrorCode) {
    const pii = maySeePersonalData(context);
    const items = await this.reader.stream(stream, pii);
    if (items.length === 0) throw new DomainError(notFound, 'No such stream.');
    // Recorded before anything is shown: an unmasked read that cannot be recorded does not happen.
    if (pii) await this.reader.recordRead(context, { kind: 'history', stream });
    return { items, masked: !pii };
  }
}
