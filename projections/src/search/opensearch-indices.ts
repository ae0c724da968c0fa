import type { SearchCollection } from './search-documents';

/**
 * Names and mappings of the OpenSearch indices. Each projection version writes its own index
 * (`accounts-users-v1`); queries go through the alias (`accounts-users`), which a rebuild moves atomically.
 */
export class SearchIndexNames {
  constructor(
    readonly version: number,
    readonly prefix = 'accounts',
  ) {}

  index(collection: SearchCollection): string {
    return `${this.alias(collection)}-v${this.version}`;
  }

  alias(collection: SearchCollection): string {
    return `${this.prefix}-${collection}`;
  }

  get checkpoints(): string {
    return `${this.prefix}-projection-checkpoints`;
  }

  /** The checkpoint document's id: one per projection version. */
  get checkpointId(): string {
    return `search-v${this.version}`;
  }
}

// The analyzers mirror what PostgreSQL does: the whole value lowercased (exact and prefix), words split at the email
// separators or by the standard tokenizer (whole-word matches), trigrams (fuzzy matches, as pg_trgm).
const analysis = {
  normalizer: { search_lowercase: { type: 'custom', filter: ['lowercase'] } },
  tokenizer: {
    email_parts: { type: 'pattern', pattern: '[._+@\\-]+' },
    trigrams: { type: 'ngram', min_gram: 3, max_gram: 3, token_chars: ['letter', 'digit'] },
  },
  analyzer: {
    whole_lowercase: { type: 'custom', tokenizer: 'keyword', filter: ['lowercase'] },
    email_words: { type: 'custom', tokenizer: 'email_parts', filter: ['lowercase'] },
    name_words: { type: 'custom', tokenizer: 'standard', filter: ['lowercase'] },
    trigrams: { type: 'custom', tokenizer: 'trigrams', filter: ['lowercase'] },
  },
};

/** Prefix queries up to 19 characters hit indexed prefixes; longer ones still work, by a term scan. */
const prefixField = { type: 'text', analyzer: 'whole_lowercase', index_prefixes: { min_chars: 1, max_chars: 19 } };

export const usersIndexBody = {
  settings: { number_of_shards: 1, analysis },
  mappings: {
    dynamic: 'strict',
    properties: {
      id: { type: 'keyword' },
      email: {
        type: 'keyword',
        normalizer: 'search_lowercase',
        fields: {
          prefix: prefixField,
          words: { type: 'text', analyzer: 'email_words' },
          trigrams: { type: 'text', analyzer: 'trigrams' },
        },
      },
    },
  },
};

export const organizationsIndexBody = {
  settings: { number_of_shards: 1, analysis },
  mappings: {
    dynamic: 'strict',
    properties: {
      id: { type: 'keyword' },
      name: {
        type: 'text',
        analyzer: 'name_words',
        fields: {
          keyword: { type: 'keyword', normalizer: 'search_lowercase' },
          prefix: prefixField,
          trigrams: { type: 'text', analyzer: 'trigrams' },
        },
      },
      plan: { type: 'keyword' },
    },
  },
};

export const checkpointsIndexBody = {
  settings: { number_of_shards: 1 },
  mappings: {
    dynamic: 'strict',
    properties: {
      projection: { type: 'keyword' },
      version: { type: 'integer' },
      position: { type: 'keyword' },
      updatedAt: { type: 'date' },
    },
  },
};

export const indexBodies: Record<SearchCollection, object> = { users: usersIndexBody, organizations: organizationsIndexBody };
