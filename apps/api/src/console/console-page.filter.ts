import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isStoreUnavailable } from '@accounts/database';
import { sendPage } from './console-http';
import { html, layout } from './html';

/**
 * Console pages fail as pages, not as problem documents: a store being down is a 503 page that says to retry;
 * anything unexpected a 500 page. Messages are never shown (they may quote input); the class is logged.
 */
@Catch()
export class ConsolePageFilter implements ExceptionFilter {
  private readonly logger = new Logger('console');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const code = (exception as { code?: unknown } | undefined)?.code;
    const unavailable = isStoreUnavailable(exception) || code === 'service_unavailable';
    if (!unavailable) this.logger.error(`console page failed (${exception instanceof Error ? exception.name : typeof exception})`);
    if (unavailable) void reply.header('retry-after', '2');
    sendPage(
      reply,
      layout(unavailable ? 'Temporarily unavailable' : 'Something went wrong', undefined, html`<p role="alert">${unavailable ? 'A store this page needs is unavailable. Retry in a few seconds.' : 'The page failed; it has been logged. Retry later.'}</p><p><a href="/console">Back to the console</a></p>`),
      unavailable ? 503 : 500,
    );
  }
}
