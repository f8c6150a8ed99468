-- coffer metadata schema, version 1.
-- Portable SQL on purpose (a PostgreSQL twin follows): ids are 16-byte BLOBs, hashes 32-byte
-- BLOBs, times BIGINT Unix milliseconds, sizes BIGINT.

-- Server-wide settings, e.g. the OPAQUE ServerSetup (key 'opaque_server_setup').
CREATE TABLE server_config (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE accounts (
    id            BLOB PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,   -- normalised (trimmed, lower-cased)
    password_file BLOB NOT NULL,          -- OPAQUE registration record
    key_container TEXT NOT NULL,          -- JSON, PROTOCOL.md section 8
    root_id       BLOB NOT NULL,
    created_at    BIGINT NOT NULL
);

-- Pending OPAQUE logins between start and finish; single use, short-lived.
CREATE TABLE login_attempts (
    id         BLOB PRIMARY KEY,
    account_id BLOB NULL REFERENCES accounts(id) ON DELETE CASCADE,  -- NULL: unknown email
    state      BLOB NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX login_attempts_expiry ON login_attempts (expires_at);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,          -- BLAKE3 of the bearer token; the token is never stored
    account_id BLOB NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE nodes (
    id                   BLOB PRIMARY KEY,
    account_id           BLOB NOT NULL REFERENCES accounts(id),
    parent_id            BLOB NULL REFERENCES nodes(id),  -- NULL only for an account's root
    kind                 SMALLINT NOT NULL,               -- 1 folder, 2 file
    author_key           BLOB NOT NULL,
    name_tag             BLOB NOT NULL,
    wrapped_key          BLOB NOT NULL,
    encrypted_attributes BLOB NOT NULL,
    signature            BLOB NOT NULL,
    version_id           BLOB NULL UNIQUE,                -- files only, from here on
    header               BLOB NULL,
    chunk_size           BIGINT NULL,
    ciphertext_size      BIGINT NULL,
    chunk_count          BIGINT NULL,
    chunk_list_hash      BLOB NULL,
    revision             BIGINT NOT NULL,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    UNIQUE (parent_id, name_tag)
);
CREATE INDEX nodes_children ON nodes (account_id, parent_id, id);

CREATE TABLE uploads (
    id                   BLOB PRIMARY KEY,      -- server-generated
    account_id           BLOB NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    node_id              BLOB NOT NULL,
    parent_id            BLOB NOT NULL,
    version_id           BLOB NOT NULL UNIQUE,
    name_tag             BLOB NOT NULL,
    wrapped_key          BLOB NOT NULL,
    encrypted_attributes BLOB NOT NULL,
    header               BLOB NOT NULL,
    chunk_size           BIGINT NOT NULL,
    ciphertext_size      BIGINT NOT NULL,
    chunk_count          BIGINT NOT NULL,
    base_revision        BIGINT NULL,           -- set when replacing an existing file's content
    state                TEXT NOT NULL,         -- 'open' | 'committed'
    created_at           BIGINT NOT NULL,
    expires_at           BIGINT NOT NULL
);
CREATE INDEX uploads_account ON uploads (account_id, state, parent_id);
CREATE INDEX uploads_expiry ON uploads (state, expires_at);

-- Stored chunks, keyed by version so that committing an upload moves nothing.
CREATE TABLE chunks (
    version_id BLOB NOT NULL,
    idx        BIGINT NOT NULL,
    size       BIGINT NOT NULL,
    hash       BLOB NOT NULL,                   -- BLAKE3 of the ciphertext
    PRIMARY KEY (version_id, idx)
);

-- Versions whose blobs must be deleted. Rows referencing a version are removed first, in the
-- transaction that queues it; blobs go next; the chunk rows and this row go last.
CREATE TABLE deleted_versions (
    version_id BLOB PRIMARY KEY,
    deleted_at BIGINT NOT NULL
);
