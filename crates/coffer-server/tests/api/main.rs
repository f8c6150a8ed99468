//! HTTP-level tests of the server: the real router on port 0 with a temp data directory, and the
//! real binary where a test needs a process (restart, admin commands). One binary, so the suite
//! links once instead of once per file.

mod abuse_verify;
mod accounts;
mod check;
mod chunks;
mod common;
mod errors;
mod imports;
mod isolation;
mod links;
mod nodes;
mod quotas;
mod restart;
mod sessions;
mod shares;
mod small_files;
mod takedown;
mod uploads;
