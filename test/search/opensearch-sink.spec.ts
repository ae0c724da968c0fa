import { CheckpointMovedError } from '@accounts/projections/runtime/postgres-sink';
import { SearchClusterUnavailableError } from '@accounts/projections/search/opensearch-errors';
import { liveOpenSearchCheckpoint, OpenSearchSearchSink, type SearchDeadLetter } from '@accounts/projections/search/opensearch-search.sink';
import { OpenSearchSearchReader } from '@accounts/projections/search/opensearch-search.reader';
import { bulkAnswer, fakeOpenSearch, type Answer, type RecordedRequest } from './fake-opensearch-connection';
import { createdOrganization, registeredUser } from './search-behaviour';

const CHECKPOINTS = 'accounts-projection-checkpoints';

/** A cluster with nothing in it: indices and aliases missing, writes accepted. Overrides come first. */
function emptyCluster(override: (request: RecordedRequest) => Answer | undefined = () => undefined) {
  return (request: RecordedRequest): Answer => {
    const answer = override(request);
    if (answer) return answer;
    if (request.method === 'HEAD') return { status: 404 };
    if (request.method === 'GET' && request.path.includes('/_doc/')) return { status: 404, body: { found: false } };
    if (request.path === '/_bulk') {
      const actions = (request.body as Record<string, unknown>[]).filter((line) => 'index' in line || 'delete' in line);
      return bulkAnswer(actions.map(() => ({ status: 201 })));
    }
    if (request.path.endsWith('/_mget')) return { status: 200, body: { docs: [] } };
    if (request.path.startsWith(`/${CHECKPOINTS}/_doc/`)) return { status: 201, body: { _seq_no: 7, _primary_term: 1, result: 'created' } };
    return { status: 200, body: { acknowledged: true } };
  };
}

const paths = (requests: RecordedRequest[]) => requests.map((r) => `${r.method} ${r.path}`);

describe('OpenSearch search sink (at the client transport)', () => {
  test('prepare creates the versioned indices with explicit mappings and points the aliases at them', async () => {
    const { client, requests } = fakeOpenSearch(emptyCluster());
    await new OpenSearchSearchSink(client).prepare();

    expect(paths(requests)).toEqual([
      `HEAD /${CHECKPOINTS}`,
      `PUT /${CHECKPOINTS}`,
      'HEAD /accounts-users-v1',
      'PUT /accounts-users-v1',
      'HEAD /accounts-organizations-v1',
      'PUT /accounts-organizations-v1',
      'HEAD /_alias/accounts-users',
      'POST /_aliases',
    ]);
    const users = requests[3]!.body as { mappings: { dynamic: string; properties: Record<string, unknown> } };
    expect(users.mappings.dynamic).toBe('strict');
    expect(users.mappings.properties['email']).toMatchObject({
      type: 'keyword',
      normalizer: 'search_lowercase',
      fields: {
        prefix: { type: 'text', analyzer: 'whole_lowercase', index_prefixes: { min_chars: 1, max_chars: 19 } },
        words: { type: 'text', analyzer: 'email_words' },
      },
    });
    expect(users).toMatchObject({ settings: { analysis: { tokenizer: { email_parts: { type: 'pattern', pattern: '[._+@\\-]+' } } } } });
    const organizations = requests[5]!.body as { mappings: { properties: Record<string, unknown> } };
    expect(organizations.mappings.properties).toMatchObject({
      id: { type: 'keyword' },
      plan: { type: 'keyword' },
      name: { type: 'text', fields: { keyword: { type: 'keyword' } } },
    });
    expect(requests[7]!.body).toEqual({
      actions: [
        { add: { index: 'accounts-users-v1', alias: 'accounts-users' } },
        { add: { index: 'accounts-organizations-v1', alias: 'accounts-organizations' } },
      ],
    });
  });

  test('prepare leaves existing indices alone, and a later version does not take the aliases', async () => {
    const { client, requests } = fakeOpenSearch(emptyCluster((r) => (r.method === 'HEAD' ? { status: 200 } : undefined)));
    await new OpenSearchSearchSink(client, { version: 2 }).prepare();
    expect(paths(requests)).toEqual([
      `HEAD /${CHECKPOINTS}`,
      'HEAD /accounts-users-v2',
      'HEAD /accounts-organizations-v2',
      'HEAD /_alias/accounts-users',
    ]);
  });

  test('a batch is one bulk request with external versions, then the checkpoint', async () => {
    const { client, requests } = fakeOpenSearch(emptyCluster());
    const sink = new OpenSearchSearchSink(client);
    await sink.readCheckpoint();
    const alice = registeredUser('alice@example.com');
    const changed = alice.event('UserEmailChanged', { userId: alice.id, email: 'alice@new.example' });
    const bob = registeredUser('bob@example.com');
    const bobErased = bob.event('UserErased', { userId: bob.id });
    const org = createdOrganization('Acme', 'pro');
    const renamed = org.event('OrganizationRenamed', { name: 'Acme Rockets' });
    const ignored = org.event('MemberJoined', { userId: alice.id, role: 'member' });
    const events = [alice.registered, bob.registered, org.created, changed, bobErased, renamed, ignored];

    expect(await sink.applyBatch(events, ignored.position)).toEqual({ deadLettered: 0 });

    expect(paths(requests)).toEqual([`GET /${CHECKPOINTS}/_doc/search-v1`, 'POST /_bulk', `PUT /${CHECKPOINTS}/_doc/search-v1`]);
    const bulk = requests[1]!;
    expect(bulk.query.get('refresh')).toBe('wait_for');
    // One write per document, carrying the last change's stream revision as its external version.
    expect(bulk.body).toEqual([
      { index: { _index: 'accounts-users-v1', _id: alice.id, version: 1, version_type: 'external' } },
      { id: alice.id, email: 'alice@new.example' },
      { delete: { _index: 'accounts-users-v1', _id: bob.id, version: 1, version_type: 'external' } },
      { index: { _index: 'accounts-organizations-v1', _id: org.id, version: 1, version_type: 'external' } },
      { id: org.id, name: 'Acme Rockets', plan: 'pro' },
    ]);
    const checkpoint = requests[2]!;
    expect(checkpoint.query.get('op_type')).toBe('create');
    expect(checkpoint.body).toMatchObject({
      projection: 'search',
      version: 1,
      position: `${ignored.position.commit}-${ignored.position.prepare}`,
    });
  });

  test('a 409 item is an older replay (success); another failed item is dead-lettered, without its data', async () => {
    const { client, requests } = fakeOpenSearch(
      emptyCluster((r) =>
        r.path === '/_bulk'
          ? bulkAnswer([
              { status: 409, type: 'version_conflict_engine_exception' },
              { status: 400, type: 'mapper_parsing_exception' },
              { status: 201 },
            ])
          : undefined,
      ),
    );
    const letters: SearchDeadLetter[] = [];
    const sink = new OpenSearchSearchSink(client, { onDeadLetter: (letter) => letters.push(letter) });
    await sink.readCheckpoint();
    const replayed = registeredUser('old@example.com');
    const bad = registeredUser('bad@example.com');
    const good = registeredUser('good@example.com');

    const result = await sink.applyBatch([replayed.registered, bad.registered, good.registered], good.registered.position);

    expect(result).toEqual({ deadLettered: 1 });
    expect(letters).toEqual([
      { eventId: bad.registered.id, eventType: 'UserRegistered', streamName: `user-${bad.id}`, position: expect.anything(), version: 1, reason: '400 mapper_parsing_exception' },
    ]);
    expect(JSON.stringify(letters, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))).not.toContain('bad@example.com');
    expect(paths(requests).at(-1)).toBe(`PUT /${CHECKPOINTS}/_doc/search-v1`);
  });

  test('malformed and orphan events are dead-lettered; the rest is written', async () => {
    const { client, requests } = fakeOpenSearch(emptyCluster());
    const sink = new OpenSearchSearchSink(client);
    await sink.readCheckpoint();
    const org = createdOrganization('Globex', 'free');
    const malformed = org.event('PlanChanged', {});
    const orphan = createdOrganization('never created').event('OrganizationRenamed', { name: 'Orphan' }, 4n);

    expect(await sink.applyBatch([org.created, malformed, orphan], orphan.position)).toEqual({ deadLettered: 2 });
    const mget = requests.find((r) => r.path.endsWith('/_mget'))!;
    expect(mget.path).toBe('/accounts-organizations-v1/_mget');
    expect(mget.body).toEqual({ ids: [orphan.streamName.slice('organization-'.length)] });
    const bulk = requests.find((r) => r.path === '/_bulk')!;
    expect((bulk.body as unknown[]).length).toBe(2);
  });

  test('a partial change merges into the stored document and skips what the index already holds', async () => {
    const org = createdOrganization('Initrode', 'free');
    const stored = { _id: org.id, found: true, _version: 1, _source: { id: org.id, name: 'Initrode', plan: 'pro' } };
    const { client, requests } = fakeOpenSearch(
      emptyCluster((r) => (r.path.endsWith('/_mget') ? { status: 200, body: { docs: [stored] } } : undefined)),
    );
    const sink = new OpenSearchSearchSink(client);
    await sink.readCheckpoint();
    const upgraded = org.event('PlanChanged', { plan: 'pro' }); // revision 1: already in the index
    const renamed = org.event('OrganizationRenamed', { name: 'Initrode Global' }); // revision 2

    await sink.applyBatch([upgraded, renamed], renamed.position);
    expect(requests.find((r) => r.path === '/_bulk')!.body).toEqual([
      { index: { _index: 'accounts-organizations-v1', _id: org.id, version: 2, version_type: 'external' } },
      { id: org.id, name: 'Initrode Global', plan: 'pro' },
    ]);
  });

  test('an unreachable cluster throws, safely worded, and nothing is checkpointed', async () => {
    const { client, requests } = fakeOpenSearch(emptyCluster((r) => (r.path === '/_bulk' ? 'unreachable' : undefined)));
    const sink = new OpenSearchSearchSink(client);
    await sink.readCheckpoint();
    const user = registeredUser('carol@example.com');

    const failure = sink.applyBatch([user.registered], user.registered.position);
    await expect(failure).rejects.toBeInstanceOf(SearchClusterUnavailableError);
    await expect(failure).rejects.toThrow('OpenSearch bulk failed: ConnectionError');
    await failure.catch((error: Error) => expect(error.message).not.toContain('carol'));
    expect(paths(requests)).not.toContain(`PUT /${CHECKPOINTS}/_doc/search-v1`);
  });

  test('an overloaded shard (429 item) fails the batch for a retry instead of losing the document', async () => {
    const { client, requests } = fakeOpenSearch(
      emptyCluster((r) => (r.path === '/_bulk' ? bulkAnswer([{ status: 429, type: 'es_rejected_execution_exception' }]) : undefined)),
    );
    const sink = new OpenSearchSearchSink(client);
    await sink.readCheckpoint();
    const user = registeredUser('dave@example.com');
    await expect(sink.applyBatch([user.registered], user.registered.position)).rejects.toBeInstanceOf(SearchClusterUnavailableError);
    expect(paths(requests)).not.toContain(`PUT /${CHECKPOINTS}/_doc/search-v1`);
  });

  test('the checkpoint write is conditional on the one read; a moved checkpoint stops this process', async () => {
    let conflict = false;
    const { client, requests } = fakeOpenSearch(
      emptyCluster((r) => {
        if (r.method === 'GET' && r.path === `/${CHECKPOINTS}/_doc/search-v1`) {
          return { status: 200, body: { found: true, _seq_no: 12, _primary_term: 3, _source: { position: '40-41' } } };
        }
        if (r.method === 'PUT' && conflict) return { status: 409, body: { error: { type: 'version_conflict_engine_exception' } } };
        return undefined;
      }),
    );
    const sink = new OpenSearchSearchSink(client);
    expect(await sink.readCheckpoint()).toEqual({ commit: 40n, prepare: 41n });
    const user = registeredUser('erin@example.com');
    await sink.applyBatch([user.registered], user.registered.position);
    const write = requests.at(-1)!;
    expect([write.query.get('if_seq_no'), write.query.get('if_primary_term')]).toEqual(['12', '3']);

    conflict = true;
    await expect(sink.applyBatch([user.registered], user.registered.position)).rejects.toBeInstanceOf(CheckpointMovedError);
  });
});

describe('OpenSearch search versions (at the client transport)', () => {
  const aliasHeldBy =
    (version: number) =>
    (r: RecordedRequest): Answer | undefined => {
      const alias = /^\/_alias\/(accounts-(?:users|organizations))$/.exec(r.path)?.[1];
      return r.method === 'GET' && alias ? { status: 200, body: { [`${alias}-v${version}`]: { aliases: { [alias]: {} } } } } : undefined;
    };

  test('activate moves both aliases to this version in one atomic update', async () => {
    const { client, requests } = fakeOpenSearch(emptyCluster(aliasHeldBy(1)));
    await new OpenSearchSearchSink(client, { version: 2 }).activate();
    const update = requests.find((r) => r.path === '/_aliases')!;
    expect(update.body).toEqual({
      actions: [
        { remove: { index: 'accounts-users-v1', alias: 'accounts-users' } },
        { add: { index: 'accounts-users-v2', alias: 'accounts-users' } },
        { remove: { index: 'accounts-organizations-v1', alias: 'accounts-organizations' } },
        { add: { index: 'accounts-organizations-v2', alias: 'accounts-organizations' } },
      ],
    });
  });

  test('the live checkpoint is the one of the version behind the alias', async () => {
    const { client, requests } = fakeOpenSearch(
      emptyCluster((r) =>
        r.path === `/${CHECKPOINTS}/_doc/search-v3`
          ? { status: 200, body: { found: true, _seq_no: 1, _primary_term: 1, _source: { position: '9-10' } } }
          : aliasHeldBy(3)(r),
      ),
    );
    expect(await liveOpenSearchCheckpoint(client)).toEqual({ commit: 9n, prepare: 10n });
    expect(paths(requests)).toEqual(['GET /_alias/accounts-users', `GET /${CHECKPOINTS}/_doc/search-v3`]);
  });

  test('no alias yet: no live checkpoint', async () => {
    const { client } = fakeOpenSearch(
      emptyCluster((r) => (r.path.startsWith('/_alias/') ? { status: 404, body: { error: 'alias missing', status: 404 } } : undefined)),
    );
    expect(await liveOpenSearchCheckpoint(client)).toBeUndefined();
  });
});

describe('OpenSearch search reader (at the client transport)', () => {
  const hit = (score: number, id: string, email: string) => ({ _score: score, _source: { id, email }, sort: [score, id] });

  test('searchUsers sends tiered constant scores, sorts by score and id, and pages with search_after', async () => {
    const { client, requests } = fakeOpenSearch(() => ({
      status: 200,
      body: { hits: { hits: [hit(4, 'a1', 'ali@example.com'), hit(3, 'b2', 'alice@example.com'), hit(2, 'c3', 'bob.ali@example.com')] } },
    }));
    const reader = new OpenSearchSearchReader(client);

    const page = await reader.searchUsers({ q: ' Ali ', limit: 2 });
    expect(page.items).toEqual([
      { id: 'a1', email: 'ali@example.com' },
      { id: 'b2', email: 'alice@example.com' },
    ]);
    const search = requests[0]!;
    expect(`${search.method} ${search.path}`).toBe('POST /accounts-users/_search');
    expect(search.body).toEqual({
      size: 3,
      query: {
        dis_max: {
          tie_breaker: 0,
          queries: [
            { constant_score: { filter: { term: { email: 'ali' } }, boost: 4 } },
            { constant_score: { filter: { prefix: { 'email.prefix': 'ali' } }, boost: 3 } },
            { constant_score: { filter: { match: { 'email.words': { query: 'Ali', operator: 'and' } } }, boost: 2 } },
            { constant_score: { filter: { match: { 'email.trigrams': { query: 'Ali', minimum_should_match: '60%' } } }, boost: 1 } },
          ],
        },
      },
      sort: [{ _score: { order: 'desc' } }, { id: { order: 'asc' } }],
      _source: ['id', 'email'],
      track_total_hits: false,
    });

    await reader.searchUsers({ q: 'ali', limit: 2, cursor: page.nextCursor });
    expect((requests[1]!.body as { search_after: unknown }).search_after).toEqual([3, 'b2']);
  });

  test('searchOrganizations filters by plan without changing the scores', async () => {
    const { client, requests } = fakeOpenSearch(() => ({ status: 200, body: { hits: { hits: [] } } }));
    await new OpenSearchSearchReader(client).searchOrganizations({ q: 'acme', plan: 'pro' });
    const body = requests[0]!.body as { query: { bool: { must: unknown[]; filter: unknown[] } } };
    expect(requests[0]!.path).toBe('/accounts-organizations/_search');
    expect(body.query.bool.filter).toEqual([{ term: { plan: 'pro' } }]);
    expect(body.query.bool.must).toHaveLength(1);
  });

  test('a failed search is reported without the query text', async () => {
    const { client } = fakeOpenSearch(() => ({
      status: 400,
      body: { error: { type: 'search_phase_execution_exception', reason: 'failed to parse [frank@example.com]' }, status: 400 },
    }));
    const failure = new OpenSearchSearchReader(client).searchUsers({ q: 'frank@example.com' });
    await expect(failure).rejects.toBeInstanceOf(SearchClusterUnavailableError);
    await failure.catch((error: Error) => expect(error.message).not.toContain('frank'));
  });

  test('an empty query asks nothing; hostile text is sent only as literal terms', async () => {
    const { client, requests } = fakeOpenSearch(() => ({ status: 200, body: { hits: { hits: [] } } }));
    const reader = new OpenSearchSearchReader(client);
    expect(await reader.searchUsers({ q: '  ' })).toEqual({ items: [], nextCursor: null });
    expect(requests).toHaveLength(0);
    await reader.searchUsers({ q: '*:* OR "x"' });
    expect(JSON.stringify(requests[0]!.body)).not.toMatch(/query_string|wildcard|regexp/);
  });
});
