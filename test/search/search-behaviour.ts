/**
 * What callers of search rely on, whichever backend holds the index. Each backend runs this suite
 * (`describeSearchBehaviour`): PostgreSQL in test/search/postgres-search.spec.ts, a real OpenSearch node in
 * test/search/search.opensearch-real.ts.
 */
import { randomUUID } from 'node:crypto';
import type { ProjectedEvent } from '@accounts/projections/runtime/projected-event';
import { eventStream } from '@accounts/projections/testing/projected-events';
import type { SearchPage, SearchReader } from '@accounts/projections/search/search-query';

/** A fresh, empty search backend for one test. */
export interface SearchBackendUnderTest {
  /** Stores one batch with its checkpoint, as the projection runner would. */
  project(events: ProjectedEvent[]): Promise<{ deadLettered: number }>;
  reader: SearchReader;
  teardown(): Promise<void>;
}

export interface SearchTarget {
  name: string;
  setup(): Promise<SearchBackendUnderTest>;
}

/** Builds the events of one stream with increasing revisions and global positions, decoded as a projector sees them. */
export function stream(kind: 'user' | 'organization', id = randomUUID()) {
  const events = eventStream(`${kind}-${id}`);
  return { id, event: events.partial, typed: events.event };
}

export function registeredUser(email: string) {
  const user = stream('user');
  return {
    ...user,
    registered: user.typed('UserRegistered', { userId: user.id, email, passwordHash: 'sealed', registeredAt: new Date().toISOString() }),
  };
}

export function createdOrganization(name: string, plan: 'free' | 'pro' | 'enterprise' = 'free') {
  const org = stream('organization');
  return { ...org, created: org.typed('OrganizationCreated', { organizationId: org.id, name, plan, ownerId: randomUUID(), createdAt: new Date().toISOString() }) };
}

const byId = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((i) => i.id);
const ids = (page: SearchPage<{ id: string }>) => page.items.map((item) => item.id);

export function describeSearchBehaviour(target: SearchTarget): void {
  describe(`search behaviour: ${target.name}`, () => {
    let backend: SearchBackendUnderTest;
    beforeEach(async () => {
      backend = await target.setup();
    });
    afterEach(async () => {
      await backend.teardown();
    });

    test('users rank exact, then prefix, then whole word, then fuzzy; ties by id', async () => {
      const anna = registeredUser('anna@example.com');
      const annaBell = registeredUser('anna.bell@example.com');
      const bobAnna = registeredUser('bob.anna@example.com');
      const plusAnna = registeredUser('x+anna@example.org');
      const joanna = registeredUser('joanna@example.com');
      const zed = registeredUser('zed@example.net');
      await backend.project([anna, annaBell, bobAnna, plusAnna, joanna, zed].map((u) => u.registered));

      const page = await backend.reader.searchUsers({ q: 'anna' });
      expect(ids(page)).toEqual([...byId([anna, annaBell]), ...byId([bobAnna, plusAnna]), joanna.id]);
      expect(page.items.find((item) => item.id === anna.id)).toEqual({ id: anna.id, email: 'anna@example.com' });
      expect(page.nextCursor).toBeNull();

      const exact = await backend.reader.searchUsers({ q: 'Anna@Example.com' });
      expect(ids(exact)[0]).toBe(anna.id);
      expect(ids(exact).slice(1, 3)).toEqual(byId([annaBell, bobAnna]));
      expect(ids(exact)).not.toContain(zed.id);

      const prefix = await backend.reader.searchUsers({ q: 'ann' });
      expect(ids(prefix).slice(0, 2)).toEqual(byId([anna, annaBell]));
    });

    test('organizations rank exact, prefix, word, fuzzy, and filter by plan', async () => {
      const initech = createdOrganization('Initech', 'pro');
      const global = createdOrganization('Initech Global', 'enterprise');
      const group = createdOrganization('The Initech Group', 'pro');
      const initek = createdOrganization('Initek Labs', 'free');
      const other = createdOrganization('Umbrella', 'pro');
      await backend.project([initech, global, group, initek, other].map((o) => o.created));

      const page = await backend.reader.searchOrganizations({ q: 'initech' });
      expect(ids(page)).toEqual([initech.id, global.id, group.id, initek.id]);
      expect(page.items[0]).toEqual({ id: initech.id, name: 'Initech', plan: 'pro' });

      expect(ids(await backend.reader.searchOrganizations({ q: 'initech', plan: 'pro' }))).toEqual([initech.id, group.id]);
      expect(ids(await backend.reader.searchOrganizations({ q: 'initech', plan: 'enterprise' }))).toEqual([global.id]);
      expect(ids(await backend.reader.searchOrganizations({ q: 'umbrella', plan: 'free' }))).toEqual([]);
      expect(ids(await backend.reader.searchOrganizations({ q: 'group' }))).toEqual([group.id]);
    });

    test('cursor paging returns every match exactly once, in the order of one big page', async () => {
      const users = Array.from({ length: 23 }, (_, i) =>
        registeredUser(i % 3 === 0 ? `paging${i}@example.com` : `someone.paging.${i}@example.com`),
      );
      await backend.project(users.map((u) => u.registered));

      const all = await backend.reader.searchUsers({ q: 'paging', limit: 100 });
      expect(all.items).toHaveLength(23);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: SearchPage<{ id: string }> = await backend.reader.searchUsers({ q: 'paging', limit: 5, cursor });
        expect(page.items.length).toBeLessThanOrEqual(5);
        seen.push(...ids(page));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== null && pages < 20);
      expect(pages).toBe(5);
      expect(seen).toEqual(ids(all));
      expect(new Set(seen).size).toBe(23);
    });

    test('organization pages keep the plan filter and the order', async () => {
      const orgs = Array.from({ length: 9 }, (_, i) => createdOrganization(`Pager ${i}`, i % 2 === 0 ? 'pro' : 'free'));
      await backend.project(orgs.map((o) => o.created));
      const first = await backend.reader.searchOrganizations({ q: 'pager', plan: 'pro', limit: 2 });
      const rest: string[] = [];
      let cursor = first.nextCursor;
      while (cursor) {
        const page = await backend.reader.searchOrganizations({ q: 'pager', plan: 'pro', limit: 2, cursor });
        rest.push(...ids(page));
        cursor = page.nextCursor;
      }
      expect([...ids(first), ...rest]).toEqual(byId(orgs.filter((_, i) => i % 2 === 0)));
    });

    test('hostile or odd input neither fails nor matches everything', async () => {
      const users = ['first_last@example.com', 'percent@example.com', 'or.one@example.org', 'plain@example.com'].map(registeredUser);
      await backend.project(users.map((u) => u.registered));
      await backend.project([createdOrganization('100% Real_Name').created, createdOrganization('Plain Org').created]);

      for (const q of ['%', '_', '\\', '%%', '_%_', "' OR 1=1 --", '"; DROP TABLE search_users; --', '*', '?', '(', 'a\u0000b']) {
        const found = await backend.reader.searchUsers({ q });
        expect(found.items.length).toBeLessThan(users.length);
        const orgs = await backend.reader.searchOrganizations({ q });
        expect(orgs.items.length).toBeLessThan(2);
      }
      expect(ids(await backend.reader.searchUsers({ q: '%' }))).toEqual([]);
      expect(ids(await backend.reader.searchUsers({ q: '_' }))).toEqual([]);
      expect(ids(await backend.reader.searchUsers({ q: 'first' }))).toEqual([users[0]!.id]);
      for (const q of ['ñandú 🦆', '日本語', 'ａｂｃ', 'x'.repeat(200), 'y'.repeat(1000), '\u202e', '']) {
        await expect(backend.reader.searchUsers({ q })).resolves.toBeDefined();
        await expect(backend.reader.searchOrganizations({ q, plan: 'pro' })).resolves.toBeDefined();
      }
      expect(await backend.reader.searchUsers({ q: '   ' })).toEqual({ items: [], nextCursor: null });
    });

    test('replaying events leaves the same results; an older event never overwrites a newer one', async () => {
      const org = createdOrganization('Old Name', 'free');
      const renamed = org.event('OrganizationRenamed', { name: 'Hooli' });
      const upgraded = org.event('PlanChanged', { plan: 'enterprise' });
      const user = registeredUser('dana@example.com');
      const changed = user.event('UserEmailChanged', { userId: user.id, email: 'dana.new@example.com' });
      const events = [org.created, renamed, upgraded, user.registered, changed];

      await backend.project(events);
      const before = [await backend.reader.searchOrganizations({ q: 'hooli' }), await backend.reader.searchUsers({ q: 'dana' })];
      await backend.project(events);
      await backend.project([org.created, user.registered]);
      const after = [await backend.reader.searchOrganizations({ q: 'hooli' }), await backend.reader.searchUsers({ q: 'dana' })];

      expect(after).toEqual(before);
      expect(before[0]!.items).toEqual([{ id: org.id, name: 'Hooli', plan: 'enterprise' }]);
      expect(before[1]!.items).toEqual([{ id: user.id, email: 'dana.new@example.com' }]);
      expect(ids(await backend.reader.searchOrganizations({ q: 'old name' }))).toEqual([]);
    });

    test('an organization changed in a later batch keeps its other fields', async () => {
      const org = createdOrganization('Pied Piper', 'free');
      await backend.project([org.created]);
      await backend.project([org.event('PlanChanged', { plan: 'pro' })]);
      await backend.project([org.event('OrganizationRenamed', { name: 'Pied Piper Inc' })]);
      expect((await backend.reader.searchOrganizations({ q: 'pied piper' })).items).toEqual([
        { id: org.id, name: 'Pied Piper Inc', plan: 'pro' },
      ]);
    });

    test('an erased user vanishes, and replays of their events do not bring them back', async () => {
      const erin = registeredUser('erin@example.com');
      const other = registeredUser('erin.other@example.com');
      await backend.project([erin.registered, other.registered]);
      expect(ids(await backend.reader.searchUsers({ q: 'erin@example.com' }))[0]).toBe(erin.id);

      const erased = erin.event('UserErased', { userId: erin.id });
      await backend.project([erased]);
      expect(ids(await backend.reader.searchUsers({ q: 'erin' }))).toEqual([other.id]);

      // After erasure the person's fields read as erased; and even the original event, replayed, is older.
      const shredded = { ...erin.registered, data: { ...erin.registered.data, email: '[erased]' } };
      await backend.project([shredded]);
      await backend.project([erin.registered]);
      expect(ids(await backend.reader.searchUsers({ q: 'erin' }))).toEqual([other.id]);
    });

    test('a user whose email arrives unreadable is not indexed', async () => {
      // Not a string at all: undecodable, so parked; a string that is no address: read, and not indexed.
      const odd = [{ redacted: true }, 42, null, 'no-at-sign', ' ', 'two words@example.com'].map((email) => {
        const user = stream('user');
        return user.event('UserRegistered', { userId: user.id, email, passwordHash: 'sealed' });
      });
      const fine = registeredUser('fine@example.com');
      await backend.project([...odd, fine.registered]);
      expect(ids(await backend.reader.searchUsers({ q: 'example' }))).toEqual([fine.id]);
    });
  });
}
