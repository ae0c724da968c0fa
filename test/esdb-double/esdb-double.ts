/**
 * An in-process stand-in for EventStoreDB for tests: a gRPC server on 127.0.0.1 speaking the part of the API that
 * `@eventstore/db-client` uses (ServerFeatures; Streams: Append, BatchAppend, Read of a stream and of $all, catch-up
 * subscriptions to $all with filters, checkpoints and caught-up, Tombstone), over an in-memory log, built from the
 * service definitions the client ships, and made to fail the way a real server does: not ready after a start, too
 * busy, write timeouts, the append size limit, slow consumers by server version (`node-conditions.ts`).
 *
 * A three-node cluster with gossip is in `esdb-cluster.ts`.
 *
 * Knowingly simpler than a real server: positions are a dense counter (commit = prepare) rather than byte offsets;
 * the append size counts data, metadata and type only; MaxAppendEventSize is not checked; no authentication, no
 * soft delete, no stream subscriptions, persistent subscriptions or projections; the fell-behind re-read is
 * modelled, not timed, like the server's (the live buffer overflows only while HTTP/2 refuses more).
 */
import * as grpc from '@grpc/grpc-js';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { InMemoryLog, type InMemoryLogOptions } from './in-memory-log';
import { defaultConditions, type NodeConditions, type NodeStats } from './node-conditions';
import { serverFeaturesService } from './server-features-service';
import { streamsService } from './streams-service';

export interface EsdbDoubleOptions extends Partial<Omit<NodeConditions, 'notReadyUntil' | 'tooBusy' | 'leader'>>, InMemoryLogOptions {
  /** 0 or absent: any free port. */
  port?: number;
}

export interface EsdbDouble {
  connectionString: string;
  port: number;
  /** The node's conditions, to change while it runs (commitDelayMs, tooBusy, version, …). */
  readonly conditions: NodeConditions;
  /** The log behind the node, for tests that look at what a real server would have written. */
  readonly log: InMemoryLog;
  readonly stats: NodeStats;
  /**
   * A server restart: stops listening (cutting every call and connection), stays down for `downForMs`, and listens
   * again on the same port with the same data, minus what a process keeps only in memory (recent event ids); for
   * `notReadyForMs` after that it answers "Server Is Not Ready", as a real node does while it starts.
   */
  restart(options?: { downForMs?: number; notReadyForMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export async function startEsdbDouble(options: EsdbDoubleOptions = {}): Promise<EsdbDouble> {
  const { port: requestedPort, committedEventsCacheBytes, ...overrides } = options;
  const log = new InMemoryLog({ committedEventsCacheBytes });
  // A real server's $all starts with its own records; the adapter must never show them.
  log.append('$settings', { kind: 'any' }, [
    {
      id: '00000000-0000-4000-8000-000000000001',
      type: '$metadata',
      contentType: 'application/json',
      data: Buffer.from('{"$userStreamAcl":{"$r":"$all"}}'),
      customMetadata: new Uint8Array(),
    },
  ]);
  const conditions = defaultConditions(overrides);
  const stats: NodeStats = { slowConsumers: 0, notLeader: 0 };
  const node = await listenNode(log, conditions, stats, requestedPort ?? 0);
  return {
    port: node.port,
    connectionString: `esdb://127.0.0.1:${node.port}?tls=false`,
    conditions,
    log,
    stats,
    async restart({ downForMs = 200, notReadyForMs = 0 } = {}) {
      node.close();
      log.forgetRecentEventIds();
      await sleep(downForMs);
      await node.reopen();
      conditions.notReadyUntil = Date.now() + notReadyForMs;
    },
    async stop() {
      node.close();
    },
  };
}

export interface ListeningNode {
  port: number;
  close(): void;
  /** Listens again on the same port (after `close`). */
  reopen(): Promise<void>;
}

/** One node's gRPC server over a log: what a single-node double is, and each member of a cluster. */
export async function listenNode(log: InMemoryLog, conditions: NodeConditions, stats: NodeStats, port: number, extra?: (server: grpc.Server) => void): Promise<ListeningNode> {
  let server: grpc.Server | undefined;
  const listen = (at: number) =>
    new Promise<number>((resolve, reject) => {
      const next = new grpc.Server();
      next.addService(StreamsService as unknown as grpc.ServiceDefinition, streamsService(log, conditions, stats));
      next.addService(ServerFeaturesService as unknown as grpc.ServiceDefinition, serverFeaturesService(conditions));
      extra?.(next);
      next.bindAsync(`127.0.0.1:${at}`, grpc.ServerCredentials.createInsecure(), (error, bound) => {
        if (error) return reject(error);
        server = next;
        resolve(bound);
      });
    });
  const bound = await listen(port);
  return {
    port: bound,
    close() {
      server?.forceShutdown();
      server = undefined;
    },
    async reopen() {
      // The port was just released; if the OS has not caught up yet, try again shortly.
      for (let attempt = 0; ; attempt++) {
        try {
          await listen(bound);
          return;
        } catch (error) {
          if (attempt >= 20) throw error;
          await sleep(100);
        }
      }
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
