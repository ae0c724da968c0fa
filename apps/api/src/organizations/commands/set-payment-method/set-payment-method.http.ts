import { Body, HttpCode, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Ctx, type RequestContext } from '../../../http/request-context';
import type { IdempotentRequest } from '../../../idempotency/idempotency.interceptor';
import { Documented } from '../../../openapi/documented.decorator';
import { OrganizationCommandRunner, OrganizationCommandsController, OrganizationResponse, organizationView } from '../../organization-commands';

// Shape only: the domain checks the reference (and refuses anything like a card number), naming the field.
const PaymentMethodRequest = z.strictObject({ processor: z.string().max(200), paymentMethodId: z.string().max(1000) });

/** `POST /v1/organizations/{id}/payment-method`: the reference is sealed in the event and never shown again. */
@OrganizationCommandsController()
export class SetPaymentMethodHttpController {
  constructor(private readonly organizations: OrganizationCommandRunner) {}

  @Post(':id/payment-method')
  @HttpCode(200)
  @Documented({ summary: "Store the payment processor's reference id (never card data)", body: PaymentMethodRequest, response: OrganizationResponse, errors: ['organization_not_found', 'raw_card_data_rejected'] })
  async paymentMethod(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body({ schema: PaymentMethodRequest }) body: z.infer<typeof PaymentMethodRequest>,
    @Ctx() context: RequestContext,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return organizationView(
      await this.organizations.run(id, (e, actorId) => ({ type: 'SetPaymentMethod', data: { processor: body.processor, paymentMethodId: body.paymentMethodId, actorId, now: e.now } }), context, request, reply),
    );
  }
}
