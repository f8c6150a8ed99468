//! Folders shared with this account, as paths: `/shared/<owner email>/<folder name>/…`.
//!
//! `/shared` lists the owners, `/shared/<email>` that owner's folders by their decrypted names.
//! Two folders of one owner with the same name are told apart by order of share id: the first
//! keeps its name, the next is `name (2)`, then `name (3)`… (stable while the shares last).
//!
//! A share root is read like a public link's root (PROTOCOL.md §10.4, §12.3): the grant must be
//! signed by the owner's pinned key (pinned now if the owner has no pin and the server's lookup
//! names the grant's key), addressed to this account's keys, and not older than a generation
//! already seen; the folder's record must be signed by the owner and open under the grant's
//! key. Its subtree trusts the owner and the write grants the owner signed (`/writers`).

use crate::authors::Authors;
use crate::contacts::normalize_email;
use crate::drive::Drive;
use crate::entry::Entry;
use crate::error::{ClientError, Result};
use crate::path::DrivePath;
use crate::shares::grant::{open_grant, write_grants};
use crate::verify::{VerifiedNode, verify_granted_root};
use coffer_api::{ErrorCode, Share};
use std::collections::{BTreeMap, HashMap};

/// The reserved top-level name.
pub(crate) const SHARED: &str = "shared";

/// Where a path under `/shared` points.
pub(crate) enum SharedPath {
    /// `/shared`
    Top,
    /// `/shared/<email>`
    Owner(String),
    /// `/shared/<email>/<name>` or below; `base` is the share root's path.
    Inside { owner: String, base: DrivePath },
}

impl SharedPath {
    pub fn of(path: &DrivePath) -> Option<SharedPath> {
        let names = path.names();
        if names.first().map(String::as_str) != Some(SHARED) {
            return None;
        }
        Some(match names.len() {
            1 => SharedPath::Top,
            2 => SharedPath::Owner(names[1].clone()),
            _ => SharedPath::Inside {
                owner: names[1].clone(),
                base: DrivePath::root()
                    .join(SHARED)
                    .and_then(|p| p.join(&names[1]))
                    .and_then(|p| p.join(&names[2]))
                    .ok()?,
            },
        })
    }
}

/// One incoming share, opened and verified.
pub(crate) struct OpenedShare {
    pub share: Share,
    pub root: VerifiedNode,
}

/// The error for a change to `/shared` or `/shared/<email>` themselves.
pub(crate) fn not_a_folder(path: &DrivePath) -> ClientError {
    ClientError::InvalidOperation {
        path: path.to_string(),
        reason: "lists folders others share with you and cannot be changed",
    }
}

/// `name`, `name (2)`, `name (3)`… for repeated names, in the order given.
fn distinct_names(names: Vec<String>) -> Vec<String> {
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut taken: std::collections::HashSet<String> = names.iter().cloned().collect();
    names
        .into_iter()
        .map(|name| {
            let count = seen.entry(name.clone()).or_insert(0);
            *count += 1;
            if *count == 1 {
                return name;
            }
            loop {
                let candidate = format!("{name} ({count})");
                if taken.insert(candidate.clone()) {
                    return candidate;
                }
                *count += 1;
            }
        })
        .collect()
}

impl Drive {
    /// `lookup` for a path under `/shared`.
    pub(crate) async fn lookup_shared(
        &self,
        path: &DrivePath,
        shared: SharedPath,
    ) -> Result<Option<VerifiedNode>> {
        let SharedPath::Inside { owner, base } = shared else {
            return Err(not_a_folder(path));
        };
        let cached = path
            .parent()
            .and_then(|parent| self.inner.folders.deepest(&parent))
            .filter(|folder| folder.path.starts_with(&base) && folder.path != base);
        if let Some(start) = cached {
            match self.walk(start, path).await {
                Err(_) => self.inner.folders.clear(),
                done => return done,
            }
        }
        let Some(root) = self.share_root(&owner, &base).await? else {
            return if *path == base {
                Ok(None)
            } else {
                Err(ClientError::NotFound(base.to_string()))
            };
        };
        self.inner.folders.remember(&root);
        self.walk(root, path).await
    }

    /// The root of the share at `base` (`/shared/<email>/<name>`), if there is one.
    pub(crate) async fn share_root(
        &self,
        owner: &str,
        base: &DrivePath,
    ) -> Result<Option<VerifiedNode>> {
        Ok((self.incoming_from(owner).await?.into_iter())
            .find(|s| s.root.path == *base)
            .map(|s| s.root))
    }

    /// The owners of the incoming shares, by email (as the server names them).
    pub(crate) async fn incoming_owners(&self) -> Result<Vec<String>> {
        let state = self.share_state().await?;
        let mut owners: Vec<String> = (state.list.incoming.iter())
            .map(|s| normalize_email(&s.owner_email))
            .collect();
        owners.sort();
        owners.dedup();
        Ok(owners)
    }

    /// Every share `owner` (an email) gives this account, opened, verified and named as in
    /// `/shared/<owner>/`, sorted by name.
    pub(crate) async fn incoming_from(&self, owner: &str) -> Result<Vec<OpenedShare>> {
        let owner = normalize_email(owner);
        let state = self.share_state().await?;
        let mut shares: Vec<Share> = (state.list.incoming.iter())
            .filter(|s| normalize_email(&s.owner_email) == owner)
            .cloned()
            .collect();
        shares.sort_by_key(|s| s.id);
        let mut opened = Vec::with_capacity(shares.len());
        for share in shares {
            let root = self.open_incoming(&owner, &share).await?;
            opened.push(OpenedShare { share, root });
        }
        let names = distinct_names(opened.iter().map(|s| s.root.attrs.name.clone()).collect());
        let owner_path = DrivePath::root().join(SHARED)?.join(&owner)?;
        let mut named = BTreeMap::new();
        for (mut s, name) in opened.into_iter().zip(names) {
            // A name made longer than a name may be by its suffix is skipped, not fatal.
            if let Ok(path) = owner_path.join(&name) {
                s.root.path = path;
                named.insert(name, s);
            }
        }
        Ok(named.into_values().collect())
    }

    /// The entries of `/shared` or `/shared/<email>` (virtual folders).
    pub(crate) async fn ls_shared(&self, path: &DrivePath) -> Result<Option<Vec<Entry>>> {
        match SharedPath::of(path) {
            Some(SharedPath::Top) => {
                let mut out = Vec::new();
                for owner in self.incoming_owners().await? {
                    if let Ok(p) = path.join(&owner) {
                        out.push(Entry::virtual_folder(p));
                    }
                }
                Ok(Some(out))
            }
            Some(SharedPath::Owner(owner)) => Ok(Some(
                (self.incoming_from(&owner).await?.iter())
                    .map(|s| Entry::of(&s.root))
                    .collect(),
            )),
            _ => Ok(None),
        }
    }

    /// Opens `share` from `owner` and verifies its folder (placed at a provisional path).
    async fn open_incoming(&self, owner: &str, share: &Share) -> Result<VerifiedNode> {
        let label = format!("/{SHARED}/{owner}");
        let fail = |why: &str| ClientError::integrity(label.clone(), why.to_owned());
        let owner_key = self
            .owner_key(owner, &share.grant.owner_signing_public)
            .await?;
        let grant = &share.grant;
        if grant.share_id != share.id || grant.folder_id != share.folder_id {
            return Err(fail("the server routed a grant to another share or folder"));
        }
        let key = open_grant(grant, &owner_key, &self.session().identity).map_err(fail)?;
        let seen = (self.inner.contacts.snapshot().generations)
            .get(&share.id)
            .copied()
            .unwrap_or(0);
        if grant.generation < seen {
            return Err(fail(&format!(
                "the server offered an older grant (generation {}, already saw {seen})",
                grant.generation
            )));
        }
        if grant.generation > seen {
            self.inner
                .contacts
                .update(|b| b.generations.insert(share.id, grant.generation))?;
        }
        let (node, writers) = tokio::try_join!(
            self.api().node(grant.folder_id),
            self.api().share_writers(share.id)
        )?;
        if node.id != grant.folder_id {
            return Err(fail(
                "the server answered with another folder than the grant's",
            ));
        }
        let mut grants = write_grants(&writers.grants, &owner_key);
        if grant.permission == coffer_api::SharePermission::Write {
            // Our own grant, verified above, whether or not the server lists it.
            let me = self.session().identity.signing_public();
            let keys = grants.entry(grant.folder_id).or_default();
            if !keys.contains(&me) {
                keys.push(me);
            }
        }
        let authors = Authors::with_grants(owner_key, grants);
        let provisional = DrivePath::root().join(SHARED)?.join(owner)?;
        verify_granted_root(node, key, &owner_key, provisional, &authors)
    }

    /// The pinned signing key of `owner`; pinned now from a lookup if there is no pin and the
    /// lookup names `claimed` (the grant's key). A changed key is refused until confirmed.
    async fn owner_key(&self, owner: &str, claimed: &[u8]) -> Result<[u8; 32]> {
        let pin = match self.pinned(owner) {
            Some(pin) => pin,
            None => self.refresh_contact(owner).await.map_err(|e| match e {
                ClientError::UnknownAccount(_) => ClientError::integrity(
                    format!("/{SHARED}/{owner}"),
                    "the server names a share owner it cannot look up",
                ),
                other => other,
            })?,
        };
        if pin.changed.is_some() {
            return Err(ClientError::KeyChanged {
                email: owner.to_owned(),
            });
        }
        let key = pin.keys.signing().ok_or_else(|| {
            ClientError::integrity(owner.to_owned(), "a pinned key has the wrong length")
        })?;
        if key[..] != *claimed {
            return Err(ClientError::KeyChanged {
                email: owner.to_owned(),
            });
        }
        Ok(key)
    }

    /// Leaves the incoming share whose root is at `path`.
    pub(crate) async fn leave_share(&self, owner: &str, base: &DrivePath) -> Result<()> {
        let share = (self.incoming_from(owner).await?.into_iter())
            .find(|s| s.root.path == *base)
            .ok_or_else(|| ClientError::NotFound(base.to_string()))?;
        self.api()
            .delete_share(share.share.id)
            .await
            .map_err(|e| match e.api_code() {
                Some(ErrorCode::NotFound) => ClientError::NotFound(base.to_string()),
                _ => e,
            })?;
        self.forget_shares();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_get_numbers_in_order() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            distinct_names(names(&["a", "b", "a", "a"])),
            names(&["a", "b", "a (2)", "a (3)"])
        );
        // A real folder already called "a (2)" keeps its name; the duplicate moves on.
        assert_eq!(
            distinct_names(names(&["a", "a (2)", "a"])),
            names(&["a", "a (2)", "a (3)"])
        );
    }

    #[test]
    fn shared_paths() {
        let p = |s: &str| DrivePath::parse(s).unwrap();
        assert!(SharedPath::of(&p("/docs/shared")).is_none());
        assert!(matches!(
            SharedPath::of(&p("/shared")),
            Some(SharedPath::Top)
        ));
        assert!(
            matches!(SharedPath::of(&p("/shared/a@b")), Some(SharedPath::Owner(o)) if o == "a@b")
        );
        match SharedPath::of(&p("/shared/a@b/docs/x/y")) {
            Some(SharedPath::Inside { owner, base }) => {
                assert_eq!(owner, "a@b");
                assert_eq!(base.to_string(), "/shared/a@b/docs");
            }
            _ => panic!("inside"),
        }
    }
}
