import { Body, Controller, Param, Patch } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../../commands/command-route';
import { ClaimWithAppend } from '../../../idempotency/idempotency.interceptor';
import { IdPipe } from '../../../http/ids';
import { Documented } from '../../../openapi/documented.decorator';
import { OrganizationHandler } from '../../organization-handler';
import { OrganizationResponse, organizationView } from '../../organization-views';

// Shape only: the domain checks the name and names the field that broke a rule.
const RenameOrganizationRequest = z.strictObject({ name: z.string().max(1000) });

/** `PATCH /v1/organizations/{id}`: owners and admins (the decider). */
@Controller('v1/organizations')
export class RenameOrganizationHttpController {
  constructor(private readonly organizations: OrganizationHandler) {}

  @CommandRoute(Patch(':id'), 200)
  @ClaimWithAppend()
  @Documented({ summary: 'Rename an organization (owners and admins)', body: RenameOrganizationRequest, response: OrganizationResponse, errors: ['organization_not_found', 'forbidden'] })
  async rename(@Param('id', IdPipe) id: string, @Body({ schema: RenameOrganizationRequest }) body: z.infer<typeof RenameOrganizationRequest>, @Envelope() envelope: CommandEnvelope) {
    const outcome = await this.organizations.handle(id, { type: 'RenameOrganization', data: { name: body.name, now: envelope.now } }, envelope);
    return respond(organizationView(outcome.state), outcome);
  }
}
