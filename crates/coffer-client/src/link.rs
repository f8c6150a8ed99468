//! Public links (PROTOCOL.md §10): the owner creates, lists and revokes them through its
//! [`Drive`](crate::Drive); anyone holding a link's URL (and its password) reads it through a
//! [`PublicLink`], without an account.
//!
//! The secret in the URL fragment and the password stay on this machine: they derive the link
//! key (which opens the sealed node key) and the access token, and only the access token is
//! ever sent. Neither appears in an error message or a log. Everything read through a link is
//! verified as the drive verifies its own nodes (`verify`, `listing`, `transfer/download`),
//! with the author key from the link's seal as the one trusted key.

mod create;
mod error;
mod import;
mod reader;
mod report;
mod url;

pub use create::{LinkCreated, LinkOptions};
pub use error::LinkError;
pub use import::ImportSummary;
pub use reader::PublicLink;
pub use report::{AbuseReport, report_link};
pub use url::LinkUrl;
