//! Listing unfinished uploads, as far as this client can read them.

use super::resume::open_session;
use crate::drive::Drive;
use crate::error::{ClientError, Result};
use crate::path::DrivePath;

/// An unfinished upload into a folder: a later `put` of the same file resumes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpload {
    pub name: String,
    pub size: u64,
    pub chunks_received: u64,
    pub chunk_count: u64,
    /// Unix milliseconds; the server drops the session then.
    pub expires_at: i64,
}

impl Drive {
    /// The open upload sessions into the folder at `folder` whose keys and preliminary
    /// attributes open (others are not this client's to resume and are left out).
    pub async fn pending_uploads(&self, folder: &str) -> Result<Vec<PendingUpload>> {
        let path = DrivePath::parse(folder)?;
        let node = self.resolve_folder(&path).await?;
        let parent = node.as_parent();
        let listed = self.api().uploads(node.id()).await?.items;
        let mut pending: Vec<PendingUpload> = listed
            .into_iter()
            .filter_map(|u| open_session(u, &parent))
            .map(|s| {
                Ok(PendingUpload {
                    size: s
                        .attrs
                        .size
                        .ok_or_else(|| ClientError::Protocol("an upload without a size".into()))?,
                    name: s.attrs.name,
                    chunks_received: s.upload.received.len() as u64,
                    chunk_count: s.upload.chunk_count,
                    expires_at: s.upload.expires_at,
                })
            })
            .collect::<Result<_>>()?;
        pending.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(pending)
    }
}
