//! Listing folders: every page fetched, every entry verified.
//!
//! Verification is CPU work: per entry an Ed25519 signature (checked in batches, about 10 µs
//! each instead of 45), two seals and an HMAC, plus a header MAC for files. Pages are verified
//! on blocking threads, split over the machine's cores, while the next pages are fetched. A
//! folder of more than one page is then listed as [`RANGES`] id ranges at once (pages come in id
//! order and any id is a valid `after`), so one range's page is produced while another's is
//! verified, sent or parsed, instead of each page waiting for the one before it.
//!
//! A listing that only reports entries (`ls`) turns each verified node into its [`Entry`] on
//! the verifying thread, freeing the node's ciphertexts and keys as it goes; sorting by name
//! comes last, since names exist only once decrypted.

use crate::drive::Drive;
use crate::entry::{Entry, TreeEntry};
use crate::error::{ClientError, Result};
use crate::http::ChildrenParams;
use crate::path::DrivePath;
use crate::verify::{ParentRef, VerifiedNode, verify_children};
use coffer_api::{Id, MAX_PAGE, Node, NodePage};
use order::{Listed, clip, id_ranges, into_entry, sorted_by_name, split};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::{JoinHandle, JoinSet};

mod order;

/// Id ranges listed at once when a folder has more than one page.
const RANGES: usize = 2;

impl Drive {
    /// The entries of the folder at `path` sorted by name, or the file itself.
    ///
    /// `/shared` lists the owners of folders shared with this account, `/shared/<email>` that
    /// owner's folders.
    pub async fn ls(&self, path: &str) -> Result<Vec<Entry>> {
        let path = DrivePath::parse(path)?;
        if let Some(entries) = self.ls_shared(&path).await? {
            return Ok(entries);
        }
        let node = self.resolve(&path).await?;
        if !node.is_folder() {
            return Ok(vec![Entry::of(&node)]);
        }
        let pages = FolderPages {
            drive: self.clone(),
            folder: node.id(),
            limit: MAX_PAGE,
        };
        list(pages, Verifier::new(&node, into_entry)).await
    }

    /// The folder at `path` and everything below it (a file: just itself).
    pub async fn tree(&self, path: &str) -> Result<TreeEntry> {
        let path = DrivePath::parse(path)?;
        if let Some(entries) = self.ls_shared(&path).await? {
            let mut children = Vec::with_capacity(entries.len());
            for entry in entries {
                children.push(Box::pin(self.tree(&entry.path.to_string())).await?);
            }
            return Ok(TreeEntry {
                entry: Entry::virtual_folder(path),
                children,
            });
        }
        let node = self.resolve(&path).await?;
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
        let pages = FolderPages {
            drive: self.clone(),
            folder: folder.id(),
            limit: MAX_PAGE,
        };
        list(pages, Verifier::new(folder, |node| node)).await
    }
}

/// Every child the pages list, verified as children of `folder` signed by a key it trusts,
/// sorted by name (a public link's folders: the same checks as the drive's, another source of
/// pages).
pub(crate) async fn list_nodes(
    pages: impl Pages,
    folder: &VerifiedNode,
) -> Result<Vec<VerifiedNode>> {
    list(pages, Verifier::new(folder, |node| node)).await
}

/// As [`list_nodes`], keeping only each child's [`Entry`].
pub(crate) async fn list_entries(pages: impl Pages, folder: &VerifiedNode) -> Result<Vec<Entry>> {
    list(pages, Verifier::new(folder, into_entry)).await
}

/// Where pages come from: `after` → the next page of children with greater ids.
pub(crate) trait Pages: Clone + Send + Sync + 'static {
    fn page(&self, after: Option<Id>) -> impl Future<Output = Result<NodePage>> + Send;
}

/// The pages of one folder on the server.
#[derive(Clone)]
struct FolderPages {
    drive: Drive,
    folder: Id,
    limit: u32,
}

impl Pages for FolderPages {
    async fn page(&self, after: Option<Id>) -> Result<NodePage> {
        let params = ChildrenParams {
            limit: Some(self.limit),
            after: after.map(|a| a.to_string()),
            ..ChildrenParams::default()
        };
        self.drive.api().children(self.folder, &params).await
    }
}

/// Every child the pages list, verified and sorted by name; an error if a name appears twice.
async fn list<T: Listed>(pages: impl Pages, verifier: Verifier<T>) -> Result<Vec<T>> {
    let first = checked(pages.page(None).await?)?;
    let mut verifying = vec![verifier.spawn(first.items)];
    if let Some(next) = first.next {
        let mut ranges = JoinSet::new();
        for (after, upto) in id_ranges(parse_cursor(&next)?, RANGES) {
            let (pages, verifier) = (pages.clone(), verifier.clone());
            ranges.spawn(async move { list_range(&pages, after, upto, &verifier).await });
        }
        while let Some(range) = ranges.join_next().await {
            verifying.extend(range.map_err(task_failed)??);
        }
    }
    let mut all = Vec::new();
    for pages in verifying {
        for slice in pages {
            all.extend(slice.await.map_err(task_failed)??);
        }
    }
    sorted_by_name(all)
}

/// Fetches the children with ids in `(after, upto]` (no upper bound: `None`) and starts
/// verifying each page as it comes.
async fn list_range<T: Listed>(
    pages: &impl Pages,
    mut after: Id,
    upto: Option<Id>,
    verifier: &Verifier<T>,
) -> Result<Vec<Vec<Verifying<T>>>> {
    let mut verifying = Vec::new();
    loop {
        let page = checked(pages.page(Some(after)).await?)?;
        let (items, past_range) = clip(page.items, upto);
        verifying.push(verifier.spawn(items));
        match page.next {
            Some(next) if !past_range => after = parse_cursor(&next)?,
            _ => return Ok(verifying),
        }
    }
}

fn checked(page: NodePage) -> Result<NodePage> {
    if page.items.is_empty() && page.next.is_some() {
        return Err(ClientError::Protocol(
            "an empty page that is not the last".into(),
        ));
    }
    Ok(page)
}

fn parse_cursor(cursor: &str) -> Result<Id> {
    cursor
        .parse()
        .map_err(|_| ClientError::Protocol("a listing cursor that is not an id".into()))
}

fn task_failed(e: impl std::fmt::Display) -> ClientError {
    ClientError::Protocol(format!("listing task failed: {e}"))
}

/// A verification in flight: one slice of a page.
type Verifying<T> = JoinHandle<Result<Vec<T>>>;

/// Verifies slices of pages on blocking threads, at most one per core at a time.
struct Verifier<T> {
    parent: ParentRef,
    keep: fn(VerifiedNode) -> T,
    cores: usize,
    threads: Arc<Semaphore>,
}

impl<T> Clone for Verifier<T> {
    fn clone(&self) -> Self {
        Verifier {
            parent: self.parent.clone(),
            keep: self.keep,
            cores: self.cores,
            threads: self.threads.clone(),
        }
    }
}

impl<T: Listed> Verifier<T> {
    /// Children of `folder` signed by keys it trusts, each turned into a `T` by `keep` once
    /// verified.
    fn new(folder: &VerifiedNode, keep: fn(VerifiedNode) -> T) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Verifier {
            parent: folder.as_parent(),
            keep,
            cores,
            threads: Arc::new(Semaphore::new(cores)),
        }
    }

    /// Starts verifying a page, in slices that can run on different cores.
    fn spawn(&self, items: Vec<Node>) -> Vec<Verifying<T>> {
        split(items, self.cores)
            .into_iter()
            .map(|slice| {
                let (parent, keep) = (self.parent.clone(), self.keep);
                let threads = self.threads.clone();
                tokio::spawn(async move {
                    let _thread = threads.acquire_owned().await.map_err(task_failed)?;
                    tokio::task::spawn_blocking(move || {
                        let verified = verify_children(slice, &parent)?;
                        Ok(verified.into_iter().map(keep).collect())
                    })
                    .await
                    .map_err(task_failed)?
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authors::Authors;
    use crate::records::{as_server_node, new_folder, new_root};
    use crate::verify::verify_root;
    use coffer_crypto::{Identity, SymmetricKey};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A server's pages over `nodes` (sorted by id), `limit` per page.
    #[derive(Clone)]
    struct FakePages {
        nodes: Arc<Vec<Node>>,
        limit: usize,
        served: Arc<AtomicUsize>,
    }

    impl FakePages {
        fn new(mut nodes: Vec<Node>, limit: usize) -> FakePages {
            nodes.sort_by_key(|n| n.id);
            FakePages {
                nodes: Arc::new(nodes),
                limit,
                served: Arc::default(),
            }
        }
    }

    impl Pages for FakePages {
        async fn page(&self, after: Option<Id>) -> Result<NodePage> {
            self.served.fetch_add(1, Ordering::Relaxed);
            let mut items: Vec<Node> = (self.nodes.iter())
                .filter(|n| after.is_none_or(|a| n.id > a))
                .take(self.limit + 1)
                .cloned()
                .collect();
            let more = items.len() > self.limit;
            items.truncate(self.limit);
            let next = more
                .then(|| items.last().map(|n| n.id.to_string()))
                .flatten();
            Ok(NodePage { items, next })
        }
    }

    struct Folder {
        identity: Identity,
        root: VerifiedNode,
    }

    impl Folder {
        fn new() -> Folder {
            let master = SymmetricKey::from_bytes([1; 32]);
            let identity = Identity::from_seeds([2; 32], [3; 32]);
            let new = new_root(&master, &identity);
            let author = Authors::single(identity.signing_public());
            let root = verify_root(as_server_node(&new), &master, new.id, &author).unwrap();
            Folder { identity, root }
        }

        fn children(&self, n: usize) -> Vec<Node> {
            (0..n)
                .map(|i| {
                    let new = new_folder(
                        &self.root.as_parent(),
                        &format!("f{i:03}"),
                        0,
                        &self.identity,
                    );
                    as_server_node(&new)
                })
                .collect()
        }

        async fn ls(&self, pages: FakePages) -> Result<Vec<Entry>> {
            list(pages, Verifier::new(&self.root, into_entry)).await
        }
    }

    fn names(entries: &[Entry]) -> Vec<String> {
        entries.iter().map(|e| e.name.clone()).collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_child_once_sorted_whatever_the_page_size() {
        let folder = Folder::new();
        let children = folder.children(300);
        let expected: Vec<String> = (0..300).map(|i| format!("f{i:03}")).collect();
        for limit in [1, 7, 299, 300, 301, 5000] {
            let pages = FakePages::new(children.clone(), limit);
            let listed = folder.ls(pages.clone()).await.unwrap();
            assert_eq!(names(&listed), expected, "{limit} per page");
            assert_eq!(listed[0].path.to_string(), "/f000");
            // What ranges cost: at most one page more per range than paging alone.
            let served = pages.served.load(Ordering::Relaxed);
            assert!(
                served <= 300usize.div_ceil(limit) + RANGES + 1,
                "{served} pages at {limit}"
            );
        }
        let empty = folder.ls(FakePages::new(Vec::new(), 10)).await.unwrap();
        assert!(empty.is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_bad_signature_on_any_page_fails_the_listing_and_names_the_node() {
        let folder = Folder::new();
        let mut children = folder.children(100);
        children.sort_by_key(|n| n.id);
        for bad in [0, 50, 99] {
            let mut tampered = children.clone();
            tampered[bad].signature.0[7] ^= 1;
            let e = folder.ls(FakePages::new(tampered, 9)).await.unwrap_err();
            let named = format!("/(node {})", children[bad].id);
            assert!(
                matches!(e, ClientError::Integrity { ref path, ref reason }
                    if *path == named && reason == "the signature does not verify"),
                "{e:?}"
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_children_with_one_name_are_refused() {
        let folder = Folder::new();
        let mut children = folder.children(40);
        let again = new_folder(&folder.root.as_parent(), "f017", 0, &folder.identity);
        children.push(as_server_node(&again));
        let e = folder.ls(FakePages::new(children, 6)).await.unwrap_err();
        assert!(
            matches!(e, ClientError::Integrity { ref path, ref reason }
                if path == "/f017" && reason == "the server listed this name twice"),
            "{e:?}"
        );
    }

    /// Pages that break the paging rules.
    #[derive(Clone)]
    struct BadPages(NodePage);

    impl Pages for BadPages {
        async fn page(&self, _after: Option<Id>) -> Result<NodePage> {
            Ok(self.0.clone())
        }
    }

    #[tokio::test]
    async fn malformed_pages_are_protocol_errors() {
        let folder = Folder::new();
        let verifier = || Verifier::new(&folder.root, into_entry);
        let empty_not_last = BadPages(NodePage {
            items: Vec::new(),
            next: Some(Id::ZERO.to_string()),
        });
        let junk_cursor = BadPages(NodePage {
            items: folder.children(1),
            next: Some("not-an-id".into()),
        });
        for pages in [empty_not_last, junk_cursor] {
            let e = list(pages, verifier()).await.unwrap_err();
            assert!(matches!(e, ClientError::Protocol(_)), "{e:?}");
        }
    }
}
