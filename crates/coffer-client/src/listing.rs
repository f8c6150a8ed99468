//! Listing folders: every page fetched, every entry verified.
//!
//! Verification is CPU work (an Ed25519 signature, two seals, an HMAC per entry, plus a header
//! MAC for files). A page is verified on blocking threads, split over the machine's cores, while
//! the next page is fetched: a 100,000-entry folder lists in about the time its pages take to
//! arrive.

use crate::drive::Drive;
use crate::entry::{Entry, TreeEntry};
use crate::error::{ClientError, Result};
use crate::http::ChildrenParams;
use crate::path::DrivePath;
use crate::verify::{ParentRef, VerifiedNode, verify_child};
use coffer_api::{MAX_PAGE, Node};
use std::future::Future;
use std::pin::Pin;

/// Below this many entries one thread verifies a page alone (threads cost more than they save).
const ENTRIES_PER_THREAD: usize = 256;

impl Drive {
    /// The entries of the folder at `path` sorted by name, or the file itself.
    pub async fn ls(&self, path: &str) -> Result<Vec<Entry>> {
        let node = self.resolve(&DrivePath::parse(path)?).await?;
        if !node.is_folder() {
            return Ok(vec![Entry::of(&node)]);
        }
        let children = self.list_folder(&node).await?;
        Ok(children.iter().map(Entry::of).collect())
    }

    /// The folder at `path` and everything below it (a file: just itself).
    pub async fn tree(&self, path: &str) -> Result<TreeEntry> {
        let node = self.resolve(&DrivePath::parse(path)?).await?;
        self.subtree(node).await
    }

    fn subtree(
        &self,
        node: VerifiedNode,
    ) -> Pin<Box<dyn Future<Output = Result<TreeEntry>> + Send + '_>> {
        Box::pin(async move {
            let mut children = Vec::new();
            if node.is_folder() {
                for child in self.list_folder(&node).await? {
                    children.push(self.subtree(child).await?);
                }
            }
            Ok(TreeEntry {
                entry: Entry::of(&node),
                children,
            })
        })
    }

    /// Every child of the verified folder `folder`, verified, sorted by name.
    pub(crate) async fn list_folder(&self, folder: &VerifiedNode) -> Result<Vec<VerifiedNode>> {
        let parent = folder.as_parent();
        let mut params = ChildrenParams {
            limit: Some(MAX_PAGE),
            ..ChildrenParams::default()
        };
        let mut pending = Vec::new();
        loop {
            let page = self.api().children(folder.id(), &params).await?;
            if page.items.is_empty() && page.next.is_some() {
                return Err(ClientError::Protocol(
                    "an empty page that is not the last".into(),
                ));
            }
            let (parent, author) = (parent.clone(), *self.author());
            pending.push(tokio::task::spawn_blocking(move || {
                verify_page(page.items, &parent, &author)
            }));
            match page.next {
                Some(next) => params.after = Some(next),
                None => break,
            }
        }
        let mut all = Vec::new();
        for task in pending {
            let verified = task
                .await
                .map_err(|e| ClientError::Protocol(format!("verification task failed: {e}")))??;
            all.extend(verified);
        }
        all.sort_by(|a, b| a.attrs.name.as_bytes().cmp(b.attrs.name.as_bytes()));
        if let Some(pair) = all.windows(2).find(|w| w[0].attrs.name == w[1].attrs.name) {
            return Err(ClientError::integrity(
                pair[1].path.to_string(),
                "the server listed this name twice",
            ));
        }
        Ok(all)
    }
}

/// Verifies one page, in parallel when it is large.
fn verify_page(
    nodes: Vec<Node>,
    parent: &ParentRef,
    author: &[u8; 32],
) -> Result<Vec<VerifiedNode>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(nodes.len() / ENTRIES_PER_THREAD).max(1);
    if threads == 1 {
        return nodes
            .into_iter()
            .map(|n| verify_child(n, parent, author))
            .collect();
    }
    let per_thread = nodes.len().div_ceil(threads);
    let mut slices = Vec::with_capacity(threads);
    let mut rest = nodes;
    while rest.len() > per_thread {
        let tail = rest.split_off(per_thread);
        slices.push(std::mem::replace(&mut rest, tail));
    }
    slices.push(rest);
    std::thread::scope(|scope| {
        let workers: Vec<_> = slices
            .into_iter()
            .map(|slice| {
                scope.spawn(move || {
                    slice
                        .into_iter()
                        .map(|n| verify_child(n, parent, author))
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut out = Vec::new();
        for worker in workers {
            out.extend(
                worker
                    .join()
                    .expect("invariant: verification does not panic")?,
            );
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{as_server_node, new_folder, new_root};
    use crate::verify::verify_root;
    use coffer_crypto::{Identity, SymmetricKey};

    #[test]
    fn parallel_verification_keeps_every_entry_and_finds_a_bad_one() {
        let master = SymmetricKey::from_bytes([1; 32]);
        let identity = Identity::from_seeds([2; 32], [3; 32]);
        let author = identity.signing_public();
        let new = new_root(&master, &identity);
        let root = verify_root(as_server_node(&new), &master, new.id, &author).unwrap();
        let parent = root.as_parent();
        let nodes: Vec<_> = (0..1000)
            .map(|i| as_server_node(&new_folder(&parent, &format!("f{i}"), 0, &identity)))
            .collect();
        let verified = verify_page(nodes.clone(), &parent, &author).unwrap();
        assert_eq!(verified.len(), 1000);
        let mut bad = nodes;
        bad[777].signature.0[5] ^= 1;
        assert!(matches!(
            verify_page(bad, &parent, &author),
            Err(ClientError::Integrity { .. })
        ));
    }
}
