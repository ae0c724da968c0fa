import { Client, type ClientConfig } from 'pg';

/** Advisory-lock namespace of projection leases (the two-key form keeps them apart from the event store's locks). */
const LEASE_NAMESPACE = 4242;

/**
 * The leases a process holds on projections: session-level PostgreSQL advisory locks on one dedicated connection.
 * PostgreSQL releases them the moment that connection ends — the process exits, is killed, or loses the network —
 * so another process can take the projection over within one of its ticks. While the connection is alive nobody
 * else can hold the same lease.
 */
export class LeaseConnection {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private readonly held = new Set<string>();
  // One query at a time on the connection: supervisors of several projections share it.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly config: ClientConfig) {}

  /** True if this process now holds (or already held) the lease on `projection`. */
  async tryAcquire(projection: string): Promise<boolean> {
    if (this.held.has(projection)) return true;
    const { rows } = await this.serially(async () =>
      (await this.connect()).query<{ acquired: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS acquired', [LEASE_NAMESPACE, projection]),
    );
    if (rows[0]?.acquired) this.held.add(projection);
    return this.held.has(projection);
  }

  /** Checks the connection that holds the leases; false (and every lease gone) if it died. */
  async stillHeld(projection: string): Promise<boolean> {
    const client = this.client;
    if (!this.held.has(projection) || !client) return false;
    try {
      await this.serially(() => client.query('SELECT 1'));
      return true;
    } catch {
      this.lost();
      return false;
    }
  }

  async release(projection: string): Promise<void> {
    const client = this.client;
    if (!this.held.delete(projection) || !client) return;
    await this.serially(() => client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LEASE_NAMESPACE, projection])).catch(() => undefined);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.lost();
    await client?.end().catch(() => undefined);
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private lost(): void {
    this.held.clear();
    this.client = undefined;
    this.connecting = undefined;
  }

  private connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new Client(this.config);
      // A dead connection means the leases are gone; the next tick notices and stops the projections.
      client.on('error', () => {
        if (this.client === client) this.lost();
      });
      client.on('end', () => {
        if (this.client === client) this.lost();
      });
      try {
        await client.connect();
      } catch (error) {
        this.connecting = undefined;
        throw error;
      }
      this.client = client;
      return client;
    })();
    return this.connecting;
  }
}
