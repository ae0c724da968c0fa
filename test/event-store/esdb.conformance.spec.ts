/**
 * The conformance suite against the EventStoreDB adapter on the in-process gRPC double (test/esdb-double): in full
 * as a current server (appends through BatchAppend), and without the heavy cases as older ones: plain Append (before
 * 21.10), subscriptions that end on a slow consumer (23.10), and subscriptions that never report caught-up (22.10).
 */
import { createEsdbEventStore } from '@accounts/event-store';
import { startEsdbDouble, type EsdbDoubleOptions } from '../esdb-double/esdb-double';
import { describeEventStoreConformance } from './conformance';

const onDouble = (name: string, options: EsdbDoubleOptions, light = false) =>
  describeEventStoreConformance({
    name,
    light,
    async setup() {
      const server = await startEsdbDouble(options);
      return { open: async () => createEsdbEventStore(server.connectionString), teardown: () => server.stop() };
    },
  });

onDouble('EventStoreDB 24.10 (in-process gRPC double)', {});
onDouble('EventStoreDB without BatchAppend (in-process gRPC double)', { batchAppend: false }, true);
onDouble('EventStoreDB 23.10 (in-process gRPC double)', { version: '23.10' }, true);
onDouble('EventStoreDB 22.10, no caught-up (in-process gRPC double)', { version: '22.10' }, true);
