-- Takedowns and abuse reports (PROTOCOL.md §11, OPERATIONS.md "Takedowns and abuse"). Neither
-- table has a foreign key on the link, node or account it names: the records are the
-- operator's history (the transparency report counts them) and outlive what they name.

-- One notice acted on: a link (`kind = 'link'`) or a node and every link to it (`'node'`).
-- Active while `reinstated_at` is NULL.
CREATE TABLE takedowns (
    id            BLOB PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('link', 'node')),
    target_id     BLOB NOT NULL,         -- the link id or the node id
    account_id    BLOB NOT NULL,         -- the owner of the target when the notice was acted on
    notice        TEXT NOT NULL,
    claimant      TEXT NULL,
    created_at    BIGINT NOT NULL,
    reinstated_at BIGINT NULL,
    reason        TEXT NULL              -- why it was reinstated
);
CREATE INDEX takedowns_account ON takedowns (account_id, reinstated_at);
-- The blocked nodes the public chunk route consults: active node takedowns by node id.
CREATE INDEX takedowns_blocked_nodes ON takedowns (target_id) WHERE kind = 'node';

-- The links each takedown disabled when it was applied (reinstating restores exactly these,
-- unless another active takedown still covers one).
CREATE TABLE takedown_links (
    takedown_id BLOB NOT NULL REFERENCES takedowns(id) ON DELETE CASCADE,
    link_id     BLOB NOT NULL,
    PRIMARY KEY (takedown_id, link_id)
);
CREATE INDEX takedown_links_link ON takedown_links (link_id);

-- Reports sent to `POST /api/v1/abuse`. The secret and password are given by the reporter so
-- the operator can verify what the link serves (`admin abuse verify`); NULL when not given.
CREATE TABLE abuse_reports (
    id            BLOB PRIMARY KEY,
    link_id       BLOB NOT NULL,
    reason        TEXT NOT NULL,
    contact       TEXT NULL,
    link_secret   BLOB NULL,
    link_password TEXT NULL,
    created_at    BIGINT NOT NULL,
    verified_at   BIGINT NULL,           -- the last verification, if any
    verified      BOOLEAN NULL,          -- its outcome
    verification  TEXT NULL              -- its one-line summary
);
CREATE INDEX abuse_reports_created ON abuse_reports (created_at);
