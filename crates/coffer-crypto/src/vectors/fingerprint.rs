//! `fingerprint/` vectors: identity fingerprints (PROTOCOL.md §12.1). Valid vectors only: the
//! construction has no failure but a mismatch, which is the comparing person's to see.

use serde::{Deserialize, Serialize};

use super::{Construction, Hex, expect_eq, fixed_bytes};
use crate::account::Identity;
use crate::fingerprint::fingerprint;

/// `fingerprint/`: PROTOCOL.md §12.1.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FingerprintVector {
    description: String,
    valid: bool,
    /// As given (already normalised by the caller), UTF-8.
    email: String,
    signing_public: Hex,
    agreement_public: Hex,
    /// The first 30 bytes of the hash.
    fingerprint: Hex,
    /// Six groups of five digits separated by one space.
    digits: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl FingerprintVector {
    fn new(description: &str, email: &str, identity_label: &str) -> Self {
        let identity = Identity::from_seeds(
            fixed_bytes(&format!("fingerprint/{identity_label}-signing-seed")),
            fixed_bytes(&format!("fingerprint/{identity_label}-agreement-secret")),
        );
        let (s, a) = (identity.signing_public(), identity.agreement_public());
        let fp = fingerprint(email, &s, &a);
        FingerprintVector {
            description: description.into(),
            valid: true,
            email: email.into(),
            signing_public: s.into(),
            agreement_public: a.into(),
            fingerprint: fp.as_bytes().to_vec().into(),
            digits: fp.digits(),
            error: None,
        }
    }
}

impl Construction for FingerprintVector {
    const FOLDER: &'static str = "fingerprint";

    fn generate() -> Vec<(&'static str, Self)> {
        vec![
            (
                "valid-ascii",
                FingerprintVector::new("an ASCII address", "alice@example.com", "alice"),
            ),
            (
                "valid-other-email",
                FingerprintVector::new(
                    "the same keys under another address: other digits",
                    "alice@example.org",
                    "alice",
                ),
            ),
            (
                "valid-unicode",
                FingerprintVector::new(
                    "a non-ASCII address, hashed as its UTF-8 bytes",
                    "zoë@exämple.org",
                    "zoe",
                ),
            ),
        ]
    }

    vector_meta!();

    fn check(&self) -> Result<(), String> {
        if !self.valid {
            return Err("fingerprint vectors are all valid".into());
        }
        let s = self.signing_public.array("signing_public")?;
        let a = self.agreement_public.array("agreement_public")?;
        let fp = fingerprint(&self.email, &s, &a);
        expect_eq(
            "fingerprint",
            Hex(fp.as_bytes().to_vec()),
            self.fingerprint.clone(),
        )?;
        expect_eq("digits", fp.digits(), self.digits.clone())?;
        if !fp.matches_digits(&self.digits) {
            return Err("digits do not match their own fingerprint".into());
        }
        Ok(())
    }
}
