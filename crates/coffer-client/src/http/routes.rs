//! One typed method per route of the API (PROTOCOL.md §9, `docs/openapi.json`).

use super::{Api, Call, Idempotence};
use crate::error::{ClientError, Result};
use bytes::Bytes;
use coffer_api as api;
use coffer_api::{B64, CHUNK_HASH_HEADER, Id};
use reqwest::{Method, RequestBuilder};

/// The query of a children listing.
#[derive(Debug, Default)]
pub(crate) struct ChildrenParams {
    pub name_tag: Option<String>,
    pub after: Option<String>,
    pub limit: Option<u32>,
}

const NO_BODY: Option<&()> = None;

impl Api {
    // ---------- accounts ----------

    pub(crate) async fn signup_start(
        &self,
        body: &api::SignupStartRequest,
    ) -> Result<api::SignupStartResponse> {
        self.json(
            Method::POST,
            "/signup/start".into(),
            Some(body),
            Idempotence::Once,
        )
        .await
    }

    pub(crate) async fn signup_finish(
        &self,
        body: &api::SignupFinishRequest,
    ) -> Result<api::SignupFinishResponse> {
        self.json(
            Method::POST,
            "/signup/finish".into(),
            Some(body),
            Idempotence::Once,
        )
        .await
    }

    pub(crate) async fn login_start(
        &self,
        body: &api::LoginStartRequest,
    ) -> Result<api::LoginStartResponse> {
        self.json(
            Method::POST,
            "/login/start".into(),
            Some(body),
            Idempotence::Once,
        )
        .await
    }

    pub(crate) async fn login_finish(
        &self,
        body: &api::LoginFinishRequest,
    ) -> Result<api::SessionResponse> {
        self.json(
            Method::POST,
            "/login/finish".into(),
            Some(body),
            Idempotence::Once,
        )
        .await
    }

    pub(crate) async fn logout(&self) -> Result<()> {
        self.empty(Method::POST, "/logout".into(), Idempotence::Idempotent)
            .await
    }

    pub(crate) async fn account(&self) -> Result<api::AccountInfo> {
        self.json(
            Method::GET,
            "/account".into(),
            NO_BODY,
            Idempotence::Idempotent,
        )
        .await
    }

    pub(crate) async fn usage(&self) -> Result<api::Usage> {
        self.json(
            Method::GET,
            "/usage".into(),
            NO_BODY,
            Idempotence::Idempotent,
        )
        .await
    }

    // ---------- nodes ----------

    pub(crate) async fn node(&self, id: Id) -> Result<api::Node> {
        self.json(
            Method::GET,
            format!("/nodes/{id}"),
            NO_BODY,
            Idempotence::Idempotent,
        )
        .await
    }

    pub(crate) async fn children(
        &self,
        parent: Id,
        params: &ChildrenParams,
    ) -> Result<api::NodePage> {
        let query = query_string(params);
        let path = format!("/nodes/{parent}/children{query}");
        self.json(Method::GET, path, NO_BODY, Idempotence::Idempotent)
            .await
    }

    /// The child of `parent` with this name tag, if any.
    pub(crate) async fn child_by_tag(
        &self,
        parent: Id,
        tag: &[u8; 32],
    ) -> Result<Option<api::Node>> {
        let params = ChildrenParams {
            name_tag: Some(B64::encode(tag)),
            ..Default::default()
        };
        let page = self.children(parent, &params).await?;
        if page.items.len() > 1 {
            return Err(ClientError::Protocol(
                "several children answer one name tag".into(),
            ));
        }
        Ok(page.items.into_iter().next())
    }

    pub(crate) async fn create_node(&self, body: &api::NewNode) -> Result<api::Node> {
        self.json(Method::POST, "/nodes".into(), Some(body), Idempotence::Once)
            .await
    }

    pub(crate) async fn update_node(&self, id: Id, body: &api::UpdateNode) -> Result<api::Node> {
        self.json(
            Method::PUT,
            format!("/nodes/{id}"),
            Some(body),
            Idempotence::Once,
        )
        .await
    }

    pub(crate) async fn delete_node(&self, id: Id, recursive: bool) -> Result<()> {
        let path = format!("/nodes/{id}?recursive={recursive}");
        self.empty(Method::DELETE, path, Idempotence::Once).await
    }

    /// One chunk, at most `max_len` bytes, from `path` (the owner's chunk route or a public
    /// link's: [`crate::transfer::ChunkSource`] picks it).
    pub(crate) async fn chunk(&self, path: String, max_len: usize) -> Result<Bytes> {
        let build = |r: RequestBuilder| r;
        let (_, body) = self
            .execute(Call {
                method: Method::GET,
                path,
                idempotence: Idempotence::Idempotent,
                build: &build,
                max_body: max_len,
            })
            .await?;
        Ok(body)
    }

    // ---------- uploads ----------

    pub(crate) async fn create_upload(&self, body: &api::CreateUpload) -> Result<api::Upload> {
        self.json(
            Method::POST,
            "/uploads".into(),
            Some(body),
            Idempotence::Once,
        )
        .await
    }

    /// The open upload sessions into folder `parent`.
    pub(crate) async fn uploads(&self, parent: Id) -> Result<api::UploadList> {
        let path = format!("/uploads?parent={parent}");
        self.json(Method::GET, path, NO_BODY, Idempotence::Idempotent)
            .await
    }

    pub(crate) async fn upload(&self, id: Id) -> Result<api::Upload> {
        self.json(
            Method::GET,
            format!("/uploads/{id}"),
            NO_BODY,
            Idempotence::Idempotent,
        )
        .await
    }

    pub(crate) async fn delete_upload(&self, id: Id) -> Result<()> {
        self.empty(
            Method::DELETE,
            format!("/uploads/{id}"),
            Idempotence::Idempotent,
        )
        .await
    }

    /// Stores chunk `index` (ciphertext) with its BLAKE3 hash; idempotent on the server.
    pub(crate) async fn put_chunk(
        &self,
        upload: Id,
        index: u64,
        body: Bytes,
        hash: &[u8; 32],
    ) -> Result<()> {
        let hash = hex::encode(hash);
        let build = |r: RequestBuilder| {
            r.header(CHUNK_HASH_HEADER, hash.as_str())
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(body.clone())
        };
        self.execute(Call {
            method: Method::PUT,
            path: format!("/uploads/{upload}/chunks/{index}"),
            idempotence: Idempotence::Idempotent,
            build: &build,
            max_body: 64 << 10,
        })
        .await
        .map(drop)
    }

    /// Small files committed whole. Idempotent: a committed batch sent again answers the same
    /// nodes (PROTOCOL.md §9.1), so a lost answer is retried.
    pub(crate) async fn commit_small_files(
        &self,
        body: &api::SmallFileBatch,
    ) -> Result<api::SmallFileNodes> {
        self.json(
            Method::POST,
            "/uploads/batch".into(),
            Some(body),
            Idempotence::Idempotent,
        )
        .await
    }

    pub(crate) async fn commit_upload(
        &self,
        id: Id,
        body: &api::CommitUpload,
    ) -> Result<api::Node> {
        let path = format!("/uploads/{id}/commit");
        self.json(Method::POST, path, Some(body), Idempotence::Once)
            .await
    }
}

/// `?a=b&c=d` for the set fields of `params` (values are base64url or ids: URL-safe already,
/// but encoded anyway so a cursor with other characters still travels intact).
pub(super) fn query_string(params: &ChildrenParams) -> String {
    let mut pairs = Vec::new();
    if let Some(tag) = &params.name_tag {
        pairs.push(format!("name_tag={}", url_encode(tag)));
    }
    if let Some(after) = &params.after {
        pairs.push(format!("after={}", url_encode(after)));
    }
    if let Some(limit) = params.limit {
        pairs.push(format!("limit={limit}"));
    }
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

pub(super) fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_encodes_only_set_fields() {
        assert_eq!(query_string(&ChildrenParams::default()), "");
        let p = ChildrenParams {
            name_tag: Some("ab-_".into()),
            after: Some("x y+/".into()),
            limit: Some(5000),
        };
        assert_eq!(
            query_string(&p),
            "?name_tag=ab-_&after=x%20y%2B%2F&limit=5000"
        );
    }
}
