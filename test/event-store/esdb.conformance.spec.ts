/**
 * The conformance suite against the EventStoreDB adapter on the in-process gRPC double (test/esdb-double): in full
 * as a current server (appends through BatchAppend), and without the heavy cases as an older one (plain Append).
 */
import { createEsdbEventStore } from '../../libs/event-store/src';
import { startEsdbDouble } from '../esdb-double/esdb-double';
import { describeEventStoreConformance } from './conformance';

describeEventStoreConformance({
  name: 'EventStoreDB (in-process gRPC double)',
  async setup() {
    const server = await startEsdbDouble();
    return { open: async () => createEsdbEventStore(server.connectionString), teardown: () => server.stop() };
  },
});

describeEventStoreConformance({
  name: 'EventStoreDB without BatchAppend (in-process gRPC double)',
  light: true,
  async setup() {
    const server = await startEsdbDouble({ batchAppend: false });
    return { open: async () => createEsdbEventStore(server.connectionString), teardown: () => server.stop() };
  },
});
