//! `get -r`: a drive folder and everything below it to a local directory.

use super::TransferOptions;
use crate::drive::Drive;
use crate::error::{ClientError, Result};
use crate::path::DrivePath;
use crate::plan::{Local, plan_get_dir};
use crate::verify::VerifiedNode;
use futures::{StreamExt, TryStreamExt};
use std::future::Future;
use std::path::{Path, PathBuf};

/// What a folder download did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetSummary {
    pub files: u64,
    pub bytes: u64,
    pub folders: u64,
    /// The local directory the folder was written to.
    pub target: PathBuf,
}

/// A tree of verified nodes that can be listed and downloaded: the drive, or a public link
/// (which fetches its chunks with one download ticket).
pub(crate) trait TreeSource: Sync {
    /// Every child of the verified folder `folder`, verified.
    fn children(
        &self,
        folder: &VerifiedNode,
    ) -> impl Future<Output = Result<Vec<VerifiedNode>>> + Send;
    /// Downloads the verified file `node` to exactly `dest`.
    fn fetch_file(
        &self,
        node: &VerifiedNode,
        dest: &Path,
        opts: &TransferOptions,
    ) -> impl Future<Output = Result<()>> + Send;
}

impl TreeSource for Drive {
    async fn children(&self, folder: &VerifiedNode) -> Result<Vec<VerifiedNode>> {
        self.list_folder(folder).await
    }

    async fn fetch_file(
        &self,
        node: &VerifiedNode,
        dest: &Path,
        opts: &TransferOptions,
    ) -> Result<()> {
        self.download_file(node, dest, opts).await
    }
}

impl Drive {
    /// Downloads the folder at `src` to `dest`: into `dest` if it is a directory (keeping the
    /// folder's name), else as `dest`. Every file is verified before it lands.
    pub async fn get_dir(
        &self,
        src: &str,
        dest: &Path,
        opts: &TransferOptions,
    ) -> Result<GetSummary> {
        let top = self.resolve(&DrivePath::parse(src)?).await?;
        if !top.is_folder() {
            return Err(ClientError::NotAFolder(top.path.to_string()));
        }
        let target = plan_get_dir(top.path.name(), dest, Local::of(dest))?;
        get_folder(self, top, target, opts).await
    }
}

/// Downloads the verified folder `top` and everything below it to the local directory
/// `target`: the whole tree is listed (and verified) first, then files move
/// [`TransferOptions::files_in_flight`] at a time.
pub(crate) async fn get_folder(
    source: &impl TreeSource,
    top: VerifiedNode,
    target: PathBuf,
    opts: &TransferOptions,
) -> Result<GetSummary> {
    let mut summary = GetSummary {
        target: target.clone(),
        ..GetSummary::default()
    };
    let mut files: Vec<(VerifiedNode, PathBuf)> = Vec::new();
    let mut folders = vec![(top, target)];
    while let Some((folder, local)) = folders.pop() {
        std::fs::create_dir_all(&local).map_err(|e| ClientError::io(&local, e))?;
        summary.folders += 1;
        for child in source.children(&folder).await? {
            // Names verified against PROTOCOL.md §6: never `/`, `.` or `..`, so joining
            // cannot leave `local`.
            let path = local.join(&child.attrs.name);
            if child.is_folder() {
                folders.push((child, path));
            } else {
                summary.files += 1;
                summary.bytes += child.attrs.size.unwrap_or(0);
                files.push((child, path));
            }
        }
    }
    opts.progress.batch_started(summary.files, summary.bytes);
    futures::stream::iter(files)
        .map(|(node, path)| async move { source.fetch_file(&node, &path, opts).await })
        .buffer_unordered(opts.file_slots())
        .try_collect::<()>()
        .await?;
    Ok(summary)
}
