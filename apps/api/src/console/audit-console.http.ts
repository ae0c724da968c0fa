import { Readable } from 'node:stream';
import { Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditReader, type Evolver, exportPages, InvalidAtError, stateAt } from '@accounts/audit';
import { organizationDecider, userDecider } from '@accounts/domain';
import type { EventStore } from '@accounts/event-store';
import { maskEmail } from '@accounts/privacy';
import { organizationStream, userStream } from '@accounts/streams';
import type { SearchBackend } from '@accounts/projections/search/search-backend';
import { PublicRoute } from '../auth/requires-scope.decorator';
import { EVENT_STORE } from '../infrastructure/tokens';
import { SEARCH_BACKEND } from '../projections/projections.module';
import { type EntityKind, entityPage, exportPage, type FoundEntity, searchPage, type StatePoint } from './audit-pages';
import { ConsolePageFilter } from './console-page.filter';
import { sendPage } from './console-http';
import { html, layout } from './html';
import { StaffGate } from './staff-gate';
import type { Staff } from './staff-sessions';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KINDS: Record<EntityKind, { stream: (id: string) => string; decider: Evolver; noun: string }> = {
  users: { stream: userStream, decider: userDecider as unknown as Evolver, noun: 'User' },
  organizations: { stream: organizationStream, decider: organizationDecider as unknown as Evolver, noun: 'Organization' },
};
const ISO_TIME = /^\d{4}-\d{2}-\d{2}/;

/**
 * Audit reviewers' pages, on the services behind /v1/audit (AuditReader, stateAt, exportPages): search, a timeline,
 * the state at any revision or time with a diff, masked until an owner reveals it; each reveal is recorded as
 * `PersonalDataRead` with the person as actor, before anything unmasked is sent.
 */
@Controller('console/audit')
@PublicRoute()
@UseFilters(ConsolePageFilter)
export class AuditConsoleHttpController {
  constructor(
    private readonly gate: StaffGate,
    private readonly reader: AuditReader,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(SEARCH_BACKEND) private readonly search: SearchBackend,
  ) {}

  @Get()
  async find(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Query('q') rawQ: unknown) {
    const staff = await this.gate.admit(request, reply, 'audit');
    if (!staff) return reply;
    const q = typeof rawQ === 'string' ? rawQ.trim().slice(0, 200) : '';
    const found = q ? await this.lookUp(q) : undefined;
    return sendPage(reply, layout('Audit: find a user or organization', staff, searchPage(q, found), { current: 'audit' }));
  }

  @Get('export')
  async exportForm(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const staff = await this.gate.admit(request, reply, 'audit');
    if (!staff) return reply;
    return sendPage(reply, layout('Export a window of events', staff, exportPage(staff.csrf, staff.mayReveal), { current: 'export' }));
  }

  @Post('export')
  async export(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const unmasked = body['unmasked'] === '1';
    const staff = await this.gate.admit(request, reply, unmasked ? 'reveal' : 'audit');
    if (!staff) return reply;
    const text = (name: string) => (typeof body[name] === 'string' && (body[name] as string).trim() ? (body[name] as string).trim() : undefined);
    const window = { from: text('from'), to: text('to'), type: text('type') };
    const badTime = [window.from, window.to].some((value) => value !== undefined && (!ISO_TIME.test(value) || Number.isNaN(Date.parse(value)) || value.length > 64));
    const badType = window.type !== undefined && (!/^[A-Za-z]+(,[A-Za-z]+)*$/.test(window.type) || window.type.length > 500);
    if (badTime || badType) {
      const error = badTime ? 'From and to must be ISO-8601 times, such as 2026-12-01T00:00:00Z.' : 'Event types are names separated by commas.';
      return sendPage(reply, layout('Export a window of events', staff, exportPage(staff.csrf, staff.mayReveal, error), { current: 'export' }), 422);
    }
    const defined = Object.fromEntries(Object.entries(window).filter(([, value]) => value !== undefined)) as typeof window;
    if (unmasked) await this.reader.recordRead(this.gate.context(request, staff), { kind: 'export', ...defined });
    const pages = exportPages(this.reader, defined, unmasked);
    async function* lines() {
      for await (const page of pages) yield page.map((event) => `${JSON.stringify(event)}\n`).join('');
    }
    return reply
      .header('content-type', 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit-export-${unmasked ? 'unmasked' : 'masked'}.ndjson"`)
      .header('x-personal-data', unmasked ? 'unmasked' : 'masked')
      .send(Readable.from(lines()));
  }

  @Get(':kind/:id')
  async entity(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('kind') kind: string, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    const staff = await this.gate.admit(request, reply, 'audit');
    if (!staff) return reply;
    return this.show(request, reply, staff, kind, id, query, false);
  }

  @Post(':kind/:id/reveal')
  async reveal(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('kind') kind: string, @Param('id') id: string) {
    const staff = await this.gate.admit(request, reply, 'reveal');
    if (!staff) return reply;
    return this.show(request, reply, staff, kind, id, (request.body ?? {}) as Record<string, unknown>, true);
  }

  private async show(request: FastifyRequest, reply: FastifyReply, staff: Staff, kind: string, rawId: string, input: Record<string, unknown>, pii: boolean) {
    const entity = KINDS[kind as EntityKind];
    if (!entity || !UUID.test(rawId)) return this.notFound(reply, staff);
    const id = rawId.toLowerCase();
    const stream = entity.stream(id);
    const events = await this.reader.stream(stream, false);
    if (events.length === 0) return this.notFound(reply, staff);
    const text = (name: string) => (typeof input[name] === 'string' && (input[name] as string).trim() ? (input[name] as string).trim().slice(0, 64) : undefined);
    const lastRevision = events.at(-1)!.revision;
    const at = text('at') ?? lastRevision;
    const compareAt = text('compare') ?? (text('at') === undefined && Number(lastRevision) > 0 ? String(Number(lastRevision) - 1) : undefined);
    let current: StatePoint | undefined;
    let compare: StatePoint | undefined;
    let error: string | undefined;
    try {
      current = await stateAt(this.reader, stream, entity.decider, at, pii);
      compare = compareAt !== undefined ? await stateAt(this.reader, stream, entity.decider, compareAt, pii) : undefined;
    } catch (failure) {
      if (!(failure instanceof InvalidAtError)) throw failure;
      error = '"State at" and "Compare with" take a revision (0, 1, …) or an ISO-8601 time.';
      current = await stateAt(this.reader, stream, entity.decider, lastRevision, pii);
      compare = undefined;
    }
    let shown = events;
    let notice: string | undefined;
    if (pii) {
      // Recorded before anything unmasked is sent: a reveal that cannot be recorded does not happen.
      const reviewer = this.gate.context(request, staff);
      await this.reader.recordRead(reviewer, { kind: 'history', stream });
      await this.reader.recordRead(reviewer, { kind: 'state', stream, at: current!.at });
      if (compare) await this.reader.recordRead(reviewer, { kind: 'state', stream, at: compare.at });
      shown = await this.reader.stream(stream, true);
      notice = `Personal data revealed. This read was recorded as PersonalDataRead with you (${staff.userId}) as the actor.`;
    }
    const title = `${entity.noun} ${id}`;
    const page = entityPage({ kind: kind as EntityKind, id, events: shown, current: current!, compare, masked: !pii, mayReveal: staff.mayReveal, csrf: staff.csrf, ...(notice ? { notice } : {}), ...(error ? { error } : {}) });
    return sendPage(reply, layout(title, staff, page, { current: 'audit' }), error ? 422 : 200);
  }

  private notFound(reply: FastifyReply, staff: Staff) {
    return sendPage(reply, layout('Not found', staff, html`<p role="alert">No user or organization has this id.</p><p><a href="/console/audit">Search again</a></p>`, { current: 'audit' }), 404);
  }

  /** By id (a user's or an organization's stream), by email (users' search) and by name (organizations' search). */
  private async lookUp(q: string): Promise<FoundEntity[]> {
    if (UUID.test(q)) {
      const id = q.toLowerCase();
      const found: FoundEntity[] = [];
      for (const kind of ['users', 'organizations'] as const) {
        const [first] = await this.eventStore.readStream(KINDS[kind].stream(id), { maxCount: 1 });
        if (first) found.push({ kind, id, label: kind === 'users' ? '(by id)' : '(by id)' });
      }
      return found;
    }
    const [users, organizations] = await Promise.all([
      this.search.reader.searchUsers({ q, limit: 20 }),
      q.includes('@') ? Promise.resolve({ items: [] }) : this.search.reader.searchOrganizations({ q, limit: 20 }),
    ]);
    return [
      // Search results stay masked for everyone: revealing is a recorded act on one entity's page.
      ...users.items.map((hit) => ({ kind: 'users' as const, id: hit.id, label: maskEmail(hit.email) })),
      ...organizations.items.map((hit) => ({ kind: 'organizations' as const, id: hit.id, label: `${hit.name} (${hit.plan})` })),
    ];
  }
}
