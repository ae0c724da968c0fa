import { Controller } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { Envelope, respond } from '../../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../../contract/route-contract';
import { MailedTokens } from '../../mailed-tokens';
import { UserHandler } from '../../user-handler';

const VerifyEmailRequest = z.strictObject({ token: z.string().max(256) });
const VerifyEmailResponse = z.object({ id: z.uuid(), emailVerifiedAt: z.iso.datetime() });

/** `POST /v1/users/verify-email`: the mailed token is the authority (it names its user); no X-Actor-Id needed. */
export const VerifyEmailRoute = defineRoute({
  id: 'verifyEmail',
  summary: 'Prove an address with the token mailed to it',
  method: 'POST',
  path: '/v1/users/verify-email',
  scope: 'commands',
  command: true,
  body: VerifyEmailRequest,
  responses: { 200: VerifyEmailResponse },
  errors: ['token_invalid'],
});

@Controller()
export class VerifyEmailHttpController {
  constructor(
    private readonly tokens: MailedTokens,
    private readonly users: UserHandler,
  ) {}

  @Route(VerifyEmailRoute)
  async verify(@Input() { body }: RouteInput<typeof VerifyEmailRoute>, @Envelope() envelope: CommandEnvelope) {
    const { userId, tokenId, tokenHash } = this.tokens.presented(body.token, 'email-verification');
    const outcome = await this.users.handle(userId, { type: 'VerifyEmail', data: { userId, tokenId, tokenHash, now: envelope.now } }, envelope);
    return respond({ id: userId, emailVerifiedAt: envelope.now }, outcome);
  }
}
