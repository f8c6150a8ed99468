//! Sharing folders with other accounts (PROTOCOL.md §12): `share`, `shares`, `unshare`.
//!
//! A grant seals the folder's key to the recipient's **pinned** keys (never keys the server
//! just named) and is signed with the account's key. Unsharing deletes the grant (the server
//! stops serving at once) and then rotates the key of every folder in the subtree (`rotate`),
//! so that what the former member saw no longer opens what is written next, and nodes a former
//! writer signed are re-signed by the owner. Incoming shares appear under `/shared` (`incoming`).

mod grant;
mod incoming;
mod rotate;
mod state;

pub(crate) use incoming::{SHARED, SharedPath, not_a_folder};
pub(crate) use state::ShareCache;

use crate::contacts::{ContactStatus, contact_of, normalize_email};
use crate::drive::Drive;
use crate::error::{ClientError, Result};
use crate::path::DrivePath;
use crate::records::fresh_id;
use crate::transfer::{NoProgress, ProgressSink};
use crate::verify::{VerifiedNode, verify_child};
use coffer_api::{ErrorCode, Id, NewShare, Share, SharePermission, UpdateShare};
use grant::{GrantTerms, make_grant, signed_by};

/// How strict `share` is about the recipient's keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShareOptions {
    /// Refuse a contact whose fingerprint was never confirmed (not only a changed one).
    pub strict: bool,
}

/// A folder this account shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingShare {
    pub path: String,
    /// The recipient's email as the server names it.
    pub email: String,
    pub permission: SharePermission,
    pub share_id: Id,
}

/// A folder shared with this account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingShare {
    /// `/shared/<owner>/<name>` (just `/shared/<owner>` when it cannot be opened).
    pub path: String,
    pub owner: String,
    pub permission: SharePermission,
    /// How far the owner's pinned key is trusted (`None`: not pinned).
    pub owner_status: Option<ContactStatus>,
    /// Why the share cannot be opened (a changed key, a grant that does not verify).
    pub refused: Option<String>,
}

/// `shares`: what this account shares, what is shared with it, and unfinished rotations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharesView {
    pub outgoing: Vec<OutgoingShare>,
    pub incoming: Vec<IncomingShare>,
    /// Paths of folders whose key rotation after an unshare has not finished: run `unshare`
    /// on them again.
    pub pending: Vec<String>,
}

/// What `unshare` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnshareReport {
    /// Folders that got a new key.
    pub folders_rotated: u64,
    /// Public links to rotated folders, revoked (their sealed key was the old one).
    pub links_revoked: Vec<Id>,
}

impl Drive {
    /// Shares the own folder at `path` with `email`. Pins the contact on first use; refuses a
    /// contact whose key changed (and, with `strict`, one never verified). Sharing again with
    /// another permission issues the next generation of the grant; a write → read downgrade
    /// is an unshare (rotating keys, so the former writer's key stops being trusted) and a new
    /// share.
    pub async fn share(
        &self,
        path: &str,
        email: &str,
        permission: SharePermission,
        options: ShareOptions,
    ) -> Result<OutgoingShare> {
        let path = DrivePath::parse(path)?;
        let folder = self.own_folder(&path).await?;
        let email = normalize_email(email);
        if email == normalize_email(&self.session().email) {
            return Err(ClientError::InvalidOperation {
                path: path.to_string(),
                reason: "you cannot share with yourself",
            });
        }
        let pin = self.refresh_contact(&email).await?;
        if pin.changed.is_some() {
            return Err(ClientError::KeyChanged { email });
        }
        if options.strict && !pin.verified {
            return Err(ClientError::Unverified { email });
        }
        let broken = || ClientError::integrity(email.clone(), "a pinned key has the wrong length");
        let signing = pin.keys.signing().ok_or_else(broken)?;
        let agreement = pin.keys.agreement().ok_or_else(broken)?;

        self.forget_shares();
        let state = self.share_state().await?;
        let existing = (state.list.outgoing.iter())
            .find(|s| {
                s.grant.folder_id == folder.id()
                    && s.recipient_id == pin.keys.account_id
                    && signed_by(&s.grant, self.author())
            })
            .cloned();
        let same_keys = |s: &Share| {
            s.grant.recipient_signing_public[..] == signing[..]
                && s.grant.recipient_agreement_public[..] == agreement[..]
        };
        let share = match existing {
            Some(s) if s.grant.permission == permission && same_keys(&s) => s,
            Some(s)
                if s.grant.permission == SharePermission::Write
                    && permission == SharePermission::Read =>
            {
                self.unshare(&path.to_string(), Some(&email), &NoProgress)
                    .await?;
                let folder = self.own_folder(&path).await?;
                self.create_share(&folder, pin.keys.account_id, signing, agreement, permission)
                    .await?
            }
            Some(s) => {
                let terms = GrantTerms {
                    share_id: s.id,
                    folder_id: folder.id(),
                    recipient_signing: signing,
                    recipient_agreement: agreement,
                    permission,
                    generation: s.grant.generation + 1,
                };
                let grant = self.seal(&terms, &folder)?;
                self.api()
                    .update_share(s.id, &UpdateShare { grant })
                    .await?
            }
            None => {
                self.create_share(&folder, pin.keys.account_id, signing, agreement, permission)
                    .await?
            }
        };
        self.forget_shares();
        Ok(OutgoingShare {
            path: path.to_string(),
            email: share.recipient_email,
            permission: share.grant.permission,
            share_id: share.id,
        })
    }

    async fn create_share(
        &self,
        folder: &VerifiedNode,
        recipient_id: Id,
        signing: [u8; 32],
        agreement: [u8; 32],
        permission: SharePermission,
    ) -> Result<Share> {
        let terms = GrantTerms {
            share_id: fresh_id(),
            folder_id: folder.id(),
            recipient_signing: signing,
            recipient_agreement: agreement,
            permission,
            generation: 1,
        };
        let grant = self.seal(&terms, folder)?;
        self.api()
            .create_share(&NewShare {
                recipient_id,
                grant,
            })
            .await
    }

    fn seal(&self, terms: &GrantTerms, folder: &VerifiedNode) -> Result<coffer_api::SealedGrant> {
        make_grant(terms, &folder.key, &self.session().identity).map_err(|_| {
            ClientError::integrity(
                folder.path.to_string(),
                "the recipient's pinned agreement key is unusable",
            )
        })
    }

    /// The own folder at `path` (not the root, not under `/shared`).
    async fn own_folder(&self, path: &DrivePath) -> Result<VerifiedNode> {
        match SharedPath::of(path) {
            Some(SharedPath::Inside { owner, .. }) => {
                return Err(ClientError::NotOwner {
                    path: path.to_string(),
                    owner,
                });
            }
            Some(_) => return Err(not_a_folder(path)),
            None => {}
        }
        if path.is_root() {
            return Err(ClientError::InvalidOperation {
                path: "/".into(),
                reason: "the root cannot be shared; share a folder in it",
            });
        }
        self.resolve_folder(path).await
    }

    /// What this account shares, what is shared with it, and unfinished rotations.
    pub async fn shares(&self) -> Result<SharesView> {
        self.forget_shares();
        let state = self.share_state().await?;
        let mut view = SharesView::default();
        for s in &state.list.outgoing {
            view.outgoing.push(OutgoingShare {
                path: self.path_label(s.grant.folder_id).await?,
                email: s.recipient_email.clone(),
                permission: s.grant.permission,
                share_id: s.id,
            });
        }
        view.outgoing
            .sort_by(|a, b| (&a.path, &a.email).cmp(&(&b.path, &b.email)));
        for owner in self.incoming_owners().await? {
            let owner_status = (self.pinned(&owner))
                .and_then(|pin| contact_of(&owner, &pin).ok())
                .map(|c| c.status);
            match self.incoming_from(&owner).await {
                Ok(opened) => view
                    .incoming
                    .extend(opened.into_iter().map(|s| IncomingShare {
                        path: s.root.path.to_string(),
                        owner: owner.clone(),
                        permission: s.share.grant.permission,
                        owner_status: owner_status.clone(),
                        refused: None,
                    })),
                Err(e) => {
                    for s in (state.list.incoming.iter())
                        .filter(|s| normalize_email(&s.owner_email) == owner)
                    {
                        view.incoming.push(IncomingShare {
                            path: format!("/{SHARED}/{owner}"),
                            owner: owner.clone(),
                            permission: s.grant.permission,
                            owner_status: owner_status.clone(),
                            refused: Some(e.to_string()),
                        });
                    }
                }
            }
        }
        for id in &state.list.pending_rekeys {
            view.pending.push(self.path_label(*id).await?);
        }
        Ok(view)
    }

    /// The verified path of the own node `id`, or `(node <id>)` when it is gone.
    async fn path_label(&self, id: Id) -> Result<String> {
        match self.path_of(id).await {
            Ok(path) => Ok(path.to_string()),
            Err(ClientError::NotFound(_)) => Ok(format!("(node {id})")),
            Err(e) => Err(e),
        }
    }

    /// The path of the own node `id`: its ancestors fetched up to the root, then verified
    /// from the root down.
    pub(crate) async fn path_of(&self, id: Id) -> Result<DrivePath> {
        let root_id = self.session().root_id;
        let mut chain = Vec::new();
        let mut at = id;
        while at != root_id {
            if chain.len() > 1024 {
                return Err(ClientError::Protocol(
                    "a folder chain without a root".into(),
                ));
            }
            let node = self.api().node(at).await.map_err(|e| match e.api_code() {
                Some(ErrorCode::NotFound) => ClientError::NotFound(format!("(node {id})")),
                _ => e,
            })?;
            at = node.parent_id.ok_or_else(|| {
                ClientError::integrity(format!("(node {id})"), "not in this account's drive")
            })?;
            chain.push(node);
        }
        let mut folder = self.root().await?;
        for node in chain.into_iter().rev() {
            folder = verify_child(node, &folder.as_parent())?;
        }
        Ok(folder.path)
    }

    /// Stops sharing the own folder at `path` with `email` (`None`: with everyone), then
    /// rotates the keys of its subtree. On a path under `/shared`, leaves that share instead.
    /// Safe to repeat: a folder whose rotation did not finish is rotated again.
    pub async fn unshare(
        &self,
        path: &str,
        email: Option<&str>,
        progress: &dyn ProgressSink,
    ) -> Result<UnshareReport> {
        let path = DrivePath::parse(path)?;
        match SharedPath::of(&path) {
            Some(SharedPath::Inside { owner, base }) if base == path => {
                self.leave_share(&owner, &base).await?;
                return Ok(UnshareReport::default());
            }
            Some(SharedPath::Inside { .. }) => {
                return Err(ClientError::InvalidOperation {
                    path: path.to_string(),
                    reason: "only the shared folder itself can be left, not a folder in it",
                });
            }
            Some(_) => return Err(not_a_folder(&path)),
            None => {}
        }
        let folder = self.own_folder(&path).await?;
        let email = email.map(normalize_email);
        self.forget_shares();
        let state = self.share_state().await?;
        let targets: Vec<&Share> = (state.list.outgoing.iter())
            .filter(|s| s.grant.folder_id == folder.id())
            .filter(|s| {
                email
                    .as_ref()
                    .is_none_or(|e| normalize_email(&s.recipient_email) == *e)
            })
            .collect();
        let pending = state.list.pending_rekeys.contains(&folder.id());
        if targets.is_empty() && !pending {
            return Err(ClientError::NotShared {
                path: path.to_string(),
                email: email.unwrap_or_else(|| "anyone".into()),
            });
        }
        // Former writers' keys, kept until the rotation re-signs what they wrote.
        let removed: Vec<coffer_api::B64> = (targets.iter())
            .filter(|s| {
                s.grant.permission == SharePermission::Write && signed_by(&s.grant, self.author())
            })
            .map(|s| s.grant.recipient_signing_public.clone())
            .collect();
        self.inner.contacts.update(|b| {
            b.revoked.extend(targets.iter().map(|s| s.id));
            let keys = b.rotations.entry(folder.id()).or_default();
            for key in removed {
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
        })?;
        for share in &targets {
            match self.api().delete_share(share.id).await {
                Err(e) if e.api_code() == Some(ErrorCode::NotFound) => {}
                other => other?,
            }
        }
        self.forget_shares();
        let report = self.rotate_subtree(&path, progress).await?;
        match self.api().clear_rekey(folder.id()).await {
            Err(e) if e.api_code() == Some(ErrorCode::NotFound) => {}
            other => other?,
        }
        self.inner
            .contacts
            .update(|b| b.rotations.remove(&folder.id()))?;
        self.forget_shares();
        Ok(report)
    }
}
