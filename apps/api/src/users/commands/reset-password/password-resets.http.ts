import { Body, Controller, Post } from '@nestjs/common';
import { z } from 'zod';
import { DomainError } from '../../../../../../libs/domain/src';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../../commands/command-route';
import { Ctx, type RequestContext } from '../../../http/request-context';
import { Documented } from '../../../openapi/documented.decorator';
import { AttemptThrottle } from '../../../throttling/attempt-throttle';
import { ResetPassword } from './reset-password';

const ResetRequest = z.strictObject({ email: z.string().max(1024) });
const ResetConfirmation = z.strictObject({ token: z.string().max(256), newPassword: z.string().max(1024) });

/** Nothing in the answer depends on the address: no body, no X-Event-Position, no subject for the stored response. */
const SAME_FOR_EVERY_ADDRESS = { position: undefined, aboutUser: undefined };

/** `POST /v1/password-resets` and `/confirm` (scope `sessions`, like login: the person is not authenticated). */
@Controller('v1/password-resets')
export class PasswordResetsHttpController {
  constructor(
    private readonly resets: ResetPassword,
    private readonly throttle: AttemptThrottle,
  ) {}

  @CommandRoute(Post(), 202, 'sessions')
  @Documented({ summary: 'Mail a password-reset token to the address, if it has an account (the answer is the same either way)', body: ResetRequest, errors: ['too_many_attempts'] })
  async request(@Body({ schema: ResetRequest }) body: z.infer<typeof ResetRequest>, @Ctx() context: RequestContext, @Envelope() envelope: CommandEnvelope) {
    // Every request counts against the address and the IP (none "succeeds"): a mailbox cannot be flooded with resets.
    const attempt = await this.throttle.begin('password-reset', body.email, context.clientIp);
    try {
      await this.resets.request(body.email, envelope);
    } catch (error) {
      if (!(error instanceof DomainError)) await attempt.abandoned();
      throw error;
    }
    return respond(undefined, SAME_FOR_EVERY_ADDRESS);
  }

  @CommandRoute(Post('confirm'), 204, 'sessions')
  @Documented({ summary: 'Set a new password with a mailed reset token (ends every session of the user)', body: ResetConfirmation, errors: ['token_invalid', 'validation_failed', 'password_too_common'] })
  async confirm(@Body({ schema: ResetConfirmation }) body: z.infer<typeof ResetConfirmation>, @Envelope() envelope: CommandEnvelope) {
    return respond(undefined, await this.resets.confirm(body.token, body.newPassword, envelope));
  }
}
