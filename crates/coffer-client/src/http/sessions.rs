//! The routes of the account's sessions and second factor. None is retried after a broken
//! connection but the reads and revocations (a TOTP code must not be sent twice).

use super::{Api, Call, Idempotence, MAX_PROBLEM_BODY, encode_json, with_json};
use crate::error::Result;
use coffer_api as api;
use coffer_api::Id;
use reqwest::{Method, RequestBuilder};

const NO_BODY: Option<&()> = None;

impl Api {
    pub(crate) async fn sessions(&self) -> Result<api::SessionList> {
        self.json(
            Method::GET,
            "/sessions".into(),
            NO_BODY,
            Idempotence::Idempotent,
        )
        .await
    }

    pub(crate) async fn revoke_session(&self, id: Id) -> Result<()> {
        self.empty(
            Method::DELETE,
            format!("/sessions/{id}"),
            Idempotence::Idempotent,
        )
        .await
    }

    pub(crate) async fn revoke_other_sessions(&self) -> Result<api::RevokedSessions> {
        self.json(
            Method::POST,
            "/sessions/revoke-others".into(),
            NO_BODY,
            Idempotence::Idempotent,
        )
        .await
    }

    pub(crate) async fn second_factor_status(&self) -> Result<api::SecondFactorStatus> {
        self.json(Method::GET, "/2fa".into(), NO_BODY, Idempotence::Idempotent)
            .await
    }

    pub(crate) async fn second_factor_setup(&self) -> Result<api::TotpSetup> {
        self.json(
            Method::POST,
            "/2fa/setup".into(),
            NO_BODY,
            Idempotence::Once,
        )
        .await
    }

    pub(crate) async fn second_factor_enable(&self, code: &api::TotpCode) -> Result<()> {
        self.empty_with_body(Method::POST, "/2fa/enable".into(), code)
            .await
    }

    pub(crate) async fn second_factor_disable(&self, code: &api::TotpCode) -> Result<()> {
        self.empty_with_body(Method::DELETE, "/2fa".into(), code)
            .await
    }

    /// A JSON request whose success answer has no body (204), sent once.
    async fn empty_with_body(
        &self,
        method: Method,
        path: String,
        body: &(impl serde::Serialize + Sync),
    ) -> Result<()> {
        let body = encode_json(Some(body))?;
        let build = |r: RequestBuilder| with_json(r, &body);
        self.execute(Call {
            method,
            path,
            idempotence: Idempotence::Once,
            build: &build,
            max_body: MAX_PROBLEM_BODY,
        })
        .await
        .map(drop)
    }
}
