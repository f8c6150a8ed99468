-- Small files keep their only chunk in the row instead of a blob object (PROTOCOL.md §9.1):
-- one database transaction commits a whole batch of them durably, where a blob per file would
-- cost a file, two fsyncs and a directory entry each. NULL: the chunk is a blob.
ALTER TABLE chunks ADD COLUMN data BLOB NULL;
