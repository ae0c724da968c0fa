import { Pool } from 'pg';
import { documentKey, foldChanges } from '@accounts/projections/search/document-fold';
import { createSearchBackend } from '@accounts/projections/search/search-backend';
import { searchChangeFor } from '@accounts/projections/search/search-documents';
import { decodeCursor, encodeCursor, escapeLike, InvalidCursorError, normalizeQuery } from '@accounts/projections/search/search-query';
import { createdOrganization, registeredUser, stream } from './search-behaviour';

describe('search document builder', () => {
  test('maps user and organization events to versioned changes', () => {
    const user = registeredUser('Gina@Example.com');
    expect(searchChangeFor(user.registered)).toEqual({ collection: 'users', id: user.id, version: 0n, set: { email: 'Gina@Example.com' } });
    expect(searchChangeFor(user.event('UserErased', { userId: user.id }))).toEqual({ collection: 'users', id: user.id, version: 1n, set: null });
    expect(searchChangeFor(user.event('UserLoggedIn', { sessionId: 'x' }))).toBeUndefined();

    const org = createdOrganization('Hooli');
    expect(searchChangeFor(org.created)).toEqual({ collection: 'organizations', id: org.id, version: 0n, set: { name: 'Hooli', plan: 'free' } });
    expect(searchChangeFor(org.event('PlanChanged', { plan: 'pro' }))).toMatchObject({ version: 1n, set: { plan: 'pro' } });
    const malformed = org.event('OrganizationRenamed', { name: 42 });
    expect(malformed).toMatchObject({ kind: 'undecodable', reason: 'MalformedEventError name' }); // the sink parks it
    expect(searchChangeFor(malformed)).toBeUndefined();
  });

  test('an erased or odd email removes the document', () => {
    for (const email of ['[erased]', 'a b@c.d', 'x'.repeat(330) + '@example.com']) {
      const user = stream('user');
      expect(searchChangeFor(user.event('UserEmailChanged', { email }))?.set).toBeNull();
    }
  });

  test('an email that is no text at all makes the event undecodable, which search leaves to the dead letters', () => {
    for (const email of [{ erased: true }, undefined, 42]) {
      const changed = stream('user').event('UserEmailChanged', { email });
      expect(changed).toMatchObject({ kind: 'undecodable', reason: 'MalformedEventError email' });
      expect(searchChangeFor(changed)).toBeUndefined();
    }
  });

  test('folding skips replays, merges partial changes and reports orphans', () => {
    const org = createdOrganization('Initech');
    const renamed = org.event('OrganizationRenamed', { name: 'Initech 2' });
    const stale = org.event('PlanChanged', { plan: 'pro' }, 0n);
    const orphan = stream('organization').event('PlanChanged', { plan: 'pro' });
    const changes = [renamed, stale, orphan].map((event) => ({ change: searchChangeFor(event)!, event }));
    const stored = new Map([[documentKey('organizations', org.id), { version: 0n, fields: { name: 'Initech', plan: 'free' } }]]);

    const { writes, orphans } = foldChanges(changes, stored);
    expect(writes).toEqual([
      { collection: 'organizations', id: org.id, version: 1n, fields: { name: 'Initech 2', plan: 'free' }, events: [renamed] },
    ]);
    expect(orphans).toEqual([orphan]);
  });
});

describe('search query helpers', () => {
  test('LIKE wildcards and the escape character are escaped', () => {
    expect(escapeLike('50%_off\\')).toBe('50\\%\\_off\\\\');
  });

  test('queries are trimmed, stripped of NUL and cut to 200 characters (by code point)', () => {
    expect(normalizeQuery('  a\u0000b  ')).toBe('ab');
    expect(Array.from(normalizeQuery('🦆'.repeat(300)))).toHaveLength(200);
  });

  test('cursors round-trip and reject anything else', () => {
    const keys = { k: 'users' as const, r: 2, s: 0, id: 'abc' };
    expect(decodeCursor(encodeCursor(keys), 'users')).toEqual(keys);
    expect(decodeCursor(null, 'users')).toBeUndefined();
    // Forged keys out of the ranges the service writes would fail in SQL (int overflow, NUL, lone surrogate): refused.
    const forged = [{ ...keys, r: 2 ** 40 }, { ...keys, s: -1 }, { ...keys, s: 1001 }, { ...keys, id: 'a\u0000b' }, { ...keys, id: '\ud800' }, { ...keys, id: '' }];
    for (const bad of ['!!!', Buffer.from('[]').toString('base64url'), encodeCursor({ ...keys, r: 1.5 }), ...forged.map((forgedKeys) => encodeCursor(forgedKeys))]) {
      expect(() => decodeCursor(bad, 'users')).toThrow(InvalidCursorError);
    }
    expect(() => decodeCursor(encodeCursor(keys), 'organizations')).toThrow(InvalidCursorError);
  });
});

describe('search backend choice', () => {
  const pool = new Pool({ connectionString: 'postgres://root@127.0.0.1:5432/test', max: 1 });
  afterAll(() => pool.end());

  test('PostgreSQL by default, OpenSearch when OPENSEARCH_URL is set', async () => {
    const byDefault = createSearchBackend({ pool, openSearchUrl: '' });
    expect(byDefault.kind).toBe('postgres');
    expect(byDefault.sink.name).toBe('search');
    const withUrl = createSearchBackend({ pool, openSearchUrl: 'http://a:9200, http://b:9200' });
    expect(withUrl.kind).toBe('opensearch');
    expect(withUrl.sink.name).toBe('search');
    await withUrl.close();
  });
});
