import type { Client } from '@opensearch-project/opensearch';
import { CheckpointMovedError } from '../runtime/postgres-sink';
import { formatPosition, parsePosition, type EventFilter, type Position } from '@accounts/event-store';
import type { ProjectedEvent } from '../runtime/projected-event';
import type { ProjectionSink } from '../runtime/projection-sink';
import { SearchClusterUnavailableError } from './opensearch-errors';
import { documentKey, documentsNeedingBase, foldChanges, type DocumentWrite, type StoredDocument } from './document-fold';
import { checkpointsIndexBody, indexBodies, SearchIndexNames } from './opensearch-indices';
import { searchChangeFor, type SearchChange, type SearchCollection } from './search-documents';

export interface OpenSearchSinkOptions {
  /** Projection version: its own indices and checkpoint (blue/green rebuilds). */
  version?: number;
  /** Prefix of index and alias names; `accounts` in production, a unique one per test. */
  prefix?: string;
  /**
   * `wait_for` (default): a batch returns once its documents are searchable, so a checkpoint a query waits for
   * (X-Consistent-With) means visible results. `false` for a faster bulk rebuild.
   */
  refresh?: 'wait_for' | false;
  /** Told about each event that could not be applied: ids and a reason, never the event's data. */
  onDeadLetter?(letter: SearchDeadLetter): void;
}

export interface SearchDeadLetter {
  eventId: string;
  eventType: string;
  streamName: string;
  position: Position;
  /** The projection version that parked it. */
  version: number;
  reason: string;
}

interface BulkItemResult {
  status: number;
  error?: { type?: string };
}

/**
 * Search in OpenSearch. Each batch is folded into one write per document and sent as one bulk request with external
 * versions (the stream revision): OpenSearch keeps a document only if its version is newer, so a replayed batch (after
 * a crash between bulk and checkpoint) answers 409 per item, which counts as done. The checkpoint is a document in a
 * small index, written after the bulk succeeded, conditional on the one this process read (a second writer fails).
 */
export class OpenSearchSearchSink implements ProjectionSink {
  readonly name = 'search';
  // No subscription filter: the checkpoint must follow every position of $all (X-Consistent-With waits on it).
  readonly filter: EventFilter | undefined = undefined;
  readonly names: SearchIndexNames;
  private stored: { seqNo: number; primaryTerm: number } | undefined;

  constructor(
    private readonly client: Client,
    private readonly options: OpenSearchSinkOptions = {},
  ) {
    this.names = new SearchIndexNames(options.version ?? 1, options.prefix);
  }

  async prepare(): Promise<void> {
    await this.guard('prepare', async () => {
      await this.createIndexIfMissing(this.names.checkpoints, checkpointsIndexBody);
      for (const collection of ['users', 'organizations'] as const) {
        await this.createIndexIfMissing(this.names.index(collection), indexBodies[collection]);
      }
      // The first version to exist is live; later versions go live only through a rebuild's alias swap.
      const { body: aliased } = await this.client.indices.existsAlias({ name: this.names.alias('users') });
      if (aliased !== true) {
        await this.client.indices.updateAliases({
          body: {
            actions: (['users', 'organizations'] as const).map((collection) => ({
              add: { index: this.names.index(collection), alias: this.names.alias(collection) },
            })),
          },
        });
      }
    });
  }

  /**
   * Points the aliases at this version's indices in one atomic alias update (the swap of a blue/green rebuild, once
   * this version has caught up). The old indices stay until the operator drops them.
   */
  async activate(): Promise<void> {
    await this.guard('alias swap', async () => {
      const actions: object[] = [];
      for (const collection of ['users', 'organizations'] as const) {
        const alias = this.names.alias(collection);
        const { body } = await this.client.indices.getAlias({ name: alias }, { ignore: [404] });
        const holders = Object.keys((body ?? {}) as Record<string, unknown>).filter((index) => index.startsWith(`${alias}-v`));
        for (const index of holders) if (index !== this.names.index(collection)) actions.push({ remove: { index, alias } });
        actions.push({ add: { index: this.names.index(collection), alias } });
      }
      await this.client.indices.updateAliases({ body: { actions } });
    });
  }

  /** Deletes this version's indices and checkpoint, once the aliases point elsewhere. */
  async drop(): Promise<void> {
    await this.guard('drop', async () => {
      const indices = (['users', 'organizations'] as const).map((collection) => this.names.index(collection));
      await this.client.indices.delete({ index: indices.join(',') }, { ignore: [404] });
      await this.client.delete({ index: this.names.checkpoints, id: this.names.checkpointId }, { ignore: [404] });
    });
  }

  async readCheckpoint(): Promise<Position | undefined> {
    const { body } = await this.guard('checkpoint read', () =>
      this.client.get({ index: this.names.checkpoints, id: this.names.checkpointId }, { ignore: [404] }),
    );
    const found = body as { found?: boolean; _seq_no?: number; _primary_term?: number; _source?: { position?: string } };
    if (!found.found || found._seq_no === undefined || found._primary_term === undefined) {
      this.stored = undefined;
      return undefined;
    }
    this.stored = { seqNo: found._seq_no, primaryTerm: found._primary_term };
    return found._source?.position ? parsePosition(found._source.position) : undefined;
  }

  async applyBatch(events: ProjectedEvent[], checkpoint: Position): Promise<{ deadLettered: number }> {
    // Reported only once the batch is stored: a batch that fails is delivered again and would report them twice.
    const letters: SearchDeadLetter[] = [];
    const park = (event: ProjectedEvent, reason: string) => {
      letters.push({ eventId: event.id, eventType: event.type, streamName: event.streamName, position: event.position, version: this.names.version, reason });
    };

    const changes: { change: SearchChange; event: ProjectedEvent }[] = [];
    for (const event of events) {
      if (event.kind === 'undecodable') {
        park(event, `undecodable: ${event.reason}`);
        continue;
      }
      const change = searchChangeFor(event);
      if (change) changes.push({ change, event });
    }

    if (changes.length > 0) {
      const stored = await this.readBases(documentsNeedingBase(changes));
      const { writes, orphans } = foldChanges(changes, stored);
      for (const event of orphans) park(event, 'no document to change');
      for (const { write, reason } of await this.bulkWrite(writes)) for (const event of write.events) park(event, reason);
    }

    await this.storeCheckpoint(checkpoint);
    for (const letter of letters) this.options.onDeadLetter?.(letter);
    return { deadLettered: letters.length };
  }

  private async readBases(needed: { collection: SearchCollection; id: string }[]): Promise<Map<string, StoredDocument>> {
    const stored = new Map<string, StoredDocument>();
    for (const collection of ['users', 'organizations'] as const) {
      const ids = needed.filter((d) => d.collection === collection).map((d) => d.id);
      if (ids.length === 0) continue;
      const { body } = await this.guard('mget', () => this.client.mget({ index: this.names.index(collection), body: { ids } }));
      const docs = (body as { docs: { _id: string; found?: boolean; _version?: number; _source?: Record<string, string> }[] }).docs;
      for (const doc of docs) {
        if (!doc.found || doc._version === undefined || !doc._source) continue;
        const { id: _id, ...fields } = doc._source;
        stored.set(documentKey(collection, doc._id), { version: BigInt(doc._version), fields });
      }
    }
    return stored;
  }

  /** Sends the writes; returns those that failed for the document's own sake (to park). Throws on cluster trouble. */
  private async bulkWrite(writes: DocumentWrite[]): Promise<{ write: DocumentWrite; reason: string }[]> {
    if (writes.length === 0) return [];
    const body: Record<string, unknown>[] = [];
    for (const write of writes) {
      const target = { _index: this.names.index(write.collection), _id: write.id, version: Number(write.version), version_type: 'external' };
      if (write.fields === undefined) body.push({ delete: target });
      else body.push({ index: target }, { id: write.id, ...write.fields });
    }
    const refresh = this.options.refresh ?? 'wait_for';
    const { body: response } = await this.guard('bulk', () => this.client.bulk({ body, ...(refresh ? { refresh } : {}) }));
    const items = (response as { items: Record<string, BulkItemResult>[] }).items;
    if (items.length !== writes.length) throw new SearchClusterUnavailableError('bulk', new Error('item count mismatch'));

    const failed: { write: DocumentWrite; reason: string }[] = [];
    items.forEach((item, i) => {
      const result = Object.values(item)[0];
      const write = writes[i]!;
      if (!result || result.status < 300) return;
      // 409: the index already holds this version or a newer one, so a replay; 404: deleting what is gone.
      if (result.status === 409 || (result.status === 404 && write.fields === undefined)) return;
      // Overloaded or failing shards say nothing about the document: retry the whole batch (versions make it safe).
      if (result.status === 429 || result.status >= 500) {
        throw new SearchClusterUnavailableError('bulk', Object.assign(new Error('item rejected'), { code: String(result.status) }));
      }
      failed.push({ write, reason: `${result.status} ${result.error?.type ?? 'error'}` });
    });
    return failed;
  }

  private async storeCheckpoint(checkpoint: Position): Promise<void> {
    const document = {
      projection: this.name,
      version: this.names.version,
      position: formatPosition(checkpoint),
      updatedAt: new Date().toISOString(),
    };
    const condition = this.stored ? { if_seq_no: this.stored.seqNo, if_primary_term: this.stored.primaryTerm } : { op_type: 'create' as const };
    try {
      const { body } = await this.client.index({ index: this.names.checkpoints, id: this.names.checkpointId, body: document, ...condition });
      const written = body as { _seq_no: number; _primary_term: number };
      this.stored = { seqNo: written._seq_no, primaryTerm: written._primary_term };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 409) throw new CheckpointMovedError(this.name);
      throw new SearchClusterUnavailableError('checkpoint write', error);
    }
  }

  private async createIndexIfMissing(index: string, body: object): Promise<void> {
    const { body: exists } = await this.client.indices.exists({ index });
    if (exists === true) return;
    try {
      await this.client.indices.create({ index, body });
    } catch (error) {
      // Another process created it between our check and our request.
      const type = (error as { body?: { error?: { type?: string } } }).body?.error?.type;
      if (type !== 'resource_already_exists_exception') throw error;
    }
  }

  private async guard<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof SearchClusterUnavailableError || error instanceof CheckpointMovedError) throw error;
      throw new SearchClusterUnavailableError(operation, error);
    }
  }
}

/**
 * The checkpoint of the version the aliases point at: what a query waiting for a position (X-Consistent-With) must
 * compare with when search lives in OpenSearch. Undefined before the first batch.
 */
export async function liveOpenSearchCheckpoint(client: Client, prefix?: string): Promise<Position | undefined> {
  const names = new SearchIndexNames(1, prefix);
  const { body: aliases } = await client.indices.getAlias({ name: names.alias('users') }, { ignore: [404] });
  const live = Object.keys((aliases ?? {}) as Record<string, unknown>)
    .filter((index) => index.startsWith(`${names.alias('users')}-v`))
    .map((index) => /-v(\d+)$/.exec(index)?.[1])
    .find((version) => version !== undefined);
  if (live === undefined) return undefined;
  const checkpoints = new SearchIndexNames(Number(live), prefix);
  const { body } = await client.get({ index: checkpoints.checkpoints, id: checkpoints.checkpointId }, { ignore: [404] });
  const stored = body as { found?: boolean; _source?: { position?: string } };
  return stored.found && stored._source?.position ? parsePosition(stored._source.position) : undefined;
}
