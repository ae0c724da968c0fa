-- Search in PostgreSQL (the default when OPENSEARCH_URL is unset): trigram indexes serve exact, prefix and fuzzy
-- matches of emails and organization names. The search tables themselves are created, per projection version, by
-- the search projector (projections/src/search/postgres-search-tables.ts), like the read model's.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
