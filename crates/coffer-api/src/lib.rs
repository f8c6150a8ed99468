//! Wire types shared by the coffer server and its clients.
//!
//! Everything here is plain data with `serde` and `utoipa` derives: no I/O, no crypto. Binary
//! values travel as base64url without padding ([`B64`]); ids as 32 lowercase hex characters
//! ([`Id`]). The normative description is `docs/PROTOCOL.md` §9; the OpenAPI document served at
//! `/api/v1/openapi.json` is generated from these types and the server's routes.
#![forbid(unsafe_code)]

mod bytes;
pub mod error;
mod id;
mod links;
mod sessions;
mod shares;
mod types;

pub use bytes::B64;
pub use error::{ErrorCode, Problem};
pub use id::{Id, ParseIdError};
pub use links::*;
pub use sessions::*;
pub use shares::*;
pub use types::*;

/// The API's path prefix.
pub const API_PREFIX: &str = "/api/v1";
/// Header carrying the hex BLAKE3 hash of an uploaded chunk's body.
pub const CHUNK_HASH_HEADER: &str = "x-coffer-chunk-hash";
/// Largest plaintext chunk size a server accepts (16 MiB); PROTOCOL.md §5.1.
pub const MAX_CHUNK_SIZE: u32 = 16 * 1024 * 1024;
/// Smallest plaintext chunk size (64 KiB).
pub const MIN_CHUNK_SIZE: u32 = 64 * 1024;
/// Bytes AES-GCM adds to every chunk.
pub const CHUNK_OVERHEAD: u64 = 16;
/// Largest plaintext a file may have to be uploaded whole in a small-file batch (64 KiB); its
/// one chunk is kept in the server's database. PROTOCOL.md §9.1.
pub const MAX_SMALL_FILE: u64 = 64 * 1024;
/// Most files in one small-file batch.
pub const MAX_BATCH_FILES: usize = 1000;
/// Largest small-file batch body (JSON with base64 content).
pub const MAX_BATCH_BODY: usize = 16 * 1024 * 1024;
/// Default and largest page sizes of a children listing.
pub const DEFAULT_PAGE: u32 = 1000;
pub const MAX_PAGE: u32 = 5000;
