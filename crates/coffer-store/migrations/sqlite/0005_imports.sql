-- Imported files (PROTOCOL.md §10.5): a node made from a public link reads the chunks of the
-- version it was imported from. NULL: the node reads its own version's chunks. A version's
-- chunks are queued for deletion only once no node refers to it either way.
ALTER TABLE nodes ADD COLUMN content_version_id BLOB NULL;
CREATE INDEX nodes_content_version ON nodes (content_version_id)
    WHERE content_version_id IS NOT NULL;
