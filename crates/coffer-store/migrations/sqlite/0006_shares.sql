-- Shared folders (PROTOCOL.md §12). A share is one grant of one folder to one recipient; the
-- grant's fields are kept as the owner's client signed them. The folder stays in its owner's
-- account: access is decided per request by walking up from the node to a shared ancestor.
CREATE TABLE shares (
    id                         BLOB PRIMARY KEY,   -- client-chosen, from the grant
    folder_id                  BLOB NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    owner_id                   BLOB NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    recipient_id               BLOB NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    permission                 SMALLINT NOT NULL,  -- 1 read, 2 write
    generation                 BIGINT NOT NULL,
    owner_signing_public       BLOB NOT NULL,
    recipient_signing_public   BLOB NOT NULL,
    recipient_agreement_public BLOB NOT NULL,
    enc                        BLOB NOT NULL,
    ciphertext                 BLOB NOT NULL,
    signature                  BLOB NOT NULL,
    created_at                 BIGINT NOT NULL,
    updated_at                 BIGINT NOT NULL,
    UNIQUE (folder_id, recipient_id)
);
-- The access walk joins ancestors on (folder_id, recipient_id): the UNIQUE index serves it.
CREATE INDEX shares_recipient ON shares (recipient_id);
CREATE INDEX shares_owner ON shares (owner_id);

-- Folders whose key must be rotated after a revocation (§12.5), until the owner clears them.
CREATE TABLE rekey_pending (
    owner_id   BLOB NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    folder_id  BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (owner_id, folder_id)
);

-- Write grants revoked from a folder whose rotation is pending, as the owner signed them: the
-- rotation must still accept what those writers signed in order to re-sign it, also when it is
-- resumed on another device (§12.5). Cleared with the mark.
CREATE TABLE rekey_former (
    share_id                   BLOB PRIMARY KEY,
    owner_id                   BLOB NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    folder_id                  BLOB NOT NULL,
    permission                 SMALLINT NOT NULL,
    generation                 BIGINT NOT NULL,
    owner_signing_public       BLOB NOT NULL,
    recipient_signing_public   BLOB NOT NULL,
    recipient_agreement_public BLOB NOT NULL,
    enc                        BLOB NOT NULL,
    ciphertext                 BLOB NOT NULL,
    signature                  BLOB NOT NULL
);
CREATE INDEX rekey_former_folder ON rekey_former (owner_id, folder_id);

-- Who opened an upload session: the account itself, or a recipient writing into a shared
-- folder (the session still belongs to the owner's account). NULL: the account itself.
ALTER TABLE uploads ADD COLUMN created_by BLOB NULL;
