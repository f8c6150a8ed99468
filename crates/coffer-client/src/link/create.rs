//! Creating, listing and revoking links: the owner's side (PROTOCOL.md §10.2, §10.3).
//!
//! The client picks the link id and the secret, so the keys are bound to the link before the
//! server sees anything: the server gets the sealed node key and `BLAKE3(access)`, never the
//! secret, the password or the link key.

use super::LinkUrl;
use crate::drive::Drive;
use crate::error::{ClientError, Result};
use crate::path::DrivePath;
use crate::records::now_ms;
use coffer_api::{B64, Id, Link, LinkPassword, NewLink};
use coffer_crypto::{LinkPasswordParams, LinkSecret, random_bytes};
use std::time::Duration;
use zeroize::Zeroizing;

/// How a new link behaves.
#[derive(Clone, Default)]
pub struct LinkOptions {
    /// The link stops working this long after its creation; `None`: never.
    pub expires_in: Option<Duration>,
    /// The link stops after this many downloads (one `get`, a whole folder included).
    pub max_downloads: Option<u64>,
    /// A password the reader needs as well as the URL (Argon2id, PROTOCOL.md §10.2).
    pub password: Option<Zeroizing<String>>,
}

/// A link just created.
pub struct LinkCreated {
    /// The URL to share: it holds the secret (in the fragment). Show it, never log it.
    pub url: Zeroizing<String>,
    /// The link as the server stores it.
    pub link: Link,
}

impl std::fmt::Debug for LinkCreated {
    // The link without the URL: the URL is the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkCreated")
            .field("link", &self.link)
            .finish_non_exhaustive()
    }
}

impl Drive {
    /// Creates a public link to the file or folder at `path` (a folder: its whole subtree).
    pub async fn create_link(&self, path: &str, options: LinkOptions) -> Result<LinkCreated> {
        let node = self.resolve(&DrivePath::parse(path)?).await?;
        let expires_at = match options.expires_in {
            Some(after) => Some(now_ms().saturating_add(
                i64::try_from(after.as_millis()).map_err(|_| ClientError::InvalidOperation {
                    path: node.path.to_string(),
                    reason: "the expiry is too far away",
                })?,
            )),
            None => None,
        };
        if options.max_downloads == Some(0) {
            return Err(ClientError::InvalidOperation {
                path: node.path.to_string(),
                reason: "a link needs at least one download",
            });
        }
        let id = Id(random_bytes());
        let secret = LinkSecret::from_bytes(random_bytes());
        let params = options
            .password
            .as_ref()
            .map(|_| LinkPasswordParams::recommended(random_bytes()));
        let password_key = match (&options.password, &params) {
            (Some(password), Some(params)) => {
                let (password, params) = (password.clone(), params.clone());
                // Argon2id with 64 MiB: seconds of CPU at worst, off the async threads.
                let key = tokio::task::spawn_blocking(move || {
                    coffer_crypto::link_password_key(password.as_bytes(), &params)
                })
                .await
                .map_err(|e| ClientError::Protocol(format!("password hashing failed: {e}")))?
                .map_err(|_| ClientError::Protocol("password hashing failed".into()))?;
                Some(key)
            }
            _ => None,
        };
        let keys = coffer_crypto::derive_link_keys(&id.0, &secret, password_key.as_ref());
        let sealed_key = coffer_crypto::seal_link_key(
            &keys.link_key,
            &id.0,
            &node.id().0,
            &node.key,
            self.author(),
            random_bytes(),
        );
        let body = NewLink {
            id,
            node_id: node.id(),
            sealed_key: B64(sealed_key),
            access_hash: B64(keys.access.hash().to_vec()),
            password: params.map(|p| LinkPassword {
                salt: B64(p.salt.to_vec()),
                iterations: p.iterations,
                memory_kib: p.memory_kib,
                parallelism: p.parallelism,
            }),
            expires_at,
            max_downloads: options.max_downloads,
        };
        let link = self.api().create_link(&body).await?;
        if link.id != id || link.node_id != node.id() {
            return Err(ClientError::Protocol(
                "the server answered with another link".into(),
            ));
        }
        let url = Zeroizing::new(LinkUrl::format(&self.session().server_url, id, &secret));
        Ok(LinkCreated { url, link })
    }

    /// The account's links, in the server's order, with their state and counts.
    pub async fn links(&self) -> Result<Vec<Link>> {
        Ok(self.api().links().await?.items)
    }

    /// Revokes link `id` at once (tickets already issued included). Revoking a revoked link
    /// succeeds; another account's link is not found.
    pub async fn revoke_link(&self, id: Id) -> Result<()> {
        self.api().revoke_link(id).await.map_err(|e| match e {
            ClientError::Api {
                code: coffer_api::ErrorCode::NotFound,
                ..
            } => ClientError::NotFound(format!("link {id}")),
            other => other,
        })
    }
}
