/**
 * An in-process stand-in for EventStoreDB for tests: a gRPC server on 127.0.0.1 speaking the part of the API that
 * `@eventstore/db-client` uses (ServerFeatures; Streams: Append, BatchAppend, Read of a stream and of $all, catch-up
 * subscriptions to $all with filters, checkpoints and caught-up, Tombstone), over an in-memory log, built from the
 * service definitions the client ships.
 *
 * Knowingly simpler than a real server: positions are a dense counter (commit = prepare) rather than byte offsets;
 * idempotence looks only at whether the event ids are in the stream; no authentication, no soft delete, no stream
 * subscriptions, persistent subscriptions, projections or gossip (connect with a single-node connection string).
 */
import * as grpc from '@grpc/grpc-js';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { InMemoryLog } from './in-memory-log';
import { serverFeaturesService } from './server-features-service';
import { streamsService } from './streams-service';

export interface EsdbDoubleOptions {
  /** 0 or absent: any free port. */
  port?: number;
  /**
   * Advertise BatchAppend, as every current server does (the client then appends through it). False: behave like a
   * server before 21.10, so the client falls back to the plain Append call.
   */
  batchAppend?: boolean;
}

export interface EsdbDouble {
  connectionString: string;
  port: number;
  /**
   * A server restart: stops listening (cutting every call and connection), stays down for `downForMs`, and listens
   * again on the same port with the same data.
   */
  restart(options?: { downForMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export async function startEsdbDouble(options: EsdbDoubleOptions = {}): Promise<EsdbDouble> {
  const log = new InMemoryLog();
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
  const batchAppend = options.batchAppend ?? true;
  let server: grpc.Server | undefined;

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const next = new grpc.Server();
      next.addService(StreamsService as unknown as grpc.ServiceDefinition, streamsService(log));
      next.addService(ServerFeaturesService as unknown as grpc.ServiceDefinition, serverFeaturesService({ batchAppend }));
      next.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => {
        if (error) return reject(error);
        server = next;
        resolve(bound);
      });
    });
  const shutdown = () => {
    server?.forceShutdown();
    server = undefined;
  };

  const port = await listen(options.port ?? 0);
  return {
    port,
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    async restart({ downForMs = 200 } = {}) {
      shutdown();
      await new Promise((resolve) => setTimeout(resolve, downForMs));
      // The port was just released; if the OS has not caught up yet, try again shortly.
      for (let attempt = 0; ; attempt++) {
        try {
          await listen(port);
          return;
        } catch (error) {
          if (attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
    async stop() {
      shutdown();
    },
  };
}
