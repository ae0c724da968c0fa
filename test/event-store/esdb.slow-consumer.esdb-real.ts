/** The slow-projector scenario against a real EventStoreDB (`npm run test:esdb` with EVENTSTORE_URL set). */
import { EsdbEventStore } from '@accounts/event-store';
import { slowHandlerUnderConcurrentAppends } from './esdb.slow-consumer';

const url = process.env.EVENTSTORE_URL;

if (url) {
  test('a slow handler under 5,000 concurrent appends sees every event once, in order, with no error (real server)', async () => {
    const probe = new EsdbEventStore(url);
    const start = await probe.headPosition();
    await probe.close();
    await slowHandlerUnderConcurrentAppends(() => new EsdbEventStore(url), start);
  }, 300_000);
} else {
  describe.skip('real EventStoreDB (EVENTSTORE_URL not set)', () => {
    test('slow handler under concurrent appends', () => undefined);
  });
}
