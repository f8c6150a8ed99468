//! `share/` vectors: share grants, the folder key sealed by HPKE and signed by the owner
//! (PROTOCOL.md §12.2).
//!
//! A valid vector is checked the way the owner makes a grant (`info`, `enc`, `ciphertext`,
//! `message` and `signature` from the inputs, byte for byte) and the way the recipient opens it.
//! A failure vector carries no owner secret, folder key or ephemeral ikm: it is checked the way
//! the recipient opens it (`open_share` with the recipient's seeds) and must fail with the named
//! kind.

use serde::{Deserialize, Serialize};

use super::{Construction, Hex, expect_eq, expect_error, fixed_bytes, fixed_key, required};
use crate::account::Identity;
use crate::error::CryptoError;
use crate::keys::SymmetricKey;
use crate::share::{SealedShare, ShareGrant, SharePermission, open_share, seal_share};

/// `share/`: PROTOCOL.md §12.2.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ShareVector {
    description: String,
    valid: bool,
    share_id: Hex,
    folder_id: Hex,
    /// The owner's Ed25519 seed; only in valid vectors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    owner_signing_seed: Option<Hex>,
    owner_signing_public: Hex,
    /// The identity that opens the grant: its Ed25519 seed and X25519 secret.
    opener_signing_seed: Hex,
    opener_agreement_secret: Hex,
    recipient_signing_public: Hex,
    recipient_agreement_public: Hex,
    permission: u8,
    generation: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    folder_key: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ephemeral_ikm: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    info: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<Hex>,
    enc: Hex,
    ciphertext: Hex,
    signature: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn owner() -> Identity {
    // Only the signing seed is used; the agreement secret is a placeholder.
    Identity::from_seeds(fixed_bytes("share/owner-signing-seed"), [0; 32])
}

fn recipient_seeds() -> ([u8; 32], [u8; 32]) {
    (
        fixed_bytes("share/recipient-signing-seed"),
        fixed_bytes("share/recipient-agreement-secret"),
    )
}

impl ShareVector {
    fn valid(description: &str, permission: SharePermission, generation: u64) -> Self {
        let owner = owner();
        let (signing_seed, agreement_secret) = recipient_seeds();
        let recipient = Identity::from_seeds(signing_seed, agreement_secret);
        let grant = ShareGrant {
            share_id: fixed_bytes("share/share-id"),
            folder_id: fixed_bytes("share/folder-id"),
            owner_signing_public: owner.signing_public(),
            recipient_signing_public: recipient.signing_public(),
            recipient_agreement_public: recipient.agreement_public(),
            permission,
            generation,
        };
        let folder_key = fixed_key("share/folder-key");
        let ikm: [u8; 32] = fixed_bytes(&format!("share/ephemeral-ikm-{generation}"));
        let sealed =
            seal_share(&grant, &folder_key, &owner, ikm).expect("a valid recipient key seals");
        let message = sealed.message(&grant).expect("short fields");
        ShareVector {
            description: description.into(),
            valid: true,
            share_id: grant.share_id.into(),
            folder_id: grant.folder_id.into(),
            owner_signing_seed: Some(fixed_bytes::<32>("share/owner-signing-seed").into()),
            owner_signing_public: grant.owner_signing_public.into(),
            opener_signing_seed: signing_seed.into(),
            opener_agreement_secret: agreement_secret.into(),
            recipient_signing_public: grant.recipient_signing_public.into(),
            recipient_agreement_public: grant.recipient_agreement_public.into(),
            permission: permission.as_u8(),
            generation,
            folder_key: Some(folder_key.as_bytes().to_vec().into()),
            ephemeral_ikm: Some(ikm.into()),
            info: Some(grant.info().into()),
            message: Some(message.into()),
            enc: sealed.enc.into(),
            ciphertext: sealed.ciphertext.into(),
            signature: sealed.signature.into(),
            error: None,
        }
    }

    /// A failure vector from a valid one, without the owner's secrets and the outputs only the
    /// owner computes.
    fn failing(&self, description: &str, error: &str, change: impl FnOnce(&mut Self)) -> Self {
        let mut v = ShareVector {
            description: description.into(),
            valid: false,
            owner_signing_seed: None,
            folder_key: None,
            ephemeral_ikm: None,
            info: None,
            message: None,
            error: Some(error.into()),
            ..self.clone()
        };
        change(&mut v);
        v
    }

    /// As [`Self::failing`], then the owner signs the changed grant all the same: the vector
    /// then tests a check after the signature.
    fn failing_signed(
        &self,
        description: &str,
        error: &str,
        change: impl FnOnce(&mut Self),
    ) -> Self {
        let mut v = self.failing(description, error, change);
        let grant = v.grant().expect("generated fields have their lengths");
        let message = grant
            .signed_message(&v.enc.0, &v.ciphertext.0)
            .expect("short fields");
        v.signature = owner().signing_key().sign_message(&message).into();
        v
    }

    fn grant(&self) -> Result<ShareGrant, CryptoError> {
        let bad = |_| CryptoError::InvalidFormat;
        Ok(ShareGrant {
            share_id: self.share_id.array("").map_err(bad)?,
            folder_id: self.folder_id.array("").map_err(bad)?,
            owner_signing_public: self.owner_signing_public.array("").map_err(bad)?,
            recipient_signing_public: self.recipient_signing_public.array("").map_err(bad)?,
            recipient_agreement_public: self.recipient_agreement_public.array("").map_err(bad)?,
            permission: SharePermission::from_u8(self.permission)?,
            generation: self.generation,
        })
    }

    /// The grant and seal as a recipient receives them: a field of the wrong length (as `enc`
    /// in one failure vector) is `invalid_format` when parsed.
    fn parts(&self) -> Result<(ShareGrant, SealedShare), CryptoError> {
        let bad = |_| CryptoError::InvalidFormat;
        let sealed = SealedShare {
            enc: self.enc.array("").map_err(bad)?,
            ciphertext: self.ciphertext.0.clone(),
            signature: self.signature.array("").map_err(bad)?,
        };
        Ok((self.grant()?, sealed))
    }

    fn open(&self) -> Result<SymmetricKey, CryptoError> {
        let opener = Identity::from_seeds(
            self.opener_signing_seed
                .array("")
                .map_err(|_| CryptoError::InvalidFormat)?,
            self.opener_agreement_secret
                .array("")
                .map_err(|_| CryptoError::InvalidFormat)?,
        );
        let (grant, sealed) = self.parts()?;
        open_share(&grant, &sealed, &opener)
    }
}

impl Construction for ShareVector {
    const FOLDER: &'static str = "share";

    fn generate() -> Vec<(&'static str, Self)> {
        let read = ShareVector::valid("a read grant", SharePermission::Read, 1);
        let write = ShareVector::valid("a write grant, generation 2", SharePermission::Write, 2);
        let sig = "invalid_signature";
        let server = Identity::from_seeds(
            fixed_bytes("share/server-signing-seed"),
            fixed_bytes("share/server-agreement-secret"),
        );
        let failures =
            vec![
            (
                "invalid-changed-permission",
                read.failing("the server turns a read grant into a write grant", sig, |v| {
                    v.permission = SharePermission::Write.as_u8()
                }),
            ),
            (
                "invalid-changed-generation",
                write.failing("the server replays the grant as another generation", sig, |v| {
                    v.generation = 1
                }),
            ),
            (
                "invalid-retargeted-folder",
                read.failing("the server points the grant at another folder", sig, |v| {
                    v.folder_id = fixed_bytes::<16>("share/other-folder-id").into()
                }),
            ),
            (
                "invalid-substituted-recipient-key",
                read.failing(
                    "the grant shown with the server's agreement key instead of the recipient's",
                    sig,
                    |v| v.recipient_agreement_public = server.agreement_public().into(),
                ),
            ),
            (
                "invalid-tampered-signature",
                write.failing("a signature byte flipped", sig, |v| v.signature.0[5] ^= 0x01),
            ),
            (
                "invalid-tampered-ciphertext",
                write.failing_signed(
                    "a ciphertext byte flipped, signed by the owner all the same: HPKE refuses it",
                    "decryption_failed",
                    |v| v.ciphertext.0[10] ^= 0x01,
                ),
            ),
            (
                "invalid-ciphertext-for-another-folder",
                read.failing_signed(
                    "a key sealed for one folder in a grant the owner signed for another: the \
                     HPKE info differs",
                    "decryption_failed",
                    |v| v.folder_id = fixed_bytes::<16>("share/other-folder-id").into(),
                ),
            ),
            (
                "invalid-enc-length",
                write.failing_signed(
                    "enc one byte short (signed by the owner, so the order of the checks does \
                     not matter)",
                    "invalid_format",
                    |v| {
                        v.enc.0.pop();
                    },
                ),
            ),
            (
                "invalid-wrong-recipient",
                read.failing(
                    "opened by an identity the grant is not addressed to",
                    "integrity",
                    |v| {
                        v.opener_signing_seed =
                            fixed_bytes::<32>("share/stranger-signing-seed").into();
                        v.opener_agreement_secret =
                            fixed_bytes::<32>("share/stranger-agreement-secret").into();
                    },
                ),
            ),
        ];
        let mut all = vec![("valid-read", read), ("valid-write", write)];
        all.extend(failures);
        all
    }

    vector_meta!();

    fn check(&self) -> Result<(), String> {
        if !self.valid {
            return expect_error(self.open(), self.error.as_deref());
        }
        let seed = required(&self.owner_signing_seed, "owner_signing_seed")?;
        let owner = Identity::from_seeds(seed.array("owner_signing_seed")?, [0; 32]);
        let (grant, sealed) = self.parts().map_err(|e| format!("parse: {e}"))?;
        let folder_key = SymmetricKey::from_bytes(
            required(&self.folder_key, "folder_key")?.array("folder_key")?,
        );
        let ikm = required(&self.ephemeral_ikm, "ephemeral_ikm")?.array("ephemeral_ikm")?;
        expect_eq(
            "info",
            Hex(grant.info()),
            required(&self.info, "info")?.clone(),
        )?;
        let resealed =
            seal_share(&grant, &folder_key, &owner, ikm).map_err(|e| format!("seal: {e}"))?;
        expect_eq("enc", Hex(resealed.enc.to_vec()), self.enc.clone())?;
        expect_eq(
            "ciphertext",
            Hex(resealed.ciphertext.clone()),
            self.ciphertext.clone(),
        )?;
        expect_eq(
            "message",
            resealed.message(&grant).map(Hex),
            Some(required(&self.message, "message")?.clone()),
        )?;
        expect_eq(
            "signature",
            Hex(resealed.signature.to_vec()),
            self.signature.clone(),
        )?;
        expect_eq("sealed", &resealed, &sealed)?;
        let opened = self.open().map_err(|e| format!("open: {e}"))?;
        expect_eq(
            "opened folder_key",
            opened.as_bytes(),
            folder_key.as_bytes(),
        )
    }
}
