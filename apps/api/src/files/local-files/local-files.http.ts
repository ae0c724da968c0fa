import { Controller, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LocalObjectStorage, type ObjectStorage, SignedUploadError } from '@accounts/object-storage';
import { defineRoute, Input, raw, Route, type RouteInput } from '../../contract/route-contract';
import { ProblemError } from '../../http/problem';
import { OBJECT_STORAGE } from '../../infrastructure/tokens';
import { ALLOWED_IMAGE_TYPES } from '../upload-rules';

const Key = z.string().describe('is not an object key');

export const UploadFileRoute = defineRoute({
  id: 'uploadFile',
  summary: 'The local object store: PUT the image to the signed upload URL from POST /v1/uploads',
  method: 'PUT',
  path: '/files/uploads/:key',
  scope: 'public',
  params: { key: Key },
  // The signature's fields, as the signed URL carries them (checked by the store, not here).
  query: z.object({ expires: z.string().optional(), size: z.string().optional(), type: z.string().optional(), signature: z.string().optional() }),
  body: { raw: ALLOWED_IMAGE_TYPES, schema: { type: 'string', contentMediaType: 'application/octet-stream' } },
  responses: { 200: z.object({ objectKey: z.string(), size: z.number().int() }) },
  errors: ['upload_url_invalid', 'upload_url_expired', 'upload_mismatch', 'payload_too_large', 'unsupported_media_type', 'not_found'],
});

export const ReadFileRoute = defineRoute({
  id: 'readFile',
  summary: 'The local object store: an uploaded image, through its signed read URL',
  method: 'GET',
  path: '/files/:key',
  scope: 'public',
  params: { key: Key },
  query: z.object({ signature: z.string().optional() }),
  responses: { 200: raw(...ALLOWED_IMAGE_TYPES) },
  errors: ['not_found'],
});

/**
 * The local object store's two doors (only when no S3 store is configured): PUT to a signed upload URL, GET through a
 * signed read URL. No API key: the signature is the permission, as with S3's pre-signed URLs.
 */
@Controller()
export class LocalFilesHttpController {
  constructor(@Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage) {}

  @Route(UploadFileRoute)
  async upload(@Input() { params: { key }, query, body }: RouteInput<typeof UploadFileRoute>, @Req() request: FastifyRequest) {
    const local = this.local();
    try {
      await local.receive(key, query, request.headers['content-type'], body);
    } catch (error) {
      if (error instanceof SignedUploadError) throw new ProblemError(error.code, error.message);
      throw error;
    }
    return { objectKey: key, size: body.length };
  }

  @Route(ReadFileRoute)
  async read(@Input() { params: { key }, query }: RouteInput<typeof ReadFileRoute>, @Res() reply: FastifyReply) {
    const file = await this.local().read(key, query.signature);
    if (!file) throw new ProblemError('not_found', 'No such file.');
    // The type was fixed at confirmation from the allowed list; nosniff and a sandbox keep a browser from running it.
    return reply
      .header('content-type', file.contentType)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cache-control', 'private, max-age=86400')
      .send(file.body);
  }

  private local(): LocalObjectStorage {
    if (!(this.storage instanceof LocalObjectStorage)) throw new ProblemError('not_found', 'Files are served by the object store.');
    return this.storage;
  }
}
