/**
 * A three-node cluster of doubles: one log shared by every node (replication is instant, so whatever a node acked
 * is on every node, as a real cluster acks only what a quorum has), a Gossip service on each node and on a seed
 * address that stands for the cluster's DNS name (`esdb+discover://`), one leader. Followers answer writes that
 * require the leader with NotLeader and the leader's address, as real followers do; a killed leader is replaced by
 * an election, during which no node is ready.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { GossipService } from '@eventstore/db-client/generated/gossip_grpc_pb';
import { ClusterInfo, EndPoint, MemberInfo } from '@eventstore/db-client/generated/gossip_pb';
import { UUID, type Empty } from '@eventstore/db-client/generated/shared_pb';
import { listenNode, type EsdbDoubleOptions, type ListeningNode } from './esdb-double';
import { InMemoryLog } from './in-memory-log';
import { defaultConditions, type NodeConditions, type NodeStats } from './node-conditions';

export interface ClusterNode {
  readonly instanceId: string;
  readonly port: number;
  readonly conditions: NodeConditions;
  alive: boolean;
}

export interface EsdbCluster {
  /** `esdb+discover://` the seed address, as for a cluster behind one DNS name. */
  connectionString: string;
  /** `esdb://` every node, as for a cluster given by its gossip seeds. */
  seedsConnectionString: string;
  readonly nodes: readonly ClusterNode[];
  readonly log: InMemoryLog;
  readonly stats: NodeStats;
  leader(): ClusterNode | undefined;
  /** Kills the leader (its server stops, cutting every call) and elects another after `electionMs`. */
  killLeader(options?: { electionMs?: number }): Promise<void>;
  /** A leader change without a death: the leader steps down and another node leads. */
  moveLeader(): void;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

export async function startEsdbCluster(options: Omit<EsdbDoubleOptions, 'port'> = {}): Promise<EsdbCluster> {
  const { committedEventsCacheBytes, ...overrides } = options;
  const log = new InMemoryLog({ committedEventsCacheBytes });
  const stats: NodeStats = { slowConsumers: 0, notLeader: 0 };
  const nodes: (ClusterNode & { server: ListeningNode })[] = [];
  let leaderIndex: number | undefined = 0;

  const gossip = (server: grpc.Server) =>
    server.addService(GossipService as unknown as grpc.ServiceDefinition, {
      read(_call: grpc.ServerUnaryCall<Empty, ClusterInfo>, callback: grpc.sendUnaryData<ClusterInfo>) {
        callback(null, clusterInfo(nodes, leaderIndex));
      },
    });
  const lead = (index: number | undefined) => {
    leaderIndex = index;
    const leader = index === undefined ? undefined : nodes[index]!;
    for (const node of nodes) node.conditions.leader = node === leader || !leader ? undefined : { host: HOST, port: leader.port };
    // A new leader has its own (empty) cache of recent event ids.
    log.forgetRecentEventIds();
  };

  for (let i = 0; i < 3; i++) {
    const conditions = defaultConditions(overrides);
    const server = await listenNode(log, conditions, stats, 0, gossip);
    nodes.push({ instanceId: randomUUID(), port: server.port, conditions, alive: true, server });
  }
  lead(0);
  const seed = await listenSeed(gossip);

  return {
    connectionString: `esdb+discover://${HOST}:${seed.port}?tls=false`,
    seedsConnectionString: `esdb://${nodes.map((node) => `${HOST}:${node.port}`).join(',')}?tls=false`,
    nodes,
    log,
    stats,
    leader: () => (leaderIndex === undefined ? undefined : nodes[leaderIndex]),
    async killLeader({ electionMs = 300 } = {}) {
      const dead = nodes[leaderIndex!]!;
      dead.alive = false;
      dead.server.close();
      lead(undefined);
      const until = Date.now() + electionMs;
      for (const node of nodes) node.conditions.notReadyUntil = until;
      await new Promise((resolve) => setTimeout(resolve, electionMs));
      lead(nodes.findIndex((node) => node.alive));
    },
    moveLeader() {
      const alive = nodes.map((node, i) => (node.alive && i !== leaderIndex ? i : -1)).filter((i) => i >= 0);
      lead(alive[0]);
    },
    async stop() {
      for (const node of nodes) node.server.close();
      seed.close();
    },
  };
}

function clusterInfo(nodes: readonly ClusterNode[], leaderIndex: number | undefined): ClusterInfo {
  const info = new ClusterInfo();
  info.setMembersList(
    nodes.map((node, i) => {
      const member = new MemberInfo();
      const id = new UUID();
      id.setString(node.instanceId);
      member.setInstanceId(id);
      member.setTimeStamp(String(Date.now()));
      member.setIsAlive(node.alive);
      member.setState(!node.alive ? MemberInfo.VNodeState.SHUTDOWN : i === leaderIndex ? MemberInfo.VNodeState.LEADER : MemberInfo.VNodeState.FOLLOWER);
      const endpoint = new EndPoint();
      endpoint.setAddress(HOST);
      endpoint.setPort(node.port);
      member.setHttpEndPoint(endpoint);
      return member;
    }),
  );
  return info;
}

/** The cluster's DNS name: an address that answers gossip whichever node is alive. */
async function listenSeed(gossip: (server: grpc.Server) => void): Promise<{ port: number; close(): void }> {
  const server = new grpc.Server();
  gossip(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${HOST}:0`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { port, close: () => server.forceShutdown() };
}
