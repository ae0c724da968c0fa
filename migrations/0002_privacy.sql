-- Per-person data keys (crypto-shredding). Each key is stored wrapped (AES-256-GCM) under the MASTER_KEY; erasing a
-- person deletes their key, so the personal fields sealed with it in events become unreadable for good.
CREATE TABLE IF NOT EXISTS data_keys (
  subject_id   text        PRIMARY KEY,
  wrapped_key  bytea       NOT NULL,
  -- which master key wrapped it, so the master key can be rotated by re-wrapping
  master_key_id text       NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Subjects whose key was destroyed: they never silently get a fresh key, and "erased" is told apart from
-- "never had data". Holds no personal data.
CREATE TABLE IF NOT EXISTS erased_subjects (
  subject_id text        PRIMARY KEY,
  erased_at  timestamptz NOT NULL DEFAULT now()
);
