import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PublicRoute } from '../auth/requires-scope.decorator';

/**
 * The console's script and style sheet (apps/console/assets), read once at start: the service serves every byte the
 * pages load (the Content-Security-Policy allows nothing else). The same relative path holds from the sources (tests)
 * and from dist/ (the build copies the files beside the compiled code).
 */
const ASSETS_DIR = join(__dirname, '..', '..', '..', 'console', 'assets');
const TYPES: Record<string, string> = { 'console.js': 'text/javascript; charset=utf-8', 'console.css': 'text/css; charset=utf-8' };
const FILES = new Map(Object.keys(TYPES).map((name) => [name, readFileSync(join(ASSETS_DIR, name), 'utf8')]));

@Controller('console/assets')
@PublicRoute()
export class ConsoleAssetsHttpController {
  @Get(':file')
  asset(@Param('file') file: string, @Res() reply: FastifyReply) {
    const body = FILES.get(file);
    if (body === undefined) return reply.status(404).header('content-type', 'text/plain; charset=utf-8').send('not found');
    return reply.header('content-type', TYPES[file]!).header('cache-control', 'public, max-age=300').send(body);
  }
}
