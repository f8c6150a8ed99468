//! The routes of public links (PROTOCOL.md §10): the owner's (bearer token) and the
//! recipient's (`CofferLink` access token, `CofferTicket` download ticket, set on the [`Api`]
//! with [`Api::with_authorization`]). No request here ever carries the link secret.

use super::{Api, ChildrenParams, Idempotence, routes::query_string};
use crate::error::Result;
use coffer_api as api;
use coffer_api::Id;
use reqwest::Method;

const NO_BODY: Option<&()> = None;

impl Api {
    // ---------- owner ----------

    pub(crate) async fn create_link(&self, body: &api::NewLink) -> Result<api::Link> {
        // The id is the client's: a lost answer retried meets `id_exists`, never a second link.
        self.json(Method::POST, "/links".into(), Some(body), Idempotence::Once)
            .await
    }

    pub(crate) async fn links(&self) -> Result<api::LinkList> {
        self.json(
            Method::GET,
            "/links".into(),
            NO_BODY,
            Idempotence::Idempotent,
        )
        .await
    }

    pub(crate) async fn revoke_link(&self, id: Id) -> Result<()> {
        self.empty(
            Method::DELETE,
            format!("/links/{id}"),
            Idempotence::Idempotent,
        )
        .await
    }

    /// Files an abuse report (no credential). Not retried: a lost answer would file it twice.
    pub(crate) async fn report_abuse(
        &self,
        body: &api::NewAbuseReport,
    ) -> Result<api::AbuseReportReceipt> {
        self.json(Method::POST, "/abuse".into(), Some(body), Idempotence::Once)
            .await
    }

    // ---------- recipient ----------

    /// What anyone may learn of a link: its password parameters and expiry (no credential).
    pub(crate) async fn public_link(&self, id: Id) -> Result<api::PublicLinkInfo> {
        self.json(
            Method::GET,
            format!("/public/links/{id}"),
            NO_BODY,
            Idempotence::Idempotent,
        )
        .await
    }

    /// The sealed key and the linked node (access token). Not retried on a temporary error:
    /// a `rate_limited` answer must reach the user at once.
    pub(crate) async fn open_link(&self, id: Id) -> Result<api::OpenedLink> {
        self.json(
            Method::POST,
            format!("/public/links/{id}/open"),
            NO_BODY,
            Idempotence::Once,
        )
        .await
    }

    /// A page of children of `node` inside the linked subtree (access token).
    pub(crate) async fn link_children(
        &self,
        id: Id,
        node: Id,
        params: &ChildrenParams,
    ) -> Result<api::NodePage> {
        let path = format!(
            "/public/links/{id}/nodes/{node}/children{}",
            query_string(params)
        );
        self.json(Method::GET, path, NO_BODY, Idempotence::Idempotent)
            .await
    }

    /// Counts one download and returns its ticket (access token). Never retried after an
    /// ambiguous failure: a second count could use up a limited link.
    pub(crate) async fn link_download(&self, id: Id) -> Result<api::DownloadTicket> {
        self.json(
            Method::POST,
            format!("/public/links/{id}/downloads"),
            NO_BODY,
            Idempotence::Once,
        )
        .await
    }

    /// Imports a file of the link into the caller's drive (PROTOCOL.md §10.5): this `Api`
    /// carries the importer's bearer token, `access` the link's access token (base64url), sent
    /// in `x-coffer-link-access`. Sent once: the ids are the client's, so a lost answer retried
    /// by hand meets `id_exists`, never a second node or a second count.
    pub(crate) async fn import_link_file(
        &self,
        id: Id,
        access: &str,
        body: &api::ImportFile,
    ) -> Result<api::Node> {
        let json = super::encode_json(Some(body))?;
        let access = super::sensitive(access)?;
        let build = |r: reqwest::RequestBuilder| {
            super::with_json(r, &json).header(api::LINK_ACCESS_HEADER, access.clone())
        };
        let (_, bytes) = self
            .execute(super::Call {
                method: Method::POST,
                path: format!("/links/{id}/import"),
                idempotence: Idempotence::Once,
                build: &build,
                max_body: super::MAX_JSON_BODY,
            })
            .await?;
        serde_json::from_slice(&bytes)
            .map_err(|e| crate::error::ClientError::Protocol(format!("malformed JSON answer: {e}")))
    }
}
