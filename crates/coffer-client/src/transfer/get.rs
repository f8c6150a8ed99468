//! `get -r`: a drive folder and everything below it to a local directory.

use super::TransferOptions;
use crate::drive::Drive;
use crate::error::{ClientError, Result};
use crate::path::DrivePath;
use crate::plan::{Local, plan_get_dir};
use crate::verify::VerifiedNode;
use futures::{StreamExt, TryStreamExt};
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
        let mut summary = GetSummary {
            target: target.clone(),
            ..GetSummary::default()
        };
        let mut files: Vec<(VerifiedNode, PathBuf)> = Vec::new();
        let mut folders = vec![(top, target)];
        while let Some((folder, local)) = folders.pop() {
            std::fs::create_dir_all(&local).map_err(|e| ClientError::io(&local, e))?;
            summary.folders += 1;
            for child in self.list_folder(&folder).await? {
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
            .map(|(node, path)| async move { self.download_file(&node, &path, opts).await })
            .buffer_unordered(opts.file_slots())
            .try_collect::<()>()
            .await?;
        Ok(summary)
    }
}
