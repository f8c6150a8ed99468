//! `put`: one file, or a whole local folder, to the drive (with `cp` semantics).

use super::TransferOptions;
use super::batch::is_small;
use super::local_tree::{LocalTree, drive_name, walk};
use super::upload::{ExistingFile, UploadJob};
use crate::drive::Drive;
use crate::entry::Entry;
use crate::error::{ClientError, Result};
use crate::path::PathSpec;
use crate::plan::{Target, local_error, plan_put_dir, plan_put_file};
use crate::verify::VerifiedNode;
use coffer_api::Upload;
use futures::{StreamExt, TryStreamExt};
use std::collections::HashMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a folder upload did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutSummary {
    pub files: u64,
    pub bytes: u64,
    /// Folders created (existing ones are reused).
    pub folders_created: u64,
    /// Local entries not uploaded: links to directories, sockets, FIFOs, devices.
    pub skipped: Vec<PathBuf>,
}

impl Drive {
    /// Uploads the local file `local` to `dest`: into `dest` if it is a folder, else at `dest`;
    /// an existing file there gets a new version (replaced atomically at commit).
    pub async fn put_file(
        &self,
        local: &Path,
        dest: &str,
        opts: &TransferOptions,
    ) -> Result<Entry> {
        let meta = std::fs::metadata(local).map_err(|e| ClientError::io(local, e))?;
        if meta.is_dir() {
            return Err(ClientError::IsAFolder(local.display().to_string()));
        }
        let local_name = drive_name(local)?;
        let spec = PathSpec::parse(dest)?;
        let dest_node = self.lookup(&spec.path).await?;
        let target = plan_put_file(&local_name, &spec, dest_node.as_ref().map(|n| n.node.kind))?;
        let (parent, existing) = self.target_nodes(&target, dest_node).await?;
        if existing.as_ref().is_some_and(VerifiedNode::is_folder) {
            return Err(ClientError::IsAFolder(target.path().to_string()));
        }
        let job = UploadJob {
            local: local.to_owned(),
            parent: parent.as_parent(),
            name: target.name,
            existing: existing.as_ref().map(ExistingFile::of),
            open_sessions: None,
        };
        if is_small(meta.len()) {
            let mut nodes = self
                .upload_small_files(vec![(job, meta.len())], opts)
                .await?;
            let node = nodes
                .pop()
                .ok_or_else(|| ClientError::Protocol("a batch of one gave no node".into()))?;
            return Ok(Entry::of(&node));
        }
        Ok(Entry::of(&self.upload_file(&job, opts).await?))
    }

    /// Uploads the local folder `local` and everything in it to `dest`: into `dest` if it is a
    /// folder (keeping the local name), else as `dest`. Existing folders are merged, existing
    /// files get new versions.
    pub async fn put_dir(
        &self,
        local: &Path,
        dest: &str,
        opts: &TransferOptions,
    ) -> Result<PutSummary> {
        let top = std::fs::canonicalize(local).map_err(|e| ClientError::io(local, e))?;
        if !top.is_dir() {
            return Err(local_error(
                local,
                ErrorKind::NotADirectory,
                "not a directory",
            ));
        }
        let local_name = drive_name(&top)?;
        let walked = top.clone();
        let tree = tokio::task::spawn_blocking(move || walk(&walked))
            .await
            .expect("invariant: walking a directory does not panic")?;
        let spec = PathSpec::parse(dest)?;
        let dest_node = self.lookup(&spec.path).await?;
        let target = plan_put_dir(&local_name, &spec, dest_node.as_ref().map(|n| n.node.kind))?;
        let (parent, top_existing) = self.target_nodes(&target, dest_node).await?;

        let mut summary = PutSummary {
            files: tree.files.len() as u64,
            bytes: tree.total_bytes(),
            ..PutSummary::default()
        };
        let top = (parent, target.name.as_str(), top_existing);
        let folders = self.mirror_folders(&tree, top, &mut summary).await?;
        let jobs = upload_jobs(&tree, &folders)?;
        opts.progress.batch_started(summary.files, summary.bytes);
        // Small files go in batches (one request and one transaction for hundreds), the others
        // in resumable sessions; both at once.
        let (small, large): (Vec<_>, Vec<_>) = (jobs.into_iter().zip(&tree.files))
            .map(|(job, file)| (job, file.size))
            .partition(|(_, size)| is_small(*size));
        let small = self.upload_small_files(small, opts);
        let large = futures::stream::iter(large)
            .map(|(job, _)| async move { self.upload_file(&job, opts).await.map(drop) })
            .buffer_unordered(opts.file_slots())
            .try_collect::<()>();
        futures::try_join!(small, large)?;
        summary.skipped = tree.skipped;
        Ok(summary)
    }

    /// The verified parent folder of `target`, and what is at `target` now.
    async fn target_nodes(
        &self,
        target: &Target,
        dest_node: Option<VerifiedNode>,
    ) -> Result<(VerifiedNode, Option<VerifiedNode>)> {
        crate::edit::check_not_reserved(&target.path())?;
        match dest_node {
            Some(node) if node.path == target.parent => {
                let existing = self.child(&node, &target.name).await?;
                Ok((node, existing))
            }
            Some(node) if node.path == target.path() => {
                let parent = self.resolve_folder(&target.parent).await?;
                Ok((parent, Some(node)))
            }
            _ => {
                let parent = self.ensure_folder_path(&target.parent).await?;
                let existing = self.child(&parent, &target.name).await?;
                Ok((parent, existing))
            }
        }
    }

    /// Finds or creates the drive folder of every local folder (same order as `tree.dirs`),
    /// with what each already holds.
    /// `top` is the parent of the top folder, its name, and what is at that name now.
    async fn mirror_folders(
        &self,
        tree: &LocalTree,
        top: (VerifiedNode, &str, Option<VerifiedNode>),
        summary: &mut PutSummary,
    ) -> Result<Vec<RemoteFolder>> {
        let (parent, top_name, mut top_existing) = top;
        let mut folders: Vec<RemoteFolder> = Vec::with_capacity(tree.dirs.len());
        for dir in &tree.dirs {
            let (container, name, known) = match dir.parent {
                None => (&parent, top_name, top_existing.take()),
                Some(i) => {
                    let name = dir.name.as_str();
                    (
                        &folders[i].node,
                        name,
                        folders[i].children.get(name).cloned(),
                    )
                }
            };
            let folder = match known {
                Some(node) if node.is_folder() => RemoteFolder::existing(self, node).await?,
                Some(node) => return Err(ClientError::NotAFolder(node.path.to_string())),
                None => {
                    summary.folders_created += 1;
                    RemoteFolder::new(self.create_folder(container, name).await?)
                }
            };
            folders.push(folder);
        }
        Ok(folders)
    }
}

/// A drive folder a local folder maps to, with its current children and open uploads.
struct RemoteFolder {
    node: VerifiedNode,
    children: HashMap<String, VerifiedNode>,
    open_sessions: Arc<Vec<Upload>>,
}

impl RemoteFolder {
    fn new(node: VerifiedNode) -> RemoteFolder {
        RemoteFolder {
            node,
            children: HashMap::new(),
            open_sessions: Arc::new(Vec::new()),
        }
    }

    async fn existing(drive: &Drive, node: VerifiedNode) -> Result<RemoteFolder> {
        let children = drive.list_folder(&node).await?;
        let open_sessions = drive.api().uploads(node.id()).await?.items;
        Ok(RemoteFolder {
            children: children
                .into_iter()
                .map(|c| (c.attrs.name.clone(), c))
                .collect(),
            node,
            open_sessions: Arc::new(open_sessions),
        })
    }
}

/// One upload job per local file; a folder in the way of a file fails before anything is sent.
fn upload_jobs(tree: &LocalTree, folders: &[RemoteFolder]) -> Result<Vec<UploadJob>> {
    tree.files
        .iter()
        .map(|file| {
            let folder = &folders[file.dir];
            let existing = folder.children.get(&file.name);
            if let Some(node) = existing.filter(|n| n.is_folder()) {
                return Err(ClientError::IsAFolder(node.path.to_string()));
            }
            Ok(UploadJob {
                local: file.path.clone(),
                parent: folder.node.as_parent(),
                name: file.name.clone(),
                existing: existing.map(ExistingFile::of),
                open_sessions: Some(Arc::clone(&folder.open_sessions)),
            })
        })
        .collect()
}
