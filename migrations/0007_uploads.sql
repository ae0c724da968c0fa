-- Announced uploads (POST /v1/uploads): what a caller said it would store under a random key, for whom, until when.
-- Confirming an avatar or a logo checks the stored object against this row; erasure finds a person's objects here.
CREATE TABLE IF NOT EXISTS uploads (
  object_key    text        PRIMARY KEY,
  purpose       text        NOT NULL CHECK (purpose IN ('user_avatar', 'organization_logo')),
  subject_id    uuid        NOT NULL,
  content_type  text        NOT NULL,
  size          integer     NOT NULL CHECK (size > 0),
  service       text        NOT NULL,
  expires_at    timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  confirmed_at  timestamptz
);
CREATE INDEX IF NOT EXISTS uploads_subject ON uploads (subject_id, purpose);
