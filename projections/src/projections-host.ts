import { hostname } from 'node:os';
import type { Pool } from 'pg';
import { serviceAggregateStore } from '@accounts/aggregates';
import type { EventCodec } from '@accounts/event-codec';
import type { FieldSealer } from '@accounts/privacy';
import type { RedisClient } from '@accounts/config';
import type { EventStore } from '@accounts/event-store';
import { ErasedMemberRemover } from './erasure/erased-member-remover';
import { ErasedMembersReaction } from './erasure/erased-members.reaction';
import { InvitationScheduleReaction, InvitationScheduler } from './invitations/invitation-schedule.reaction';
import { OrganizationSteps } from './runtime/organization-steps';
import { MailOutboxProjector } from './mail/mail-outbox.projection';
import { MailSender, type MailSenderOptions } from './mail/mail-sender';
import { ReadModelProjector } from './read-model/read-model.projector';
import { DeadLetterRecorder } from './runtime/dead-letters';
import { PostgresProjectionSink } from './runtime/postgres-sink';
import { LeaseConnection } from './runtime/projection-lease';
import { ProjectionRegistry } from './runtime/projection-registry';
import type { EventDecoder, ProjectionRunnerOptions } from './runtime/projection-runner';
import { type ProjectionDefinition, ProjectionSupervisor, type SupervisorOptions } from './runtime/projection-supervisor';
import { createSearchBackend, type SearchBackend } from './search/search-backend';
import { RedisSessionsSink } from './sessions/redis-sessions.sink';
import { WebhookDeliveries, type WebhookDeliveriesConfig } from './webhooks/webhook-deliveries';
import { WebhookEndpointsProjector } from './webhooks/webhook-endpoints.projector';

export interface ProjectionsHostConfig {
  pool: Pool;
  redis: RedisClient;
  eventStore: EventStore;
  decoder: EventDecoder;
  /** For the reactions that append to streams (the erased-members reaction). */
  codec: EventCodec;
  /** Seals what a read model keeps sealed (invited addresses), and destroys ended invitations' keys. */
  sealer: FieldSealer;
  sessionIdleSeconds: number;
  openSearchUrl?: string;
  /** Who this process is in `projections status`; `host:pid` by default. */
  holder?: string;
  tickMs?: number;
  runner?: Omit<ProjectionRunnerOptions, 'onBatch' | 'onError'>;
  onError?(projection: string, error: unknown): void;
  onEvent?: SupervisorOptions['onEvent'];
  /** INVITATION_RETENTION_DAYS (default 30). */
  invitationRetentionDays?: number;
  /** How often the invitations' schedule is swept (default every 5 s); the clock it decides by (tests inject one). */
  invitationSweepMs?: number;
  clock?: () => Date;
  /** Mail from the events (the `mail` outbox projection and its sender); without it no mail is queued or sent. */
  mail?: Pick<MailSenderOptions, 'transport' | 'tokens' | 'from' | 'linkBase'> & Partial<Pick<MailSenderOptions, 'tickMs' | 'backoffMs' | 'maxBackoffMs' | 'batchSize' | 'concurrency'>>;
  /** Webhook deliveries: whether private targets are allowed, and (tests) the clock and retry policy. */
  webhooks?: WebhookDeliveriesConfig;
}

/**
 * Runs the service's projections — read model, sessions, search, the erased-members reaction and the mail outbox (with its sender) — in this process, each under a supervisor
 * that holds its lease: however many processes host them, each projection runs in exactly one, and another takes
 * over within a tick when that one dies. `npm start` hosts them in the API process; production runs
 * `projections/src/main.ts` apart, as many as wanted.
 */
export class ProjectionsHost {
  readonly supervisors: ProjectionSupervisor[];
  readonly search: SearchBackend;
  readonly registry: ProjectionRegistry;
  /** Expires due invitations and destroys ended ones' keys, from the invitations reaction's schedule. */
  readonly invitationScheduler: InvitationScheduler;
  readonly mailSender: MailSender | undefined;
  /** One delivery projector per enabled webhook endpoint, beside the projections above (not in readiness). */
  readonly webhooks: WebhookDeliveries;
  private readonly lease: LeaseConnection;
  private readonly sweepMs: number;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private sweeping: Promise<unknown> = Promise.resolve();
  private readonly onError: ((projection: string, error: unknown) => void) | undefined;

  constructor(config: ProjectionsHostConfig) {
    const { pool, redis } = config;
    const deadLetters = new DeadLetterRecorder(pool);
    this.registry = new ProjectionRegistry(pool);
    // A connection of its own: the leases live and die with it (see LeaseConnection).
    this.lease = new LeaseConnection({ ...pool.options, application_name: 'accounts-projections-lease' });
    this.search = createSearchBackend({
      pool,
      openSearchUrl: config.openSearchUrl,
      openSearch: {
        onDeadLetter: (letter) =>
          void deadLetters
            .record({ projection: 'search', version: letter.version, event: { id: letter.eventId, type: letter.eventType, streamName: letter.streamName, position: letter.position }, reason: letter.reason })
            .catch((error: unknown) => config.onError?.('search', error)),
      },
    });
    // The process steps on organizations' streams (erasure, invitations' expiry) load them as commands do.
    const steps = new OrganizationSteps(serviceAggregateStore(config.eventStore, config.codec, config.sealer, pool));
    const remover = new ErasedMemberRemover(steps);
    const definitions: ProjectionDefinition[] = [
      { name: 'read_model', externalCheckpoint: false, sinkFor: (version) => new PostgresProjectionSink(pool, new ReadModelProjector(version, config.sealer)) },
      {
        name: 'sessions',
        externalCheckpoint: true,
        sinkFor: (version) =>
          new RedisSessionsSink(redis, {
            version,
            idleSeconds: config.sessionIdleSeconds,
            deadLetters,
            lastKnownCheckpoint: async () => {
              const { live, building } = await this.registry.versions('sessions');
              return [live, building].find((known) => known?.version === version)?.checkpoint;
            },
          }),
      },
      { name: 'search', externalCheckpoint: this.search.kind === 'opensearch', sinkFor: (version) => this.search.sinkFor(version) },
      { name: 'erasure', externalCheckpoint: false, sinkFor: (version) => new PostgresProjectionSink(pool, new ErasedMembersReaction(version, remover)) },
      { name: 'invitations', externalCheckpoint: false, sinkFor: (version) => new PostgresProjectionSink(pool, new InvitationScheduleReaction(version, config.sealer.keys)) },
      ...(config.mail ? [{ name: 'mail', externalCheckpoint: false, sinkFor: (version: number) => new PostgresProjectionSink(pool, new MailOutboxProjector(version)) }] : []),
      { name: 'webhooks', externalCheckpoint: false, sinkFor: (version) => new PostgresProjectionSink(pool, new WebhookEndpointsProjector(version)) },
    ];
    this.mailSender = config.mail
      ? new MailSender({
          ...config.mail,
          pool,
          eventStore: config.eventStore,
          decoder: config.decoder,
          lease: this.lease,
          registry: this.registry,
          deadLetters,
          onError: (error) => config.onError?.('mail', error),
          onEvent: (event, details) => config.onEvent?.('mail', event, details),
        })
      : undefined;
    this.invitationScheduler = new InvitationScheduler(pool, steps, config.sealer.keys, {
      retentionDays: config.invitationRetentionDays ?? 30,
      ...(config.clock ? { now: config.clock } : {}),
    });
    this.sweepMs = config.invitationSweepMs ?? 5_000;
    this.onError = config.onError;
    const options: SupervisorOptions = {
      holder: config.holder ?? `${hostname()}:${process.pid}`,
      ...(config.tickMs !== undefined ? { tickMs: config.tickMs } : {}),
      ...(config.runner ? { runner: config.runner } : {}),
      ...(config.onError ? { onError: config.onError } : {}),
      ...(config.onEvent ? { onEvent: config.onEvent } : {}),
    };
    this.supervisors = definitions.map((definition) => new ProjectionSupervisor(definition, config.eventStore, config.decoder, this.registry, this.lease, options));
    this.webhooks = new WebhookDeliveries(pool, config.eventStore, config.decoder, config.codec, this.registry, this.lease, options, config.webhooks ?? { allowPrivate: false });
  }

  /** Starts every projection; resolves once those this process leads have caught up with $all as it was at start. */
  async start(): Promise<void> {
    await Promise.all(this.supervisors.map((supervisor) => supervisor.start()));
    // Stopped while the projections caught up (the API does not await start, so a shutdown soon after it comes
    // first): start nothing more, or the mail sender's and the webhooks' timers would outlive the stop and keep the
    // process alive.
    if (this.stopped) return;
    this.sweepTimer = setInterval(() => void this.sweepInvitations(), this.sweepMs);
    this.sweepTimer.unref();
    this.mailSender?.start();
    await this.webhooks.start();
  }

  /**
   * One sweep of the invitations' schedule, in the process that holds the invitations reaction's lease (its tables
   * are exact up to its checkpoint there); sweeps never overlap in one process.
   */
  sweepInvitations(): Promise<unknown> {
    const leader = this.supervisors.find((supervisor) => supervisor.status().name === 'invitations')?.status().leader;
    if (!leader) return this.sweeping;
    this.sweeping = this.sweeping.then(() => this.invitationScheduler.sweep()).catch((error: unknown) => this.onError?.('invitations', error));
    return this.sweeping;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    await this.sweeping;
    await this.mailSender?.stop();
    await this.webhooks.stop();
    await Promise.all(this.supervisors.map((supervisor) => supervisor.stop()));
    await this.lease.close();
    await this.search.close();
  }

  statuses() {
    return this.supervisors.map((supervisor) => supervisor.status());
  }
}
