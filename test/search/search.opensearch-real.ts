/**
 * The search behaviour suite against a real OpenSearch node: `OPENSEARCH_URL=http://127.0.0.1:9200 npm run
 * test:opensearch`. Without the URL the suite is skipped under a name that says so. Each test writes indices under
 * a prefix of its own and deletes them afterwards.
 */
import { randomUUID } from 'node:crypto';
import { Client } from '@opensearch-project/opensearch';
import { SearchIndexNames } from '@accounts/projections/search/opensearch-indices';
import { OpenSearchSearchReader } from '@accounts/projections/search/opensearch-search.reader';
import { OpenSearchSearchSink } from '@accounts/projections/search/opensearch-search.sink';
import { describeSearchBehaviour, type SearchTarget } from './search-behaviour';

const OPENSEARCH_URL = process.env['OPENSEARCH_URL'];

jest.setTimeout(120_000);

function target(url: string): SearchTarget {
  return {
    name: `OpenSearch at ${url}`,
    async setup() {
      const client = new Client({ nodes: url.split(',').map((node) => node.trim()) });
      const prefix = `search-test-${randomUUID().slice(0, 8)}`;
      const sink = new OpenSearchSearchSink(client, { prefix });
      await sink.prepare();
      await sink.readCheckpoint();
      const names = new SearchIndexNames(1, prefix);
      return {
        reader: new OpenSearchSearchReader(client, { prefix }),
        project: (events) => sink.applyBatch(events, events.at(-1)!.position),
        async teardown() {
          // By name: clusters often refuse wildcard deletes (action.destructive_requires_name).
          await client.indices.delete({ index: [names.index('users'), names.index('organizations'), names.checkpoints] }, { ignore: [404] });
          await client.close();
        },
      };
    },
  };
}

if (OPENSEARCH_URL) describeSearchBehaviour(target(OPENSEARCH_URL));
else describe.skip('real OpenSearch (OPENSEARCH_URL not set)', () => describeSearchBehaviour(target('unset')));
