//! End-to-end tests: the SDK against the real server (in-process, port 0, temp data dir).

mod accounts;
mod common;
mod files;
mod imports;
mod integrity;
mod links;
mod resume;
mod shares;
mod tree_ops;
