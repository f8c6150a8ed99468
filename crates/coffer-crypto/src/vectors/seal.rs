//! `seal/` vectors: the key-committing seal (PROTOCOL.md §4).

use serde::{Deserialize, Serialize};

use super::{Construction, Hex, expect_eq, expect_error, fixed_bytes, fixed_key, required};
use crate::keys::SymmetricKey;
use crate::seal::{Purpose, SEAL_OVERHEAD, open, seal};

/// `seal/`: PROTOCOL.md §4.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SealVector {
    description: String,
    valid: bool,
    purpose: String,
    key: Hex,
    ctx: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    plaintext: Option<Hex>,
    sealed: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl SealVector {
    fn valid(description: &str, purpose: Purpose, ctx: &[u8], plaintext: &[u8]) -> Self {
        let nonce: [u8; 12] = fixed_bytes("seal/nonce");
        let key = fixed_key("seal/key");
        SealVector {
            description: description.into(),
            valid: true,
            purpose: purpose.label().into(),
            key: key.as_bytes().to_vec().into(),
            ctx: ctx.into(),
            nonce: Some(nonce.into()),
            plaintext: Some(plaintext.into()),
            sealed: seal(&key, purpose, ctx, nonce, plaintext).into(),
            error: None,
        }
    }

    /// This vector turned into a failure vector by `change`.
    fn failing(
        &self,
        description: &str,
        error: &str,
        change: impl FnOnce(&mut SealVector),
    ) -> Self {
        let mut v = SealVector {
            description: description.into(),
            valid: false,
            purpose: self.purpose.clone(),
            key: self.key.clone(),
            ctx: self.ctx.clone(),
            nonce: None,
            plaintext: None,
            sealed: self.sealed.clone(),
            error: Some(error.into()),
        };
        change(&mut v);
        v
    }
}

impl Construction for SealVector {
    const FOLDER: &'static str = "seal";

    fn generate() -> Vec<(&'static str, Self)> {
        let node_ctx: [u8; 32] = fixed_bytes("seal/node-ctx");
        let base = SealVector::valid(
            "node-key seal, ctx = node id ‖ parent id",
            Purpose::NodeKey,
            &node_ctx,
            &fixed_bytes::<32>("seal/node-key"),
        );
        let other_key = fixed_key("seal/other-key");
        let other_commitment =
            seal(&other_key, Purpose::NodeKey, &node_ctx, [0; 12], b"")[13..45].to_vec();
        let df = "decryption_failed";
        let flip = |i: usize| {
            move |v: &mut SealVector| {
                let i = if i == usize::MAX {
                    v.sealed.0.len() - 1
                } else {
                    i
                };
                v.sealed.0[i] ^= 0x01;
            }
        };
        let failures = vec![
            (
                "invalid-wrong-key",
                base.failing("opened with another key", df, |v| {
                    v.key = other_key.as_bytes().to_vec().into()
                }),
            ),
            (
                "invalid-wrong-purpose",
                base.failing("opened as purpose attributes", df, |v| {
                    v.purpose = "attributes".into()
                }),
            ),
            (
                "invalid-wrong-ctx",
                base.failing("opened with another ctx (last byte changed)", df, |v| {
                    v.ctx.0[31] ^= 0x01
                }),
            ),
            (
                "invalid-empty-ctx",
                base.failing("opened with an empty ctx", df, |v| v.ctx.0.clear()),
            ),
            (
                "invalid-bad-version",
                base.failing("version byte 0x02", df, |v| v.sealed.0[0] = 0x02),
            ),
            (
                "invalid-flipped-nonce",
                base.failing("first nonce byte flipped", df, flip(1)),
            ),
            (
                "invalid-flipped-commitment",
                base.failing("first commitment byte flipped", df, flip(13)),
            ),
            (
                "invalid-commitment-of-other-key",
                base.failing("commitment replaced by the one of another key", df, |v| {
                    v.sealed.0[13..45].copy_from_slice(&other_commitment)
                }),
            ),
            (
                "invalid-flipped-ciphertext",
                base.failing("first ciphertext byte flipped", df, flip(45)),
            ),
            (
                "invalid-flipped-tag",
                base.failing("last tag byte flipped", df, flip(usize::MAX)),
            ),
            (
                "invalid-truncated",
                base.failing("last byte dropped", df, |v| {
                    v.sealed.0.pop();
                }),
            ),
            (
                "invalid-trailing-byte",
                base.failing("a zero byte appended", df, |v| v.sealed.0.push(0)),
            ),
            (
                "invalid-too-short",
                base.failing("shorter than the 61-byte minimum", df, |v| {
                    v.sealed.0.truncate(SEAL_OVERHEAD - 1)
                }),
            ),
            (
                "invalid-empty",
                base.failing("empty input", df, |v| v.sealed.0.clear()),
            ),
        ];
        let identity_ctx: [u8; 64] = fixed_bytes("seal/identity-publics");
        let mut all = vec![
            (
                "valid-master-key",
                SealVector::valid(
                    "master-key seal, empty ctx",
                    Purpose::MasterKey,
                    &[],
                    &fixed_bytes::<32>("seal/master-key"),
                ),
            ),
            (
                "valid-identity-keys",
                SealVector::valid(
                    "identity-keys seal, ctx = the two public keys",
                    Purpose::IdentityKeys,
                    &identity_ctx,
                    &fixed_bytes::<64>("seal/identity-seeds"),
                ),
            ),
            (
                "valid-attributes",
                SealVector::valid(
                    "attributes seal, ctx = node id",
                    Purpose::Attributes,
                    &node_ctx[..16],
                    b"{\"name\":\"a.txt\"}",
                ),
            ),
            (
                "valid-empty-plaintext",
                SealVector::valid("empty plaintext", Purpose::Attributes, &node_ctx[..16], b""),
            ),
        ];
        all.push(("valid-node-key", base));
        all.extend(failures);
        all
    }

    vector_meta!();

    fn check(&self) -> Result<(), String> {
        let purpose = Purpose::from_label(&self.purpose).ok_or("unknown purpose")?;
        let key = SymmetricKey::from_bytes(self.key.array("key")?);
        let opened = open(&key, purpose, &self.ctx.0, &self.sealed.0);
        if !self.valid {
            return expect_error(opened, self.error.as_deref());
        }
        let plaintext = required(&self.plaintext, "plaintext")?;
        let nonce = required(&self.nonce, "nonce")?.array("nonce")?;
        expect_eq(
            "seal",
            Hex(seal(&key, purpose, &self.ctx.0, nonce, &plaintext.0)),
            self.sealed.clone(),
        )?;
        expect_eq(
            "open",
            opened.map(|p| Hex(p.to_vec())),
            Ok(plaintext.clone()),
        )
    }
}
