import { EsdbEventStore } from '../../libs/event-store/src';
import { startEsdbDouble } from '../esdb-double/esdb-double';
import { describeEventStoreConformance } from './conformance';

describeEventStoreConformance({
  name: 'EventStoreDB (in-process gRPC double)',
  async setup() {
    const server = await startEsdbDouble();
    return {
      open: async () => new EsdbEventStore(server.connectionString),
      teardown: () => server.stop(),
    };
  },
});
