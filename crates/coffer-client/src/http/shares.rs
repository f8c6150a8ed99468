//! The routes of sharing (PROTOCOL.md §12): key lookup, grants, writers, key rotation. The
//! server's answers here are routing, never trust: every grant is checked by the caller.

use super::{Api, Idempotence};
use crate::error::Result;
use coffer_api as api;
use coffer_api::Id;
use reqwest::Method;

const NO_BODY: Option<&()> = None;

impl Api {
    /// Another account's public keys, as the server claims them.
    pub(crate) async fn lookup_account(&self, email: &str) -> Result<api::PublicIdentity> {
        let path = format!(
            "/accounts/lookup?email={}",
            super::routes::url_encode(email)
        );
        self.json(Method::GET, path, NO_BODY, Idempotence::Idempotent)
            .await
    }

    pub(crate) async fn create_share(&self, body: &api::NewShare) -> Result<api::Share> {
        // The share id is the client's: a retried request meets a conflict, never a second one.
        self.json(
            Method::POST,
            "/shares".into(),
            Some(body),
            Idempotence::Once,
        )
        .await
    }

    pub(crate) async fn shares(&self) -> Result<api::ShareList> {
        self.json(
            Method::GET,
            "/shares".into(),
            NO_BODY,
            Idempotence::Idempotent,
        )
        .await
    }

    pub(crate) async fn update_share(&self, id: Id, body: &api::UpdateShare) -> Result<api::Share> {
        self.json(
            Method::PUT,
            format!("/shares/{id}"),
            Some(body),
            Idempotence::Once,
        )
        .await
    }

    /// Revokes a share (its owner) or leaves it (its recipient).
    pub(crate) async fn delete_share(&self, id: Id) -> Result<()> {
        self.empty(
            Method::DELETE,
            format!("/shares/{id}"),
            Idempotence::Idempotent,
        )
        .await
    }

    pub(crate) async fn share_writers(&self, id: Id) -> Result<api::ShareWriters> {
        self.json(
            Method::GET,
            format!("/shares/{id}/writers"),
            NO_BODY,
            Idempotence::Idempotent,
        )
        .await
    }

    pub(crate) async fn rekey(&self, folder: Id, body: &api::Rekey) -> Result<api::RekeyDone> {
        self.json(
            Method::POST,
            format!("/nodes/{folder}/rekey"),
            Some(body),
            Idempotence::Once,
        )
        .await
    }

    /// Marks the rotation below `folder` finished.
    pub(crate) async fn clear_rekey(&self, folder: Id) -> Result<()> {
        self.empty(
            Method::DELETE,
            format!("/rekeys/{folder}"),
            Idempotence::Idempotent,
        )
        .await
    }
}
