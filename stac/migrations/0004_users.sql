-- Users of the openEO API and their basic-auth access tokens (backend/auth).
-- Basic users are added by `canopy users add`; OIDC users are created on first sight with the id
-- `<provider>~<sub>` (the spec's user_id pattern ^[\w\-\.~]+$ allows no ':').
CREATE TABLE IF NOT EXISTS canopy.users (
    user_id       text PRIMARY KEY CHECK (user_id ~ '^[A-Za-z0-9_.~-]+$'),
    name          text,
    password_hash text,                      -- scrypt with a per-user salt; NULL for OIDC users
    roles         text[] NOT NULL DEFAULT '{}',
    provider      text,                      -- OIDC provider id; NULL for basic users
    subject       text,                      -- OIDC `sub`
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz,
    UNIQUE (provider, subject)
);
CREATE INDEX IF NOT EXISTS users_roles_idx ON canopy.users USING gin (roles);

-- Only the SHA-256 of a token is stored: a leaked table gives no usable bearer.
CREATE TABLE IF NOT EXISTS canopy.access_tokens (
    token_hash  bytea PRIMARY KEY,
    user_id     text NOT NULL REFERENCES canopy.users (user_id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS access_tokens_user_idx ON canopy.access_tokens (user_id, expires_at);
