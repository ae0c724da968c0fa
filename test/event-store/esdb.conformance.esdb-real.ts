/**
 * The conformance suite against a real EventStoreDB (`npm run test:esdb` with EVENTSTORE_URL set). A real server
 * cannot be emptied between tests, so each test sees $all only from where it started (a test-only view).
 */
import {
  comparePositions,
  EsdbEventStore,
  type EventStore,
  type Position,
  type ReadAllOptions,
  type SubscribeToAllOptions,
} from '@accounts/event-store';
import { describeEventStoreConformance } from './conformance';

const url = process.env.EVENTSTORE_URL;

/** $all as seen from `start`: reads and subscriptions default to it, the head is undefined until something new lands. */
function scopedFrom(store: EventStore, start: Position | undefined): EventStore {
  const after = (position: Position) => !start || comparePositions(position, start) > 0;
  return {
    appendToStream: (...args) => store.appendToStream(...args),
    readStream: (...args) => store.readStream(...args),
    deleteStream: (...args) => store.deleteStream(...args),
    close: () => store.close(),
    readAll: async (options: ReadAllOptions = {}) => {
      const from = options.from ?? (options.direction === 'backwards' ? undefined : start);
      return (await store.readAll({ ...options, ...(from ? { from } : {}) })).filter((event) => after(event.position));
    },
    headPosition: async () => {
      const head = await store.headPosition();
      return head && after(head) ? head : undefined;
    },
    subscribeToAll: (options: SubscribeToAllOptions) => store.subscribeToAll({ ...options, ...(options.from ?? start ? { from: options.from ?? start } : {}) }),
  };
}

if (url) {
  describeEventStoreConformance({
    name: `real EventStoreDB at ${url.replace(/\/\/[^@]*@/, '//')}`,
    async setup() {
      const probe = new EsdbEventStore(url);
      const start = await probe.headPosition();
      await probe.close();
      return { open: async () => scopedFrom(new EsdbEventStore(url), start), teardown: async () => undefined };
    },
  });
} else {
  describe.skip('real EventStoreDB (EVENTSTORE_URL not set)', () => {
    test('conformance suite against a real server', () => undefined);
  });
}
