//! `key-container/` vectors: the account key container (PROTOCOL.md §8).

use serde::{Deserialize, Serialize};

use super::{Construction, Hex, expect_eq, expect_error, fixed_bytes, required};
use crate::account::{Identity, KeyContainerParts, create_key_container, open_key_container};
use crate::keys::SymmetricKey;
use crate::seal::{Purpose, seal};

/// The fields of a [`KeyContainerParts`].
#[derive(Serialize, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct ContainerFields {
    version: u32,
    generation: u64,
    signing_public: Hex,
    agreement_public: Hex,
    wrapped_master_key: Hex,
    wrapped_identity: Hex,
    signature: Hex,
}

impl ContainerFields {
    fn from_parts(p: &KeyContainerParts) -> Self {
        ContainerFields {
            version: p.version,
            generation: p.generation,
            signing_public: p.signing_public.into(),
            agreement_public: p.agreement_public.into(),
            wrapped_master_key: p.wrapped_master_key.clone().into(),
            wrapped_identity: p.wrapped_identity.clone().into(),
            signature: p.signature.into(),
        }
    }

    fn parts(&self) -> Result<KeyContainerParts, String> {
        Ok(KeyContainerParts {
            version: self.version,
            generation: self.generation,
            signing_public: self.signing_public.array("signing_public")?,
            agreement_public: self.agreement_public.array("agreement_public")?,
            wrapped_master_key: self.wrapped_master_key.0.clone(),
            wrapped_identity: self.wrapped_identity.0.clone(),
            signature: self.signature.array("signature")?,
        })
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct KeyContainerVector {
    description: String,
    valid: bool,
    kek: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    master_key: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signing_seed: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agreement_secret: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce_master: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce_identity: Option<Hex>,
    container: ContainerFields,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signed_message: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Labelled inputs of one account.
struct Account {
    kek: [u8; 32],
    master: [u8; 32],
    signing_seed: [u8; 32],
    agreement_secret: [u8; 32],
}

impl Account {
    fn new(name: &str) -> Account {
        let l = |what: &str| fixed_bytes(&format!("key-container/{name}/{what}"));
        Account {
            kek: l("kek"),
            master: l("master-key"),
            signing_seed: l("signing-seed"),
            agreement_secret: l("agreement-secret"),
        }
    }

    fn identity(&self) -> Identity {
        Identity::from_seeds(self.signing_seed, self.agreement_secret)
    }

    fn valid(&self, description: &str, generation: u64, nonces: &str) -> KeyContainerVector {
        let nonce_master: [u8; 12] = fixed_bytes(&format!("key-container/{nonces}/nonce-master"));
        let nonce_identity: [u8; 12] =
            fixed_bytes(&format!("key-container/{nonces}/nonce-identity"));
        let parts = create_key_container(
            &SymmetricKey::from_bytes(self.kek),
            &SymmetricKey::from_bytes(self.master),
            &self.identity(),
            generation,
            nonce_master,
            nonce_identity,
        );
        KeyContainerVector {
            description: description.into(),
            valid: true,
            kek: self.kek.into(),
            master_key: Some(self.master.into()),
            signing_seed: Some(self.signing_seed.into()),
            agreement_secret: Some(self.agreement_secret.into()),
            nonce_master: Some(nonce_master.into()),
            nonce_identity: Some(nonce_identity.into()),
            signed_message: parts.signed_message().map(Hex),
            container: ContainerFields::from_parts(&parts),
            error: None,
        }
    }
}

impl KeyContainerVector {
    fn failing(
        &self,
        description: &str,
        error: &str,
        change: impl FnOnce(&mut KeyContainerParts),
    ) -> Self {
        let mut parts = self
            .container
            .parts()
            .expect("generated containers are well-formed");
        change(&mut parts);
        KeyContainerVector {
            description: description.into(),
            valid: false,
            kek: self.kek.clone(),
            master_key: None,
            signing_seed: None,
            agreement_secret: None,
            nonce_master: None,
            nonce_identity: None,
            container: ContainerFields::from_parts(&parts),
            signed_message: None,
            error: Some(error.into()),
        }
    }
}

impl Construction for KeyContainerVector {
    const FOLDER: &'static str = "key-container";

    fn generate() -> Vec<(&'static str, Self)> {
        let ada = Account::new("ada");
        let bob = Account::new("bob");
        let first = ada.valid("a new account's container, generation 1", 1, "ada-1");
        let bobs = bob
            .valid("", 1, "bob-1")
            .container
            .parts()
            .expect("well-formed");
        let master = SymmetricKey::from_bytes(ada.master);
        // Seeds of ada sealed under bob's public keys, signed by bob: opens, but the seeds do
        // not derive the public keys it claims.
        let mismatched = {
            let mut p = bobs.clone();
            p.wrapped_master_key = seal(
                &SymmetricKey::from_bytes(ada.kek),
                Purpose::MasterKey,
                &[],
                fixed_bytes("key-container/mismatch/nonce"),
                &ada.master,
            );
            let publics = [p.signing_public, p.agreement_public].concat();
            let seeds = [ada.signing_seed, ada.agreement_secret].concat();
            p.wrapped_identity = seal(
                &master,
                Purpose::IdentityKeys,
                &publics,
                fixed_bytes("key-container/mismatch/nonce"),
                &seeds,
            );
            p.signature = bob
                .identity()
                .signing_key()
                .sign_message(&p.signed_message().expect("short fields"));
            p
        };
        let kek = SymmetricKey::from_bytes(ada.kek);
        let short_master = seal(
            &kek,
            Purpose::MasterKey,
            &[],
            fixed_bytes("key-container/short/nonce"),
            &[0x42; 31],
        );
        let resealed_master = seal(
            &kek,
            Purpose::MasterKey,
            &[],
            fixed_bytes("key-container/reseal/nonce"),
            &ada.master,
        );
        let df = "decryption_failed";
        let bad_sig = "invalid_signature";
        let mut wrong_kek = first.failing("opened with another KEK (wrong password)", df, |_| ());
        wrong_kek.kek = Hex(fixed_bytes::<32>("key-container/other-kek").to_vec());
        let failures = vec![
            ("invalid-wrong-kek", wrong_kek),
            (
                "invalid-swapped-signing-public",
                first.failing("signing_public of another identity", df, |p| {
                    p.signing_public = bobs.signing_public
                }),
            ),
            (
                "invalid-swapped-agreement-public",
                first.failing("agreement_public of another identity", df, |p| {
                    p.agreement_public = bobs.agreement_public
                }),
            ),
            (
                "invalid-swapped-identity",
                first.failing(
                    "both public keys and the signature of another account",
                    df,
                    |p| {
                        p.signing_public = bobs.signing_public;
                        p.agreement_public = bobs.agreement_public;
                        p.signature = bobs.signature;
                    },
                ),
            ),
            (
                "invalid-seeds-not-matching-publics",
                first.failing(
                    "identity seeds that do not derive the public keys",
                    "integrity",
                    |p| *p = mismatched.clone(),
                ),
            ),
            (
                "invalid-bad-signature",
                first.failing("a signature byte flipped", bad_sig, |p| {
                    p.signature[0] ^= 0x01
                }),
            ),
            (
                "invalid-generation-changed",
                first.failing("generation raised without re-signing", bad_sig, |p| {
                    p.generation += 1
                }),
            ),
            (
                "invalid-master-key-resealed",
                first.failing(
                    "master key re-sealed (another nonce) without re-signing",
                    bad_sig,
                    |p| p.wrapped_master_key = resealed_master,
                ),
            ),
            (
                "invalid-bad-version",
                first.failing("version 2", "invalid_format", |p| p.version = 2),
            ),
            (
                "invalid-truncated-identity",
                first.failing("last byte of wrapped_identity dropped", df, |p| {
                    p.wrapped_identity.pop();
                }),
            ),
            (
                "invalid-short-master-key",
                first.failing(
                    "a validly sealed 31-byte master key",
                    "invalid_format",
                    |p| p.wrapped_master_key = short_master,
                ),
            ),
        ];
        let mut all = vec![
            ("valid-first-generation", first),
            (
                "valid-later-generation",
                ada.valid(
                    "the same keys re-sealed with fresh nonces, generation 7",
                    7,
                    "ada-7",
                ),
            ),
        ];
        all.extend(failures);
        all
    }

    vector_meta!();

    fn check(&self) -> Result<(), String> {
        let kek = SymmetricKey::from_bytes(self.kek.array("kek")?);
        let parts = self.container.parts()?;
        let opened = open_key_container(&kek, &parts);
        if !self.valid {
            return expect_error(opened, self.error.as_deref());
        }
        let (master, identity) = opened.map_err(|e| format!("open failed: {e}"))?;
        let expected_master = SymmetricKey::from_bytes(
            required(&self.master_key, "master_key")?.array("master_key")?,
        );
        expect_eq("master key", master.as_bytes(), expected_master.as_bytes())?;
        let seeds = Identity::from_seeds(
            required(&self.signing_seed, "signing_seed")?.array("signing_seed")?,
            required(&self.agreement_secret, "agreement_secret")?.array("agreement_secret")?,
        );
        expect_eq(
            "signing_public",
            identity.signing_public(),
            seeds.signing_public(),
        )?;
        expect_eq(
            "agreement_public",
            identity.agreement_public(),
            seeds.agreement_public(),
        )?;
        expect_eq(
            "signed_message",
            parts.signed_message().map(Hex),
            self.signed_message.clone(),
        )?;
        let recreated = create_key_container(
            &kek,
            &expected_master,
            &seeds,
            parts.generation,
            required(&self.nonce_master, "nonce_master")?.array("nonce_master")?,
            required(&self.nonce_identity, "nonce_identity")?.array("nonce_identity")?,
        );
        expect_eq("container", recreated, parts)
    }
}
