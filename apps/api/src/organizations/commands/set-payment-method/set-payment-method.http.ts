import { Controller } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { Envelope, respond } from '../../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../../contract/route-contract';
import { PathId } from '../../../http/ids';
import { OrganizationHandler } from '../../organization-handler';
import { OrganizationResponse, organizationView } from '../../organization-views';

// Shape only: the domain checks the reference (and refuses anything like a card number), naming the field.
const PaymentMethodRequest = z.strictObject({ processor: z.string().max(200), paymentMethodId: z.string().max(1000) });

/** `POST /v1/organizations/{id}/payment-method`: the reference is sealed in the event and never shown again. */
export const SetPaymentMethodRoute = defineRoute({
  id: 'setPaymentMethod',
  summary: "Store the payment processor's reference id (never card data)",
  method: 'POST',
  path: '/v1/organizations/:id/payment-method',
  scope: 'commands',
  command: true,
  actor: 'required',
  params: { id: PathId },
  body: PaymentMethodRequest,
  responses: { 200: OrganizationResponse },
  errors: ['organization_not_found', 'raw_card_data_rejected', 'forbidden'],
});

@Controller()
export class SetPaymentMethodHttpController {
  constructor(private readonly organizations: OrganizationHandler) {}

  @Route(SetPaymentMethodRoute)
  async paymentMethod(@Input() { params: { id }, body }: RouteInput<typeof SetPaymentMethodRoute>, @Envelope() envelope: CommandEnvelope) {
    const { processor, paymentMethodId } = body;
    const outcome = await this.organizations.handle(id, { type: 'SetPaymentMethod', data: { processor, paymentMethodId, now: envelope.now } }, envelope);
    return respond(organizationView(outcome.state), outcome);
  }
}
