-- Quotas and limits per account, set by the operator (`coffer-server admin quota`).
-- Each limit: NULL follows the server's default, -1 means no limit for this account, else bytes
-- (storage, transfer per calendar month) or bytes per second (bandwidth).
CREATE TABLE account_limits (
    account_id      BLOB PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    storage_quota   BIGINT NULL,
    transfer_quota  BIGINT NULL,
    bandwidth_limit BIGINT NULL
);

-- Chunk bytes served to an account (or, for public links, charged to the link's owner) per
-- calendar month (UTC), as yyyymm (202611).
CREATE TABLE transfer_usage (
    account_id BLOB NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    month      BIGINT NOT NULL,
    bytes      BIGINT NOT NULL,
    PRIMARY KEY (account_id, month)
);

-- The storage check sums an account's file sizes inside write transactions: a covering index
-- keeps that to an index scan.
CREATE INDEX nodes_account_size ON nodes (account_id, ciphertext_size);
