import { Body, Controller, Post } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../../commands/command-route';
import { Documented } from '../../../openapi/documented.decorator';
import { MailedTokens } from '../../mailed-tokens';
import { UserHandler } from '../../user-handler';

const VerifyEmailRequest = z.strictObject({ token: z.string().max(256) });
const VerifyEmailResponse = z.object({ id: z.uuid(), emailVerifiedAt: z.iso.datetime() });

/** `POST /v1/users/verify-email`: the mailed token is the authority (it names its user); no X-Actor-Id needed. */
@Controller('v1/users')
export class VerifyEmailHttpController {
  constructor(
    private readonly tokens: MailedTokens,
    private readonly users: UserHandler,
  ) {}

  @CommandRoute(Post('verify-email'), 200)
  @Documented({ summary: 'Prove an address with the token mailed to it', body: VerifyEmailRequest, response: VerifyEmailResponse, errors: ['token_invalid'] })
  async verify(@Body({ schema: VerifyEmailRequest }) body: z.infer<typeof VerifyEmailRequest>, @Envelope() envelope: CommandEnvelope) {
    const { userId, tokenId, tokenHash } = this.tokens.presented(body.token, 'email-verification');
    const outcome = await this.users.handle(userId, { type: 'VerifyEmail', data: { userId, tokenId, tokenHash, now: envelope.now } }, envelope);
    return respond({ id: userId, emailVerifiedAt: envelope.now }, outcome);
  }
}
