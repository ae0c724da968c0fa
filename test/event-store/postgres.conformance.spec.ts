import { PostgresEventStore } from '@accounts/event-store';
import { createTestDatabase, dropTemplate } from '../support/postgres';
import { describeEventStoreConformance } from './conformance';

describeEventStoreConformance({
  name: 'PostgreSQL',
  async setup() {
    const database = await createTestDatabase('es');
    return {
      open: async () => new PostgresEventStore({ connectionString: database.url, poolConfig: { max: 4 } }),
      teardown: () => database.drop(),
    };
  },
});

afterAll(() => dropTemplate());
