import { Controller } from '@nestjs/common';
import { z } from 'zod';
import { DomainError } from '@accounts/domain';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { Envelope, respond } from '../../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../../contract/route-contract';
import { Ctx, type RequestContext } from '../../../http/request-context';
import { AttemptThrottle } from '../../../throttling/attempt-throttle';
import { ResetPassword } from './reset-password';

/** Nothing in the answer depends on the address: no body, no X-Event-Position, no subject for the stored response. */
const SAME_FOR_EVERY_ADDRESS = { position: undefined, aboutUser: undefined };

/** `POST /v1/password-resets` (scope `sessions`, like login: the person is not authenticated). */
export const RequestPasswordResetRoute = defineRoute({
  id: 'requestPasswordReset',
  summary: 'Mail a password-reset token to the address, if it has an account (the answer is the same either way)',
  method: 'POST',
  path: '/v1/password-resets',
  scope: 'sessions',
  command: true,
  body: z.strictObject({ email: z.string().max(1024) }),
  responses: { 202: null },
  errors: ['too_many_attempts'],
});

export const ConfirmPasswordResetRoute = defineRoute({
  id: 'confirmPasswordReset',
  summary: 'Set a new password with a mailed reset token (ends every session of the user)',
  method: 'POST',
  path: '/v1/password-resets/confirm',
  scope: 'sessions',
  command: true,
  body: z.strictObject({ token: z.string().max(256), newPassword: z.string().max(1024) }),
  responses: { 204: null },
  errors: ['token_invalid', 'password_too_common'],
});

@Controller()
export class PasswordResetsHttpController {
  constructor(
    private readonly resets: ResetPassword,
    private readonly throttle: AttemptThrottle,
  ) {}

  @Route(RequestPasswordResetRoute)
  async request(@Input() { body }: RouteInput<typeof RequestPasswordResetRoute>, @Ctx() context: RequestContext, @Envelope() envelope: CommandEnvelope) {
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

  @Route(ConfirmPasswordResetRoute)
  async confirm(@Input() { body }: RouteInput<typeof ConfirmPasswordResetRoute>, @Envelope() envelope: CommandEnvelope) {
    return respond(undefined, await this.resets.confirm(body.token, body.newPassword, envelope));
  }
}
