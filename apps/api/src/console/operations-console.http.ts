import { Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { OPERATOR_ACTIONS, type OperatorActionName, type OperatorActionRecord, readOperatorActions } from '@accounts/projections/ops/operator-trail';
import { ProjectionOperations, ProjectionNotFoundError } from '@accounts/projections/ops/projection-operations';
import { PublicRoute } from '../auth/requires-scope.decorator';
import { PG_POOL } from '../infrastructure/tokens';
import { ConsolePageFilter } from './console-page.filter';
import { redirect, sendPage } from './console-http';
import { html, layout } from './html';
import { LagHistory } from './lag-history';
import { operationsPage } from './operations-page';
import { StaffGate } from './staff-gate';

const DONE: Record<OperatorActionName, string> = {
  rebuild: 'Rebuild requested',
  pause: 'Paused',
  resume: 'Resumed',
  'retry-dead-letters': 'Retry of dead letters requested',
};

/**
 * Operators' page, on the services behind /v1/ops and the CLI's `projections` commands (ProjectionStatusReader,
 * ProjectionOperations): every projection's state, lag, owner, what holds it back and dead letters, and the controls.
 * The page's script reloads the live part every two seconds, which is how a rebuild's progress is followed.
 */
@Controller('console/operations')
@PublicRoute()
@UseFilters(ConsolePageFilter)
export class OperationsConsoleHttpController {
  private readonly operations: ProjectionOperations;

  constructor(
    private readonly gate: StaffGate,
    private readonly lag: LagHistory,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {
    this.operations = new ProjectionOperations(pool);
  }

  @Get()
  async page(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Query('done') done: unknown) {
    const staff = await this.gate.admit(request, reply, 'operate');
    if (!staff) return reply;
    const [reports, visibility, actions] = await Promise.all([this.lag.status.report(), this.lag.status.visibility(), this.recentActions()]);
    this.lag.record(reports);
    const notice = typeof done === 'string' && /^[a-z-]{1,40}:[a-z_]{1,40}$/.test(done) ? this.noticeFor(done) : undefined;
    const body = operationsPage(reports, visibility, (name) => this.lag.of(name), actions, staff.csrf, notice);
    return sendPage(reply, layout('Operations: projections', staff, body, { script: true, current: 'operations' }));
  }

  @Post(':name/:action')
  async act(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('name') name: string, @Param('action') action: string) {
    const staff = await this.gate.admit(request, reply, 'operate');
    if (!staff) return reply;
    if (!(OPERATOR_ACTIONS as readonly string[]).includes(action)) return this.notFound(reply, staff);
    // Recorded in the operator trail under the person's user id, in the action's own transaction.
    const operator = { door: 'console', actorId: staff.userId } as const;
    try {
      if (action === 'rebuild') await this.operations.rebuild(name, operator);
      else if (action === 'pause') await this.operations.pause(name, operator);
      else if (action === 'resume') await this.operations.resume(name, operator);
      else await this.operations.retryDeadLetters(name, operator);
    } catch (error) {
      if (error instanceof ProjectionNotFoundError) return this.notFound(reply, staff);
      throw error;
    }
    return redirect(reply, `/console/operations?done=${action}:${name}`);
  }

  private noticeFor(done: string): string | undefined {
    const [action, name] = done.split(':') as [string, string];
    return (OPERATOR_ACTIONS as readonly string[]).includes(action) ? `${DONE[action as OperatorActionName]}: ${name}.` : undefined;
  }

  private notFound(reply: FastifyReply, staff: Parameters<typeof layout>[1]) {
    return sendPage(reply, layout('Not found', staff, html`<p role="alert">No such projection or operation.</p><p><a href="/console/operations">Back to operations</a></p>`, { current: 'operations' }), 404);
  }

  /** The latest of the one operator trail: the console's actions beside those over HTTP and from the CLI. */
  private async recentActions(): Promise<OperatorActionRecord[]> {
    return (await readOperatorActions(this.pool, { limit: 20 })).items;
  }
}
