//! `link/` vectors: public links, from the secret and password to the sealed key
//! (PROTOCOL.md §10.1–§10.3, §11).
//!
//! A valid vector is checked the way the creator makes a link (every output from the inputs)
//! and the way a reader and the operator open it. A failure vector is checked along both
//! reading paths: the reader's (fragment → password key → `LK` → open the sealed key) and the
//! operator's (the same, but first the access token against `access_hash`); both must fail with
//! the named kind.

use serde::{Deserialize, Serialize};

use super::{Construction, Hex, expect_eq, expect_error, fixed_bytes, fixed_key, required};
use crate::error::CryptoError;
use crate::keys::SymmetricKey;
use crate::link::{
    LinkPasswordParams, LinkSecret, derive_link_keys, link_password_key, open_link_key,
    seal_link_key, verify_reported_link,
};
use crate::sign::SigningKey;

/// The Argon2id parameters as they travel with a link (`LinkPassword`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    salt: Hex,
    iterations: u32,
    memory_kib: u32,
    parallelism: u32,
}

impl Params {
    fn to_params(&self) -> Result<LinkPasswordParams, String> {
        Ok(LinkPasswordParams {
            salt: self.salt.array("salt")?,
            iterations: self.iterations,
            memory_kib: self.memory_kib,
            parallelism: self.parallelism,
        })
    }
}

/// `link/`: PROTOCOL.md §10.2 and §10.3.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LinkVector {
    description: String,
    valid: bool,
    link_id: Hex,
    /// `LS`; only in valid vectors (failure vectors start from the fragment, as a reader does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret: Option<Hex>,
    fragment: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password_params: Option<Params>,
    node_id: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    node_key: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    author_signing_public: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password_key: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    link_key: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    access: Option<Hex>,
    access_hash: Hex,
    sealed_key: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Small Argon2id parameters (m = 8192 KiB, t = 1, p = 1) so that checking stays fast.
fn small_params() -> Params {
    Params {
        salt: fixed_bytes::<16>("link/password-salt").into(),
        iterations: 1,
        memory_kib: 8192,
        parallelism: 1,
    }
}

impl LinkVector {
    fn valid(description: &str, password: Option<&str>) -> Self {
        let link_id: [u8; 16] = fixed_bytes("link/link-id");
        let secret = LinkSecret::from_bytes(fixed_bytes("link/secret"));
        let node_id: [u8; 16] = fixed_bytes("link/node-id");
        let node_key = fixed_key("link/node-key");
        let author = SigningKey::from_seed(fixed_bytes("link/author-seed")).public();
        let nonce: [u8; 12] = fixed_bytes("link/nonce");
        let params = password.map(|_| small_params());
        let password_key = password.map(|p| {
            let params = small_params().to_params().expect("16-byte salt");
            link_password_key(p.as_bytes(), &params).expect("parameters within bounds")
        });
        let keys = derive_link_keys(&link_id, &secret, password_key.as_ref());
        let sealed = seal_link_key(
            &keys.link_key,
            &link_id,
            &node_id,
            &node_key,
            &author,
            nonce,
        );
        LinkVector {
            description: description.into(),
            valid: true,
            link_id: link_id.into(),
            secret: Some(secret.as_bytes().to_vec().into()),
            fragment: secret.to_fragment(),
            password: password.map(str::to_owned),
            password_params: params,
            node_id: node_id.into(),
            node_key: Some(node_key.as_bytes().to_vec().into()),
            author_signing_public: Some(author.into()),
            nonce: Some(nonce.into()),
            password_key: password_key.map(|k| k.as_bytes().to_vec().into()),
            link_key: Some(keys.link_key.as_bytes().to_vec().into()),
            access: Some(keys.access.as_bytes().to_vec().into()),
            access_hash: keys.access.hash().into(),
            sealed_key: sealed.into(),
            error: None,
        }
    }

    /// A failure vector from a valid one: the stored values (`access_hash`, `sealed_key`) stay,
    /// `change` alters what the reader brings or what the server serves.
    fn failing(&self, description: &str, error: &str, change: impl FnOnce(&mut Self)) -> Self {
        let mut v = LinkVector {
            description: description.into(),
            valid: false,
            secret: None,
            node_key: None,
            author_signing_public: None,
            nonce: None,
            password_key: None,
            link_key: None,
            access: None,
            error: Some(error.into()),
            ..self.clone()
        };
        change(&mut v);
        v
    }

    /// The reader's and the operator's path from the fragment to `(NK, author)`.
    fn read(&self) -> [Result<(SymmetricKey, [u8; 32]), CryptoError>; 2] {
        let steps = || -> Result<_, CryptoError> {
            let secret = LinkSecret::from_fragment(&self.fragment)?;
            let password_key = match (&self.password, &self.password_params) {
                (Some(password), Some(params)) => {
                    let params = params.to_params().map_err(|_| CryptoError::InvalidFormat)?;
                    Some(link_password_key(password.as_bytes(), &params)?)
                }
                (None, None) => None,
                _ => return Err(CryptoError::InvalidFormat),
            };
            Ok((secret, password_key))
        };
        let (secret, password_key) = match steps() {
            Ok(inputs) => inputs,
            Err(e) => return [Err(e.clone()), Err(e)],
        };
        let (link_id, node_id) = match (self.link_id.array(""), self.node_id.array("")) {
            (Ok(l), Ok(n)) => (l, n),
            _ => {
                return [
                    Err(CryptoError::InvalidFormat),
                    Err(CryptoError::InvalidFormat),
                ];
            }
        };
        let keys = derive_link_keys(&link_id, &secret, password_key.as_ref());
        let access_hash = match self.access_hash.array::<32>("") {
            Ok(hash) => hash,
            Err(_) => {
                return [
                    Err(CryptoError::InvalidFormat),
                    Err(CryptoError::InvalidFormat),
                ];
            }
        };
        [
            open_link_key(&keys.link_key, &link_id, &node_id, &self.sealed_key.0),
            verify_reported_link(
                &link_id,
                &node_id,
                &secret,
                password_key.as_ref(),
                &access_hash,
                &self.sealed_key.0,
            ),
        ]
    }
}

impl Construction for LinkVector {
    const FOLDER: &'static str = "link";

    fn generate() -> Vec<(&'static str, Self)> {
        let plain = LinkVector::valid("a link without a password", None);
        let pw = LinkVector::valid(
            "a link with a password (small Argon2id parameters to keep checks fast)",
            Some("correct horse battery staple"),
        );
        let df = "decryption_failed";
        let other_secret = LinkSecret::from_bytes(fixed_bytes("link/other-secret")).to_fragment();
        let failures = vec![
            (
                "invalid-wrong-secret",
                pw.failing("another secret in the fragment", df, |v| {
                    v.fragment = other_secret
                }),
            ),
            (
                "invalid-wrong-password",
                pw.failing("the right secret with another password", df, |v| {
                    v.password = Some("correct horse battery stapler".into())
                }),
            ),
            (
                "invalid-missing-password",
                pw.failing("the right secret without the password", df, |v| {
                    v.password = None;
                    v.password_params = None;
                }),
            ),
            (
                "invalid-retargeted-node",
                plain.failing(
                    "the server points the link at another node (node_id in the seal's ctx)",
                    df,
                    |v| v.node_id = fixed_bytes::<16>("link/other-node-id").into(),
                ),
            ),
            (
                "invalid-tampered-seal",
                plain.failing("a ciphertext byte of the sealed key flipped", df, |v| {
                    v.sealed_key.0[70] ^= 0x01
                }),
            ),
            (
                "invalid-truncated-seal",
                plain.failing("the sealed key's last byte dropped", df, |v| {
                    v.sealed_key.0.pop();
                }),
            ),
            (
                "invalid-params-out-of-bounds",
                pw.failing(
                    "memory 8191 KiB, one below the bound: refused before Argon2id runs",
                    "invalid_format",
                    |v| {
                        if let Some(p) = v.password_params.as_mut() {
                            p.memory_kib = 8191;
                        }
                    },
                ),
            ),
            (
                "invalid-fragment-padded",
                plain.failing("the fragment with base64 padding", "invalid_format", |v| {
                    v.fragment.push('=')
                }),
            ),
            (
                "invalid-fragment-non-canonical",
                plain.failing(
                    "the fragment's last character carries non-zero spare bits",
                    "invalid_format",
                    |v| {
                        // The last character carries 4 bits of the secret and 2 zero bits; set
                        // the lowest one.
                        const ALPHABET: &str =
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
                        let last = v.fragment.pop().and_then(|c| ALPHABET.find(c));
                        let index = last.unwrap_or(0) | 1;
                        v.fragment.push_str(&ALPHABET[index..=index]);
                    },
                ),
            ),
        ];
        let mut all = vec![("valid-no-password", plain), ("valid-password", pw)];
        all.extend(failures);
        all
    }

    vector_meta!();

    fn check(&self) -> Result<(), String> {
        let [reader, operator] = self.read();
        if !self.valid {
            expect_error(reader, self.error.as_deref()).map_err(|e| format!("reader: {e}"))?;
            return expect_error(operator, self.error.as_deref())
                .map_err(|e| format!("operator: {e}"));
        }
        let secret = LinkSecret::from_bytes(required(&self.secret, "secret")?.array("secret")?);
        expect_eq("fragment", secret.to_fragment(), self.fragment.clone())?;
        let link_id = self.link_id.array("link_id")?;
        let node_id = self.node_id.array("node_id")?;
        let password_key = match (&self.password, &self.password_params) {
            (Some(password), Some(params)) => Some(
                link_password_key(password.as_bytes(), &params.to_params()?)
                    .map_err(|e| format!("password key: {e}"))?,
            ),
            (None, None) => None,
            _ => return Err("password and password_params go together".into()),
        };
        expect_eq(
            "password_key",
            password_key.as_ref().map(|k| Hex(k.as_bytes().to_vec())),
            self.password_key.clone(),
        )?;
        let keys = derive_link_keys(&link_id, &secret, password_key.as_ref());
        expect_eq(
            "link_key",
            Hex(keys.link_key.as_bytes().to_vec()),
            required(&self.link_key, "link_key")?.clone(),
        )?;
        expect_eq(
            "access",
            Hex(keys.access.as_bytes().to_vec()),
            required(&self.access, "access")?.clone(),
        )?;
        expect_eq(
            "access_hash",
            Hex(keys.access.hash().to_vec()),
            self.access_hash.clone(),
        )?;
        let node_key =
            SymmetricKey::from_bytes(required(&self.node_key, "node_key")?.array("node_key")?);
        let author = required(&self.author_signing_public, "author_signing_public")?
            .array("author_signing_public")?;
        let nonce = required(&self.nonce, "nonce")?.array("nonce")?;
        let sealed = seal_link_key(
            &keys.link_key,
            &link_id,
            &node_id,
            &node_key,
            &author,
            nonce,
        );
        expect_eq("sealed_key", Hex(sealed), self.sealed_key.clone())?;
        for (path, result) in [("reader", reader), ("operator", operator)] {
            let (opened_key, opened_author) = result.map_err(|e| format!("{path}: {e}"))?;
            expect_eq(
                "opened node_key",
                opened_key.as_bytes(),
                node_key.as_bytes(),
            )?;
            expect_eq("opened author", opened_author, author)?;
        }
        Ok(())
    }
}
