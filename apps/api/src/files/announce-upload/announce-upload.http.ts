import { randomBytes } from 'node:crypto';
import { Controller, Inject } from '@nestjs/common';
import { z } from 'zod';
import { requireActiveActor, requireMayActFor } from '@accounts/domain';
import { type ObjectStorage } from '@accounts/object-storage';
import { CommandEnvelope } from '../../commands/command-envelope';
import { defineRoute, Input, Route, type RouteInput } from '../../contract/route-contract';
import { ProblemError } from '../../http/problem';
import { Ctx, type RequestContext } from '../../http/request-context';
import { APP_CONFIG, OBJECT_STORAGE } from '../../infrastructure/tokens';
import { ActingUser } from '../../users/acting-user';
import { UploadRecords } from '../upload-records';
import { ALLOWED_IMAGE_TYPES, isImageType, MAX_UPLOAD_BYTES } from '../upload-rules';
import type { AppConfig } from '@accounts/config';

const AnnounceUploadRequest = z.strictObject({
  purpose: z.enum(['user_avatar', 'organization_logo']),
  subjectId: z.uuid(),
  contentType: z.string().min(1).max(100),
  size: z.number().int().positive(),
});

export const AnnounceUploadRoute = defineRoute({
  id: 'announceUpload',
  summary: 'A pre-signed upload URL for an avatar or a logo (images only, at most 5 MiB)',
  method: 'POST',
  path: '/v1/uploads',
  scope: 'commands',
  command: true,
  actor: 'required',
  body: AnnounceUploadRequest,
  responses: {
    201: z.object({ uploadUrl: z.string(), method: z.literal('PUT'), headers: z.record(z.string(), z.string()), objectKey: z.string(), expiresAt: z.iso.datetime() }),
  },
  errors: ['upload_type_not_allowed', 'upload_too_large', 'forbidden', 'user_not_found'],
});

/**
 * `POST /v1/uploads`: a pre-signed PUT for one image, under a key nobody can guess (128 random bits; nothing about
 * the person). The announcement is recorded, so the confirmation can check what was stored against it.
 */
@Controller()
export class AnnounceUploadHttpController {
  constructor(
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    private readonly records: UploadRecords,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly acting: ActingUser,
  ) {}

  @Route(AnnounceUploadRoute)
  async announce(@Input() { body }: RouteInput<typeof AnnounceUploadRoute>, @Ctx() context: RequestContext) {
    const subjectId = body.subjectId.toLowerCase();
    // An avatar is a command about a user: the user themself, or a key with users:manage (the user decider's rule);
    // for a logo, whose rules the organization decides at confirmation, an erased or unknown actor is still refused.
    const actor = await this.acting.of(new CommandEnvelope(context, undefined));
    if (body.purpose === 'user_avatar') requireMayActFor(subjectId, actor);
    else requireActiveActor(actor);
    const contentType = body.contentType.toLowerCase();
    if (!isImageType(contentType)) {
      throw new ProblemError('upload_type_not_allowed', `Only ${ALLOWED_IMAGE_TYPES.join(', ')} may be uploaded.`, [{ field: 'contentType', message: 'not an allowed image type' }]);
    }
    if (body.size > MAX_UPLOAD_BYTES) throw new ProblemError('upload_too_large', 'Uploads are at most 5 MiB.', [{ field: 'size', message: `at most ${MAX_UPLOAD_BYTES} bytes` }]);
    const objectKey = `${body.purpose === 'user_avatar' ? 'avatar' : 'logo'}-${randomBytes(16).toString('base64url')}`;
    const upload = await this.storage.presignPut(objectKey, { contentType, size: body.size, expiresInSeconds: this.config.uploadUrlSeconds });
    await this.records.announce({ objectKey, purpose: body.purpose, subjectId, contentType, size: body.size, service: context.service.name, expiresAt: upload.expiresAt });
    return { uploadUrl: upload.url, method: upload.method, headers: upload.headers, objectKey, expiresAt: upload.expiresAt.toISOString() };
  }
}
