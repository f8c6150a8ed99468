//! Reading a public link without an account (PROTOCOL.md §10.4): public info, keys derived
//! from the URL's secret (and password), the access token shown to open the link, the sealed
//! key opened, and from there the same verified listing and download pipeline as the drive's,
//! with the link's author key as the one trusted key and the link's routes as the source.

use super::{LinkError, LinkUrl};
use crate::entry::Entry;
use crate::error::{ClientError, Result};
use crate::http::{Api, ChildrenParams};
use crate::listing::{Pages, list_entries, list_nodes};
use crate::path::DrivePath;
use crate::plan::{Local, plan_get_dir, plan_get_file};
use crate::transfer::{
    BufferPool, ChunkBudget, ChunkSource, GetSummary, SPARE_BUFFERS, TransferOptions, TreeSource,
    download_file, get_folder,
};
use crate::verify::{VerifiedNode, verify_link_root};
use coffer_api::{B64, Id, LINK_AUTH_SCHEME, MAX_PAGE, NodePage, OpenedLink, TICKET_AUTH_SCHEME};
use coffer_crypto::{LinkPasswordParams, SymmetricKey};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

/// Chunk buffers in flight across one link's downloads (as a drive's).
const CHUNK_BUFFERS: usize = 10;

/// An opened public link: its root node verified, ready to list and download.
///
/// Cheap to clone. Holds the access token (to list folders) but never the secret or password.
#[derive(Clone)]
pub struct PublicLink {
    inner: Arc<Inner>,
}

struct Inner {
    /// Authenticated with the access token.
    api: Api,
    /// The access token (base64url), for the import route, which takes it in a header of its
    /// own beside the importer's bearer token.
    access: Zeroizing<String>,
    link: Id,
    root: VerifiedNode,
    expires_at: Option<i64>,
    budget: ChunkBudget,
}

impl PublicLink {
    /// Opens the link at `url`. A password link needs `password`, else
    /// [`LinkError::PasswordRequired`] (ask the user and call again).
    pub async fn open(url: &LinkUrl, password: Option<&str>) -> Result<PublicLink> {
        let api = Api::new(url.server())?;
        let link = url.id();
        let info = api
            .public_link(link)
            .await
            .map_err(|e| LinkError::from_api(e, None))?;
        if info.id != link {
            return Err(ClientError::Protocol(
                "the server answered for another link".into(),
            ));
        }
        let expires_at = info.expires_at;
        let password_key = match (&info.password, password) {
            (None, _) => None,
            (Some(_), None) => return Err(LinkError::PasswordRequired.into()),
            (Some(params), Some(password)) => Some(password_key(params, password).await?),
        };
        let keys = coffer_crypto::derive_link_keys(&link.0, url.secret(), password_key.as_ref());
        let access = Zeroizing::new(B64::encode(keys.access.as_bytes()));
        let api = api.with_authorization(LINK_AUTH_SCHEME, &access);
        let opened = api
            .open_link(link)
            .await
            .map_err(|e| LinkError::from_api(e, expires_at))?;
        // The root carries the seal's author as the only key its subtree may be signed by.
        let (root, _author) = open_root(link, &keys.link_key, opened)?;
        Ok(PublicLink {
            inner: Arc::new(Inner {
                api,
                access,
                link,
                root,
                expires_at,
                budget: ChunkBudget {
                    buffers: Arc::new(Semaphore::new(CHUNK_BUFFERS)),
                    spare: BufferPool::new(SPARE_BUFFERS),
                },
            }),
        })
    }

    pub fn id(&self) -> Id {
        self.inner.link
    }

    /// The access token (base64url), for [`PublicLink::import`].
    pub(super) fn access_token(&self) -> &str {
        &self.inner.access
    }

    /// When the link expires (Unix milliseconds), if it does.
    pub fn expires_at(&self) -> Option<i64> {
        self.inner.expires_at
    }

    /// The linked file or folder; its path is `/`, its name the owner's.
    pub fn root(&self) -> Entry {
        Entry::of(&self.inner.root)
    }

    /// Facts about the node at `path` inside the link (`/`: the linked node).
    pub async fn stat(&self, path: &DrivePath) -> Result<Entry> {
        Ok(Entry::of(&self.resolve(path).await?))
    }

    /// The entries of the folder at `path` inside the link, sorted by name, or the file itself.
    pub async fn ls(&self, path: &DrivePath) -> Result<Vec<Entry>> {
        let node = self.resolve(path).await?;
        if !node.is_folder() {
            return Ok(vec![Entry::of(&node)]);
        }
        list_entries(self.pages(node.id()), &node)
            .await
            .map_err(|e| self.link_error(e))
    }

    /// Downloads the file or folder at `path` inside the link to `dest` (into it if it is a
    /// directory, as `get` does), a folder with everything in it. Counts one download on the
    /// server, whatever the number of files.
    pub async fn get(
        &self,
        path: &DrivePath,
        dest: &Path,
        opts: &TransferOptions,
    ) -> Result<GetSummary> {
        let node = self.resolve(path).await?;
        let name = (!node.attrs.name.is_empty()).then_some(node.attrs.name.as_str());
        let target = if node.is_folder() {
            plan_get_dir(name, dest, Local::of(dest))?
        } else {
            plan_get_file(name.unwrap_or("download"), dest, Local::of(dest))?
        };
        let ticket = self
            .inner
            .api
            .link_download(self.inner.link)
            .await
            .map_err(|e| self.link_error(e))?;
        let ticket = Zeroizing::new(B64::encode(&ticket.ticket));
        let download = LinkDownload {
            link: self,
            source: ChunkSource::Link {
                api: self
                    .inner
                    .api
                    .with_authorization(TICKET_AUTH_SCHEME, &ticket),
                link: self.inner.link,
            },
        };
        if node.is_folder() {
            return get_folder(&download, node, target, opts)
                .await
                .map_err(|e| self.link_error(e));
        }
        let bytes = node.attrs.size.unwrap_or(0);
        opts.progress.batch_started(1, bytes);
        download
            .fetch_file(&node, &target, opts)
            .await
            .map_err(|e| self.link_error(e))?;
        Ok(GetSummary {
            files: 1,
            bytes,
            folders: 0,
            target,
        })
    }

    /// The node at `path` inside the link, each folder on the way listed and verified.
    pub(super) async fn resolve(&self, path: &DrivePath) -> Result<VerifiedNode> {
        let mut node = self.inner.root.clone();
        for name in path.names() {
            if !node.is_folder() {
                return Err(ClientError::NotAFolder(node.path.to_string()));
            }
            let children = self.children(&node).await?;
            node = children
                .into_iter()
                .find(|child| child.attrs.name == *name)
                .ok_or_else(|| {
                    ClientError::NotFound(
                        node.path
                            .join(name)
                            .map_or_else(|_| name.clone(), |p| p.to_string()),
                    )
                })?;
        }
        Ok(node)
    }

    /// Every child of the verified folder `folder`, verified, sorted by name.
    pub(super) async fn children(&self, folder: &VerifiedNode) -> Result<Vec<VerifiedNode>> {
        list_nodes(self.pages(folder.id()), folder)
            .await
            .map_err(|e| self.link_error(e))
    }

    fn pages(&self, folder: Id) -> LinkPages {
        LinkPages {
            api: self.inner.api.clone(),
            link: self.inner.link,
            folder,
        }
    }

    pub(super) fn link_error(&self, e: ClientError) -> ClientError {
        LinkError::from_api(e, self.inner.expires_at)
    }
}

/// One `get` through a link: every file's chunks fetched with the one ticket it counted.
struct LinkDownload<'a> {
    link: &'a PublicLink,
    source: ChunkSource,
}

impl TreeSource for LinkDownload<'_> {
    async fn children(&self, folder: &VerifiedNode) -> Result<Vec<VerifiedNode>> {
        self.link.children(folder).await
    }

    async fn fetch_file(
        &self,
        node: &VerifiedNode,
        dest: &Path,
        opts: &TransferOptions,
    ) -> Result<()> {
        download_file(node, dest, opts, &self.source, &self.link.inner.budget).await
    }
}

/// The pages of one folder inside the link.
#[derive(Clone)]
struct LinkPages {
    api: Api,
    link: Id,
    folder: Id,
}

impl Pages for LinkPages {
    async fn page(&self, after: Option<Id>) -> Result<NodePage> {
        let params = ChildrenParams {
            limit: Some(MAX_PAGE),
            after: after.map(|a| a.to_string()),
            ..ChildrenParams::default()
        };
        self.api
            .link_children(self.link, self.folder, &params)
            .await
    }
}

/// The password key of §10.2, with the server's parameters checked before any work (a hostile
/// server cannot make this client spend unbounded memory), on a blocking thread.
async fn password_key(params: &coffer_api::LinkPassword, password: &str) -> Result<SymmetricKey> {
    let salt: [u8; 16] = params.salt[..]
        .try_into()
        .map_err(|_| ClientError::Protocol("a link password salt that is not 16 bytes".into()))?;
    let params = LinkPasswordParams {
        salt,
        iterations: params.iterations,
        memory_kib: params.memory_kib,
        parallelism: params.parallelism,
    };
    params.check().map_err(|_| {
        ClientError::Protocol("the link's password parameters are out of bounds".into())
    })?;
    let password = Zeroizing::new(password.to_owned());
    tokio::task::spawn_blocking(move || {
        coffer_crypto::link_password_key(password.as_bytes(), &params)
    })
    .await
    .map_err(|e| ClientError::Protocol(format!("password hashing failed: {e}")))?
    .map_err(|_| ClientError::Protocol("password hashing failed".into()))
}

/// Opens what `POST …/open` answered (pure): the sealed key with the link key and the node id
/// the server names (a link pointed at another node fails here), then the node's record with
/// the author key from the seal. Any failure is an integrity error: the server served
/// something the link's owner did not make.
fn open_root(
    link: Id,
    link_key: &SymmetricKey,
    opened: OpenedLink,
) -> Result<(VerifiedNode, [u8; 32])> {
    if opened.id != link {
        return Err(ClientError::integrity(
            "/",
            "the server opened another link",
        ));
    }
    let (node_key, author) =
        coffer_crypto::open_link_key(link_key, &link.0, &opened.node.id.0, &opened.sealed_key)
            .map_err(|_| {
                ClientError::integrity("/", "the link's sealed key does not open for this node")
            })?;
    let root = verify_link_root(opened.node, node_key, &author)?;
    Ok((root, author))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{as_server_node, new_folder, new_root};
    use crate::verify::verify_root;
    use coffer_crypto::{Identity, LinkSecret};

    struct Fixture {
        identity: Identity,
        docs: VerifiedNode,
        other: VerifiedNode,
    }

    fn fixture() -> Fixture {
        let master = SymmetricKey::from_bytes([1; 32]);
        let identity = Identity::from_seeds([2; 32], [3; 32]);
        let author = identity.signing_public();
        let new = new_root(&master, &identity);
        let authors = crate::authors::Authors::single(author);
        let root = verify_root(as_server_node(&new), &master, new.id, &authors).unwrap();
        let child = |name: &str| {
            let node = as_server_node(&new_folder(&root.as_parent(), name, 1, &identity));
            crate::verify::verify_child(node, &root.as_parent()).unwrap()
        };
        Fixture {
            docs: child("docs"),
            other: child("other"),
            identity,
        }
    }

    const LINK: Id = Id([5; 16]);

    fn link_key() -> SymmetricKey {
        let secret = LinkSecret::from_bytes([6; 32]);
        coffer_crypto::derive_link_keys(&LINK.0, &secret, None).link_key
    }

    fn sealed(node: &VerifiedNode, author: &[u8; 32]) -> B64 {
        B64(coffer_crypto::seal_link_key(
            &link_key(),
            &LINK.0,
            &node.id().0,
            &node.key,
            author,
            [7; 12],
        ))
    }

    fn opened(node: &VerifiedNode, sealed_key: B64) -> OpenedLink {
        OpenedLink {
            id: LINK,
            sealed_key,
            node: node.node.clone(),
        }
    }

    fn reason(e: ClientError) -> String {
        match e {
            ClientError::Integrity { reason, .. } => reason,
            other => panic!("expected an integrity error, got {other}"),
        }
    }

    #[test]
    fn the_owners_link_opens_to_the_linked_folder() {
        let f = fixture();
        let author = f.identity.signing_public();
        let (root, got) =
            open_root(LINK, &link_key(), opened(&f.docs, sealed(&f.docs, &author))).unwrap();
        assert_eq!(got, author);
        assert_eq!(root.id(), f.docs.id());
        assert_eq!(root.attrs.name, "docs");
        assert!(root.path.is_root());
    }

    #[test]
    fn a_server_pointing_the_link_elsewhere_is_refused() {
        let f = fixture();
        let author = f.identity.signing_public();
        // The seal for `docs`, served with the record of `other`.
        let e = open_root(
            LINK,
            &link_key(),
            opened(&f.other, sealed(&f.docs, &author)),
        )
        .unwrap_err();
        assert_eq!(
            reason(e),
            "the link's sealed key does not open for this node"
        );
        // Another link's id.
        let mut answer = opened(&f.docs, sealed(&f.docs, &author));
        answer.id = Id([9; 16]);
        assert!(open_root(LINK, &link_key(), answer).is_err());
    }

    #[test]
    fn records_signed_by_another_key_are_refused() {
        let f = fixture();
        let author = f.identity.signing_public();
        // A record re-signed by a stranger, whose key the server claims in the record.
        let stranger = Identity::from_seeds([8; 32], [9; 32]);
        let parent = crate::verify::ParentRef {
            id: f.docs.node.parent_id.unwrap(),
            key: SymmetricKey::from_bytes([0; 32]),
            path: DrivePath::root(),
            authors: f.docs.authors.clone(),
        };
        let forged = as_server_node(&new_folder(&parent, "docs", 1, &stranger));
        let forged_node = VerifiedNode {
            node: forged,
            key: f.docs.key.clone(),
            attrs: f.docs.attrs.clone(),
            path: DrivePath::root(),
            authors: f.docs.authors.clone(),
        };
        let e = open_root(
            LINK,
            &link_key(),
            opened(&forged_node, sealed(&forged_node, &author)),
        )
        .unwrap_err();
        assert_eq!(reason(e), "signed by a key that is not the link's author");
        // A tampered signature under the right author.
        let mut answer = opened(&f.docs, sealed(&f.docs, &author));
        answer.node.signature.0[3] ^= 1;
        let e = open_root(LINK, &link_key(), answer).unwrap_err();
        assert_eq!(reason(e), "the signature does not verify");
        // A seal naming the stranger as author, over the owner's record.
        let e = open_root(
            LINK,
            &link_key(),
            opened(&f.docs, sealed(&f.docs, &stranger.signing_public())),
        )
        .unwrap_err();
        assert_eq!(reason(e), "signed by a key that is not the link's author");
    }

    #[test]
    fn a_wrong_link_key_is_refused() {
        let f = fixture();
        let author = f.identity.signing_public();
        let wrong = SymmetricKey::from_bytes([4; 32]);
        let e = open_root(LINK, &wrong, opened(&f.docs, sealed(&f.docs, &author))).unwrap_err();
        assert_eq!(
            reason(e),
            "the link's sealed key does not open for this node"
        );
    }
}
