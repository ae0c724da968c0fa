/**
 * What a node is like right now, which the tests change while it runs: its version (and with it how subscriptions
 * behave), its limits, whether it is ready, too busy, slow to commit, or a follower that sends writes to the leader.
 */

/** The server versions whose behaviour the double reproduces; see `behaviourOf`. */
export type ServerVersion = '22.10' | '23.10' | '24.10';

export interface NodeConditions {
  version: ServerVersion;
  /** Advertise BatchAppend, as every server since 21.10 does. False: the client falls back to plain Append. */
  batchAppend: boolean;
  /** Largest append, in bytes of event data, metadata and type (ClusterVNodeOptions MaxAppendSize: 1 MiB by default). */
  maxAppendSize: number;
  /** How long a write may take before the server answers a timeout (ClusterVNodeOptions WriteTimeoutMs). */
  writeTimeoutMs: number;
  /** How long the log takes to commit a write; a write slower than its timeout is answered "timed out" and still commits. */
  commitDelayMs: number;
  /** Until when (Date.now()) the node answers every request "Server Is Not Ready", as after a start. */
  notReadyUntil: number;
  /** Answer every request "Server Is Too Busy" (a full request queue). */
  tooBusy: boolean;
  /** Set on a follower: where the leader's HTTP endpoint is, for NotLeader answers to writes that require the leader. */
  leader?: { host: string; port: number };
}

/** What the node did that a test may want to know happened. */
export interface NodeStats {
  /** Subscriptions whose live buffer overflowed (ended, or fell behind, by version). */
  slowConsumers: number;
  /** Writes a follower refused with NotLeader. */
  notLeader: number;
}

export interface VersionBehaviour {
  /** Servers before 23.10 send no caught-up message on subscriptions. */
  sendsCaughtUp: boolean;
  /** What a full live buffer does: end the call ("Consumer too slow", up to 23.10) or read on from the log (24.2 on). */
  slowConsumer: 'abort' | 'fall-behind';
}

export function behaviourOf(version: ServerVersion): VersionBehaviour {
  switch (version) {
    case '22.10':
      return { sendsCaughtUp: false, slowConsumer: 'abort' };
    case '23.10':
      return { sendsCaughtUp: true, slowConsumer: 'abort' };
    case '24.10':
      return { sendsCaughtUp: true, slowConsumer: 'fall-behind' };
  }
}

export function defaultConditions(overrides: Partial<NodeConditions> = {}): NodeConditions {
  return {
    version: '24.10',
    batchAppend: true,
    maxAppendSize: 1024 * 1024,
    writeTimeoutMs: 2_000,
    commitDelayMs: 0,
    notReadyUntil: 0,
    tooBusy: false,
    ...overrides,
  };
}

/** Why the node will not handle a request now (the server's NotHandled reasons), or undefined. */
export function notHandledReason(conditions: NodeConditions): 'Server Is Not Ready' | 'Server Is Too Busy' | undefined {
  if (Date.now() < conditions.notReadyUntil) return 'Server Is Not Ready';
  if (conditions.tooBusy) return 'Server Is Too Busy';
  return undefined;
}
