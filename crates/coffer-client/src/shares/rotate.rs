//! Key rotation after an unshare (PROTOCOL.md §12.5): every folder of the subtree, parents
//! before children, gets a new random key in one `POST /nodes/{id}/rekey` each.
//!
//! Per folder: its record re-wrapped under its parent's current key with attributes re-sealed
//! under the new key; every child re-wrapped under the new key, with its name tag under it and
//! signed by the owner (so what a former writer signed is the owner's from now on); and the
//! next generation of every remaining grant on the folder, sealing the new key to the same
//! recipient keys. Files keep their keys and content (new versions draw fresh keys anyway).
//! A revision conflict (someone wrote meanwhile) re-reads the folder and tries again. Repeating
//! a rotation is harmless, which is what makes an interrupted `unshare` resumable.

use super::UnshareReport;
use super::grant::{GrantTerms, make_grant, signed_by};
use crate::drive::Drive;
use crate::error::{ClientError, Result};
use crate::path::DrivePath;
use crate::records::fresh_key;
use crate::transfer::ProgressSink;
use crate::verify::{ParentRef, VerifiedNode, record_of, verify_child, verify_children};
use coffer_api::{B64, ErrorCode, Node, Rekey, RekeyChild, SealedGrant, UpdateNode};
use coffer_crypto::{Identity, SymmetricKey, random_bytes};
use std::collections::HashSet;

/// Attempts per folder when others keep writing into it.
const ATTEMPTS: usize = 5;

impl Drive {
    /// Rotates every folder from the own folder at `path` down, then revokes public links to
    /// the rotated folders.
    pub(crate) async fn rotate_subtree(
        &self,
        path: &DrivePath,
        progress: &dyn ProgressSink,
    ) -> Result<UnshareReport> {
        let parent_path = path.parent().ok_or_else(|| ClientError::InvalidOperation {
            path: "/".into(),
            reason: "the root has no key to rotate",
        })?;
        let parent = self.resolve_folder(&parent_path).await?.as_parent();
        let top = self.resolve_folder(path).await?;
        // Keys of writers removed from this folder: their nodes must still be read to be
        // re-signed. Remembered here, and kept by the server as the grants this account signed
        // (so a rotation resumed on another device knows them too); a grant counts only if its
        // signature is this account's own.
        let state = self.share_state().await?;
        let kept = (state.list.former_writers.iter())
            .filter(|g| g.folder_id == top.id() && signed_by(g, self.author()))
            .map(|g| g.recipient_signing_public.clone());
        let remembered = (self.inner.contacts.snapshot().rotations)
            .get(&top.id())
            .cloned()
            .unwrap_or_default();
        let former: Vec<[u8; 32]> = remembered
            .into_iter()
            .chain(kept)
            .filter_map(|k| k[..].try_into().ok())
            .collect();
        let mut report = UnshareReport::default();
        let mut rotated = HashSet::new();
        let mut stack = vec![(top, parent)];
        while let Some((folder, parent)) = stack.pop() {
            let (folder, children) = self.rotate_folder(folder, &parent, &former).await?;
            report.folders_rotated += 1;
            rotated.insert(folder.id());
            progress.folder_rekeyed(&folder.path.to_string());
            let me = folder.as_parent();
            stack.extend(
                children
                    .into_iter()
                    .filter(VerifiedNode::is_folder)
                    .map(|child| (child, me.clone())),
            );
        }
        for link in self.links().await? {
            if rotated.contains(&link.node_id) && link.revoked_at.is_none() {
                self.revoke_link(link.id).await?;
                report.links_revoked.push(link.id);
            }
        }
        self.forget_shares();
        Ok(report)
    }

    /// Gives `folder` (a child of `parent`) a new key; returns it and its children as stored
    /// after the rotation, verified.
    async fn rotate_folder(
        &self,
        mut folder: VerifiedNode,
        parent: &ParentRef,
        former: &[[u8; 32]],
    ) -> Result<(VerifiedNode, Vec<VerifiedNode>)> {
        let identity = &self.session().identity;
        for _ in 0..ATTEMPTS {
            let mut reader = folder.clone();
            reader.authors = reader.authors.also(former);
            let children = self.list_folder(&reader).await?;
            let key = fresh_key();
            let grants = self.rotated_grants(&folder, &key).await?;
            let body = Rekey {
                folder: rekeyed_folder(&folder, parent, &key, identity),
                children: (children.iter())
                    .map(|c| rekeyed_child(c, folder.id(), &key, identity))
                    .collect(),
                grants,
            };
            match self.api().rekey(folder.id(), &body).await {
                Ok(done) => {
                    let new = verify_child(done.folder, parent)?;
                    let children = verify_children(done.children, &new.as_parent())?;
                    return Ok((new, children));
                }
                Err(e) if e.api_code() == Some(ErrorCode::RevisionConflict) => {
                    // Someone wrote meanwhile: read the folder (and the shares) again.
                    self.forget_shares();
                    let node = self.api().node(folder.id()).await?;
                    folder = verify_child(node, parent)?;
                }
                Err(e) => return Err(e),
            }
        }
        Err(ClientError::Conflict(folder.path.to_string()))
    }

    /// The next generation of every remaining grant on `folder`, sealing `key` to the same
    /// recipient keys.
    async fn rotated_grants(
        &self,
        folder: &VerifiedNode,
        key: &SymmetricKey,
    ) -> Result<Vec<SealedGrant>> {
        let state = self.share_state().await?;
        let identity = &self.session().identity;
        let mut grants = Vec::new();
        for share in &state.list.outgoing {
            let g = &share.grant;
            if g.folder_id != folder.id() || !signed_by(g, self.author()) {
                continue;
            }
            let broken = || ClientError::integrity(folder.path.to_string(), "a malformed grant");
            let terms = GrantTerms {
                share_id: share.id,
                folder_id: folder.id(),
                recipient_signing: g.recipient_signing_public[..]
                    .try_into()
                    .map_err(|_| broken())?,
                recipient_agreement: g.recipient_agreement_public[..]
                    .try_into()
                    .map_err(|_| broken())?,
                permission: g.permission,
                generation: g.generation + 1,
            };
            grants.push(make_grant(&terms, key, identity).map_err(|_| broken())?);
        }
        Ok(grants)
    }
}

/// `folder`'s record under its new `key`: wrapped under the parent's current key, name tag
/// under it, the same attributes sealed under the new key, signed by `identity`.
fn rekeyed_folder(
    folder: &VerifiedNode,
    parent: &ParentRef,
    key: &SymmetricKey,
    identity: &Identity,
) -> UpdateNode {
    let id = folder.id();
    let mut draft: Node = folder.node.clone();
    draft.parent_id = Some(parent.id);
    draft.name_tag = B64(coffer_crypto::name_tag(&parent.key, &folder.attrs.name).to_vec());
    draft.wrapped_key = B64(coffer_crypto::wrap_node_key(
        &parent.key,
        &id.0,
        &parent.id.0,
        key,
        random_bytes(),
    ));
    draft.encrypted_attributes = B64(coffer_crypto::seal_attributes(
        key,
        &id.0,
        &folder.attrs,
        random_bytes(),
    ));
    draft.author_key = B64(identity.signing_public().to_vec());
    let signature = sign(&draft, parent.id, identity);
    UpdateNode {
        parent_id: parent.id,
        name_tag: draft.name_tag,
        wrapped_key: draft.wrapped_key,
        encrypted_attributes: draft.encrypted_attributes,
        author_key: draft.author_key,
        signature,
        base_revision: folder.node.revision,
    }
}

/// `child`'s record re-wrapped under its folder's new `key`, attributes and content unchanged,
/// signed by `identity`.
fn rekeyed_child(
    child: &VerifiedNode,
    folder: coffer_api::Id,
    key: &SymmetricKey,
    identity: &Identity,
) -> RekeyChild {
    let id = child.id();
    let mut draft: Node = child.node.clone();
    draft.name_tag = B64(coffer_crypto::name_tag(key, &child.attrs.name).to_vec());
    draft.wrapped_key = B64(coffer_crypto::wrap_node_key(
        key,
        &id.0,
        &folder.0,
        &child.key,
        random_bytes(),
    ));
    draft.author_key = B64(identity.signing_public().to_vec());
    let signature = sign(&draft, folder, identity);
    RekeyChild {
        id,
        name_tag: draft.name_tag,
        wrapped_key: draft.wrapped_key,
        author_key: draft.author_key,
        signature,
        base_revision: child.node.revision,
    }
}

fn sign(draft: &Node, parent: coffer_api::Id, identity: &Identity) -> B64 {
    let record = record_of(draft, parent).expect(
        "invariant: a verified node's kind and content agree and its fields have their lengths",
    );
    B64(record.sign(identity.signing_key()).to_vec())
}
