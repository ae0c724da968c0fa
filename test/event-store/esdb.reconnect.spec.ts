/**
 * The EventStoreDB adapter across a server restart (the in-process double stops listening, cutting every call and
 * connection, and comes back on the same port with the same data) while a subscriber runs and a writer appends.
 */
import { EsdbEventStore } from '@accounts/event-store';
import { startEsdbDouble } from '../esdb-double/esdb-double';
import { appendAndSubscribeThroughOutage } from './esdb.outage';

describe.each([
  { path: 'BatchAppend', batchAppend: true },
  { path: 'Append (older servers)', batchAppend: false },
])('EventStoreDB adapter across a server restart, appending through $path', ({ batchAppend }) => {
  test('the subscriber resumes after its last batch and sees every event exactly once; appends in the outage fail retryable, then succeed', async () => {
    const server = await startEsdbDouble({ batchAppend });
    const writer = new EsdbEventStore(server.connectionString);
    const reader = new EsdbEventStore(server.connectionString);
    try {
      await appendAndSubscribeThroughOutage(writer, reader, () => server.restart({ downForMs: 1_500 }));
    } finally {
      await Promise.all([writer.close(), reader.close()]);
      await server.stop();
    }
  }, 120_000);
});
