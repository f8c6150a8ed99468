//! The [`Drive`] handle and path resolution: every node on the way from the root is fetched by
//! name tag and verified before it is used.

use crate::authors::Authors;
use crate::contacts::ContactBook;
use crate::entry::Entry;
use crate::error::{ClientError, Result};
use crate::folder_cache::FolderCache;
use crate::http::Api;
use crate::path::DrivePath;
use crate::session::Session;
use crate::session_store::SessionStore;
use crate::shares::{ShareCache, SharedPath};
use crate::transfer::{BufferPool, SPARE_BUFFERS};
use crate::verify::{VerifiedNode, verify_child, verify_root};
use coffer_api::{ErrorCode, Usage};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Chunk buffers (1 or 8 MiB each, by file size) alive at once across every transfer of one
/// [`Drive`]: what keeps memory flat however many files move in parallel.
const CHUNK_BUFFERS: usize = 10;

/// A logged-in drive: the entry point of every file operation.
///
/// Cheap to clone (the clones share the connection pool and the transfer budget).
#[derive(Clone)]
pub struct Drive {
    pub(crate) inner: Arc<DriveInner>,
}

pub(crate) struct DriveInner {
    pub api: Api,
    pub session: Session,
    pub author: [u8; 32],
    /// Permits for chunk buffers in flight (see [`CHUNK_BUFFERS`]).
    pub chunk_buffers: Arc<Semaphore>,
    /// Chunk buffers kept for reuse by every transfer.
    pub spare_buffers: Arc<BufferPool>,
    /// Folders verified in the last moments, by path.
    pub folders: FolderCache,
    /// Pinned contacts and grant generations (on disk with a store, else in memory).
    pub contacts: ContactBook,
    /// The share list seen in the last moments.
    pub shares: ShareCache,
}

impl Drive {
    /// Opens the drive of a logged-in session (no request is made yet). Contact pins and grant
    /// generations live in memory only: use [`Drive::open_with_store`] to keep them.
    pub fn open(session: Session) -> Result<Drive> {
        Drive::with_contacts(session, ContactBook::in_memory())
    }

    /// Opens the drive of a logged-in session, keeping contact pins and grant generations in
    /// `contacts.json` in `store`'s directory (per server and account).
    pub fn open_with_store(session: Session, store: &SessionStore) -> Result<Drive> {
        let book = ContactBook::load(store, &session.server_url, session.account_id)?;
        Drive::with_contacts(session, book)
    }

    fn with_contacts(session: Session, contacts: ContactBook) -> Result<Drive> {
        let api = Api::new(&session.server_url)?.with_token(&session.token);
        let author = session.identity.signing_public();
        Ok(Drive {
            inner: Arc::new(DriveInner {
                api,
                session,
                author,
                chunk_buffers: Arc::new(Semaphore::new(CHUNK_BUFFERS)),
                spare_buffers: BufferPool::new(SPARE_BUFFERS),
                folders: FolderCache::default(),
                contacts,
                shares: ShareCache::default(),
            }),
        })
    }

    /// The session this drive was opened with.
    pub fn session(&self) -> &Session {
        &self.inner.session
    }

    pub(crate) fn api(&self) -> &Api {
        &self.inner.api
    }

    /// The account's own key: the author of its drive's records (others' only below write
    /// grants, see [`Authors`]).
    pub(crate) fn author(&self) -> &[u8; 32] {
        &self.inner.author
    }

    /// Facts about the node at `path`.
    pub async fn stat(&self, path: &str) -> Result<Entry> {
        let path = DrivePath::parse(path)?;
        if matches!(
            SharedPath::of(&path),
            Some(SharedPath::Top | SharedPath::Owner(_))
        ) {
            return Ok(Entry::virtual_folder(path));
        }
        Ok(Entry::of(&self.resolve(&path).await?))
    }

    /// The account's storage use, as the server counts it.
    pub async fn usage(&self) -> Result<Usage> {
        self.api().usage().await
    }

    /// The verified root folder.
    pub(crate) async fn root(&self) -> Result<VerifiedNode> {
        if let Some(root) = self.inner.folders.deepest(&DrivePath::root()) {
            return Ok(root);
        }
        let root = self.fetch_root().await?;
        self.inner.folders.remember(&root);
        Ok(root)
    }

    async fn fetch_root(&self) -> Result<VerifiedNode> {
        let s = &self.inner.session;
        let node = async {
            self.api().node(s.root_id).await.map_err(|e| match e {
                ClientError::Api {
                    code: ErrorCode::NotFound,
                    ..
                } => ClientError::integrity("/", "the server does not have the root folder"),
                other => other,
            })
        };
        // The own write grants widen who may sign below the shared folders.
        let (node, shares) = tokio::try_join!(node, self.share_state())?;
        let authors = Authors::with_grants(*self.author(), shares.own_writers.clone());
        verify_root(node, &s.master_key, s.root_id, &authors)
    }

    /// The verified child `name` of the verified folder `parent`, if it exists.
    pub(crate) async fn child(
        &self,
        parent: &VerifiedNode,
        name: &str,
    ) -> Result<Option<VerifiedNode>> {
        let tag = coffer_crypto::name_tag(&parent.key, name);
        let Some(node) = self.api().child_by_tag(parent.id(), &tag).await? else {
            return Ok(None);
        };
        let child = verify_child(node, &parent.as_parent())?;
        if child.attrs.name != name {
            return Err(ClientError::integrity(
                child.path.to_string(),
                "the server answered a name lookup with another name",
            ));
        }
        Ok(Some(child))
    }

    /// The node at `path`, or `None` if its last name does not exist. A missing folder on the
    /// way is [`ClientError::NotFound`], a file on the way [`ClientError::NotAFolder`].
    ///
    /// The folders on the way may come from the folder cache; the node at `path` itself is always
    /// fetched and verified now. A walk that started from a cached folder and failed is walked
    /// again from the root, with the cache cleared, before the error is believed.
    pub(crate) async fn lookup(&self, path: &DrivePath) -> Result<Option<VerifiedNode>> {
        if let Some(shared) = SharedPath::of(path) {
            return self.lookup_shared(path, shared).await;
        }
        let Some(parent) = path.parent() else {
            return self.root().await.map(Some);
        };
        let cached = self.inner.folders.deepest(&parent);
        let from_cache = cached.is_some();
        let start = match cached {
            Some(folder) => folder,
            None => self.root().await?,
        };
        match self.walk(start, path).await {
            Err(_) if from_cache => {
                self.inner.folders.clear();
                let root = self.root().await?;
                self.walk(root, path).await
            }
            done => done,
        }
    }

    /// Walks from `start` (a verified ancestor of `path`, or `path`'s root) down to `path`.
    pub(crate) async fn walk(
        &self,
        start: VerifiedNode,
        path: &DrivePath,
    ) -> Result<Option<VerifiedNode>> {
        let names = path.names();
        let mut node = start;
        for (depth, name) in names.iter().enumerate().skip(node.path.names().len()) {
            if !node.is_folder() {
                return Err(ClientError::NotAFolder(node.path.to_string()));
            }
            match self.child(&node, name).await? {
                Some(child) => {
                    self.inner.folders.remember(&child);
                    node = child;
                }
                None if depth + 1 == names.len() => return Ok(None),
                None => return Err(ClientError::NotFound(node.path.join(name)?.to_string())),
            }
        }
        Ok(Some(node))
    }

    /// The node at `path`; [`ClientError::NotFound`] if there is none.
    pub(crate) async fn resolve(&self, path: &DrivePath) -> Result<VerifiedNode> {
        self.lookup(path)
            .await?
            .ok_or_else(|| ClientError::NotFound(path.to_string()))
    }

    /// The folder at `path`; [`ClientError::NotAFolder`] if it is a file.
    pub(crate) async fn resolve_folder(&self, path: &DrivePath) -> Result<VerifiedNode> {
        let node = self.resolve(path).await?;
        if !node.is_folder() {
            return Err(ClientError::NotAFolder(path.to_string()));
        }
        Ok(node)
    }
}
