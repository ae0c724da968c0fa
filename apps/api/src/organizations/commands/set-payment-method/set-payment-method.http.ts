import { Body, Controller, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../../commands/command-route';
import { IdPipe } from '../../../http/ids';
import { Documented } from '../../../openapi/documented.decorator';
import { OrganizationHandler } from '../../organization-handler';
import { OrganizationResponse, organizationView } from '../../organization-views';

// Shape only: the domain checks the reference (and refuses anything like a card number), naming the field.
const PaymentMethodRequest = z.strictObject({ processor: z.string().max(200), paymentMethodId: z.string().max(1000) });

/** `POST /v1/organizations/{id}/payment-method`: the reference is sealed in the event and never shown again. */
@Controller('v1/organizations')
export class SetPaymentMethodHttpController {
  constructor(private readonly organizations: OrganizationHandler) {}

  @CommandRoute(Post(':id/payment-method'), 200)
  @Documented({ summary: "Store the payment processor's reference id (never card data)", body: PaymentMethodRequest, response: OrganizationResponse, errors: ['organization_not_found', 'raw_card_data_rejected', 'forbidden'] })
  async paymentMethod(@Param('id', IdPipe) id: string, @Body({ schema: PaymentMethodRequest }) body: z.infer<typeof PaymentMethodRequest>, @Envelope() envelope: CommandEnvelope) {
    const { processor, paymentMethodId } = body;
    const outcome = await this.organizations.handle(id, { type: 'SetPaymentMethod', data: { processor, paymentMethodId, now: envelope.now } }, envelope);
    return respond(organizationView(outcome.state), outcome);
  }
}
