//! The coffer SDK: an end-to-end encrypted drive client.
//!
//! Everything the server stores is encrypted and signed here first, and everything it serves is
//! verified here before it is used (PROTOCOL.md §7): a node whose signature, key wrap, attributes
//! or name tag does not check out is an [`ClientError::Integrity`] error, never a result. Keys
//! leave this crate only wrapped. The SDK never prints: progress goes to a [`ProgressSink`].
//!
//! ```no_run
//! # async fn demo() -> coffer_client::Result<()> {
//! use coffer_client::{Drive, SessionStore, TransferOptions};
//! let store = SessionStore::new("/home/me/.config/coffer");
//! let session = coffer_client::login("https://drive.example.org", "me@example.org", b"pw", &store).await?;
//! let drive = Drive::open(session)?;
//! drive.mkdir("/docs", true).await?;
//! drive.put_file("notes.txt".as_ref(), "/docs/", &TransferOptions::default()).await?;
//! for entry in drive.ls("/docs").await? {
//!     println!("{} {:?}", entry.name, entry.size);
//! }
//! # Ok(()) }
//! ```
//!
//! Sharing (PROTOCOL.md §12): `contacts` pins other accounts' keys on first use and compares
//! fingerprints ([`Drive::contact_add`], [`Drive::contact_verify`], [`Drive::contact_confirm`]);
//! [`Drive::share`] seals a folder's key to a pinned contact; folders shared with this account
//! appear under `/shared/<owner email>/<folder>` and every operation works there (the server
//! enforces write access); [`Drive::unshare`] revokes and rotates the subtree's keys.
//!
//! Code map: [`account`] (signup, login, whoami), [`Session`] and [`SessionStore`] (the
//! session file), `http` (typed routes, retries), `verify` (server node → verified node),
//! `authors` (which keys may sign below a folder), `records` (building signed records),
//! [`Drive`] with `listing`, `edit` (mkdir, mv, rm) and `transfer` (put, get, resume), `plan`
//! (pure destination decisions), `contacts` (the pin store), `shares` (grants, `/shared`,
//! key rotation).
#![forbid(unsafe_code)]

pub mod account;
mod authors;
mod contacts;
mod drive;
mod edit;
mod entry;
mod error;
mod folder_cache;
mod http;
mod link;
mod listing;
mod origin;
mod path;
mod plan;
mod records;
mod session;
mod session_store;
pub mod sessions;
mod shares;
mod transfer;
mod verify;

pub use account::{AccountStatus, login, login_with_code, logout, signup, whoami};
pub use coffer_api::{Link, LinkState, LinkTakedown, NodeKind, SharePermission, Usage};
pub use coffer_crypto::Fingerprint;
pub use contacts::{Contact, ContactStatus, VerifyView};
pub use drive::Drive;
pub use entry::{Entry, TreeEntry};
pub use error::{ClientError, Result};
pub use link::{
    AbuseReport, ImportSummary, LinkCreated, LinkError, LinkOptions, LinkUrl, PublicLink,
    report_link,
};
pub use path::{DrivePath, PathSpec};
pub use session::Session;
pub use session_store::{LastUsed, SessionStore};
pub use shares::{IncomingShare, OutgoingShare, ShareOptions, SharesView, UnshareReport};
pub use transfer::{
    CancelToken, GetSummary, NoProgress, PendingUpload, ProgressSink, PutSummary, TransferId,
    TransferOptions,
};
