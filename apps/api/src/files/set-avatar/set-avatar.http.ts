import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { userDecider } from '../../../../../libs/domain/src';
import { formatPosition } from '../../../../../libs/event-store/src';
import { OBJECT_KEY_PATTERN } from '../../../../../libs/object-storage/src';
import { RequiresScope } from '../../auth/requires-scope.decorator';
import { AggregateStore } from '../../commands/aggregate-store';
import { CommandEnvelope } from '../../commands/command-context';
import { aboutPerson, withPosition } from '../../commands/command-response';
import { Ctx, type RequestContext } from '../../http/request-context';
import { type IdempotentRequest, IdempotencyInterceptor } from '../../idempotency/idempotency.interceptor';
import { Documented } from '../../openapi/documented.decorator';
import { userStream } from '../../../../../libs/streams/src';
import { ConfirmUpload } from '../confirm-upload';

export const ConfirmUploadRequest = z.strictObject({ objectKey: z.string().regex(OBJECT_KEY_PATTERN) });

/** `POST /v1/users/{id}/avatar`: the uploaded image becomes the user's avatar (event `UserAvatarChanged`). */
@Controller('v1/users')
export class SetAvatarHttpController {
  constructor(
    private readonly uploads: ConfirmUpload,
    private readonly aggregates: AggregateStore,
  ) {}

  @Post(':id/avatar')
  @HttpCode(200)
  @RequiresScope('commands')
  @UseInterceptors(IdempotencyInterceptor)
  @Documented({ summary: "Make an uploaded image the user's avatar", body: ConfirmUploadRequest, errors: ['upload_missing', 'upload_not_yours', 'upload_mismatch', 'user_not_found'] })
  async setAvatar(
    @Param('id', new ParseUUIDPipe()) rawId: string,
    @Body({ schema: ConfirmUploadRequest }) body: z.infer<typeof ConfirmUploadRequest>,
    @Ctx() context: RequestContext,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const userId = rawId.toLowerCase();
    aboutPerson(request, userId);
    const avatarUrl = await this.uploads.confirm(body.objectKey, 'user_avatar', userId);
    const envelope = CommandEnvelope.from(context, request);
    const outcome = await this.aggregates.execute(
      userStream(userId),
      userDecider,
      { type: 'SetAvatar', data: { userId, avatarUrl, objectKey: body.objectKey, now: envelope.now } },
      envelope.forAggregates(userId),
    );
    withPosition(reply, outcome.position && formatPosition(outcome.position));
    return { avatarUrl };
  }
}
