import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { DomainError, type DomainErrorCode } from '../../../../../libs/domain/src';
import { organizationStream, userStream } from '../../../../../libs/streams/src';
import { AuditReader } from '../../../../../libs/audit/src';
import { RequiresScope } from '../../auth/requires-scope.decorator';
import { Ctx, type RequestContext } from '../../http/request-context';
import { Documented } from '../../openapi/documented.decorator';
import { maySeePersonalData } from '../may-see-personal-data';

/** A user's or an organization's history, oldest first, for audit reviewers. */
@Controller('v1/audit')
@RequiresScope('audit')
export class StreamHistoryHttpController {
  constructor(private readonly reader: AuditReader) {}

  @Get('users/:id/events')
  @Documented({ summary: "A user's events, oldest first (personal data masked without audit:pii)", errors: ['user_not_found'] })
  user(@Param('id', new ParseUUIDPipe()) id: string, @Ctx() context: RequestContext) {
    return this.history(userStream(id.toLowerCase()), context, 'user_not_found');
  }

  @Get('organizations/:id/events')
  @Documented({ summary: "An organization's events, oldest first", errors: ['organization_not_found'] })
  organization(@Param('id', new ParseUUIDPipe()) id: string, @Ctx() context: RequestContext) {
    return this.history(organizationStream(id.toLowerCase()), context, 'organization_not_found');
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
