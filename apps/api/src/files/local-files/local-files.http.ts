import { Controller, Get, HttpCode, Inject, Param, Put, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LocalObjectStorage, type ObjectStorage, SignedUploadError } from '../../../../../libs/object-storage/src';
import { PublicRoute } from '../../auth/requires-scope.decorator';
import { ProblemError } from '../../http/problem';
import { OBJECT_STORAGE } from '../../infrastructure/tokens';

/**
 * The local object store's two doors (only when no S3 store is configured): PUT to a signed upload URL, GET through a
 * signed read URL. No API key: the signature is the permission, as with S3's pre-signed URLs.
 */
@Controller('files')
@PublicRoute()
export class LocalFilesHttpController {
  constructor(@Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage) {}

  @Put('uploads/:key')
  @HttpCode(200)
  async upload(@Param('key') key: string, @Query() query: Record<string, string | undefined>, @Req() request: FastifyRequest) {
    const local = this.local();
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    try {
      await local.receive(key, query, request.headers['content-type'], body);
    } catch (error) {
      if (error instanceof SignedUploadError) throw new ProblemError(error.code, error.message);
      throw error;
    }
    return { objectKey: key, size: body.length };
  }

  @Get(':key')
  async read(@Param('key') key: string, @Query('signature') signature: string | undefined, @Res() reply: FastifyReply) {
    const file = await this.local().read(key, signature);
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
