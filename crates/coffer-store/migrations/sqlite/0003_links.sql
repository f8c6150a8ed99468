-- Public links (PROTOCOL.md §10). A link outlives its node: there is no foreign key on
-- node_id, and a link whose node is gone (or no longer its account's) is in state `gone`,
-- computed when it is read. Everything a recipient needs to read the link is client-sealed;
-- the server keeps only the sealed key and the hash of the access token.
CREATE TABLE links (
    id                   BLOB PRIMARY KEY,      -- chosen by the client (bound into its keys)
    account_id           BLOB NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    node_id              BLOB NOT NULL,
    sealed_key           BLOB NOT NULL,         -- seal(LK, "link", ...), 125 bytes
    access_hash          BLOB NOT NULL,         -- BLAKE3 of the access token
    password_salt        BLOB NULL,             -- the four password columns: all NULL or none
    password_iterations  BIGINT NULL,
    password_memory_kib  BIGINT NULL,
    password_parallelism BIGINT NULL,
    expires_at           BIGINT NULL,
    max_downloads        BIGINT NULL,
    downloads            BIGINT NOT NULL DEFAULT 0,
    created_at           BIGINT NOT NULL,
    revoked_at           BIGINT NULL,
    taken_down_by        BLOB NULL,             -- the takedown in force (a later table's id)
    taken_down_at        BIGINT NULL
);
CREATE INDEX links_account ON links (account_id, id);

-- Download tickets (PROTOCOL.md §10.4 step 5), stored as the BLAKE3 of the ticket.
CREATE TABLE link_tickets (
    ticket_hash BLOB PRIMARY KEY,
    link_id     BLOB NOT NULL REFERENCES links(id) ON DELETE CASCADE,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX link_tickets_expiry ON link_tickets (expires_at);

-- Wrong access tokens per fixed window, per key ('link:<id>', 'ip:<address>').
CREATE TABLE link_failures (
    key          TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    failures     BIGINT NOT NULL
);
CREATE INDEX link_failures_window ON link_failures (window_start);

-- Accounts that may not create links (repeat-infringer policy); NULL: allowed.
ALTER TABLE accounts ADD COLUMN links_suspended_at BIGINT NULL;
