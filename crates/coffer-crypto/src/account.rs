//! The account identity and its key container (PROTOCOL.md §8).
//!
//! The container holds the master key sealed by the password KEK and the identity seeds sealed
//! by the master key, and is signed by the identity itself together with a monotonic
//! generation. The client refuses a container it cannot fully verify, and (outside this crate)
//! one whose generation is lower than one it has seen: a server can then neither swap in keys
//! of its choosing nor roll the account back to an older password or key.

use subtle::ConstantTimeEq;
use x25519_dalek::{PublicKey as AgreementPublic, StaticSecret};
use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::keys::SymmetricKey;
use crate::seal::{Purpose, open, seal};
use crate::sign::{SigningKey, put_lp, verify_message};

/// The only container version this crate reads and writes.
pub const KEY_CONTAINER_VERSION: u32 = 1;

const KEY_CONTAINER_LABEL: &[u8] = b"coffer/v1/key-container";

/// An account's identity: an Ed25519 signing key and an X25519 agreement key, both zeroized on
/// drop, no `Debug`.
#[derive(Clone)]
pub struct Identity {
    signing: SigningKey,
    agreement: StaticSecret,
}

impl Identity {
    /// Builds the identity from its two 32-byte secrets (random at signup). The X25519 secret
    /// is kept as given; clamping happens when it is used (RFC 7748 §5).
    pub fn from_seeds(signing_seed: [u8; 32], agreement_secret: [u8; 32]) -> Self {
        Identity {
            signing: SigningKey::from_seed(signing_seed),
            agreement: StaticSecret::from(agreement_secret),
        }
    }

    /// The Ed25519 key that signs node records, shares and the key container.
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// The Ed25519 public key.
    pub fn signing_public(&self) -> [u8; 32] {
        self.signing.public()
    }

    /// The X25519 public key.
    pub fn agreement_public(&self) -> [u8; 32] {
        AgreementPublic::from(&self.agreement).to_bytes()
    }

    /// The X25519 secret as drawn (unclamped), for HPKE's `OpenBase` (PROTOCOL.md §12.2).
    pub(crate) fn agreement_secret(&self) -> &[u8; 32] {
        self.agreement.as_bytes()
    }

    /// `signing_public ‖ agreement_public`: the ctx of the `identity-keys` seal.
    fn publics(&self) -> [u8; 64] {
        public_pair(&self.signing_public(), &self.agreement_public())
    }

    /// `signing seed ‖ X25519 secret`: the plaintext of the `identity-keys` seal.
    fn seeds(&self) -> Zeroizing<[u8; 64]> {
        let mut seeds = Zeroizing::new([0u8; 64]);
        seeds[..32].copy_from_slice(self.signing.seed());
        seeds[32..].copy_from_slice(self.agreement.as_bytes());
        seeds
    }
}

fn public_pair(signing_public: &[u8; 32], agreement_public: &[u8; 32]) -> [u8; 64] {
    let mut pair = [0u8; 64];
    pair[..32].copy_from_slice(signing_public);
    pair[32..].copy_from_slice(agreement_public);
    pair
}

/// The fields of a key container, as carried (base64url) in `coffer_api::KeyContainer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyContainerParts {
    /// Container format version, 1.
    pub version: u32,
    /// Monotonic; a client refuses a generation lower than one it has seen.
    pub generation: u64,
    /// Ed25519 public key of the identity.
    pub signing_public: [u8; 32],
    /// X25519 public key of the identity.
    pub agreement_public: [u8; 32],
    /// `seal(password KEK, "master-key", "", MK)`.
    pub wrapped_master_key: Vec<u8>,
    /// `seal(MK, "identity-keys", signing_public ‖ agreement_public, seeds)`.
    pub wrapped_identity: Vec<u8>,
    /// Ed25519 signature by `signing_public` over [`KeyContainerParts::signed_message`].
    pub signature: [u8; 64],
}

impl KeyContainerParts {
    /// The signed message of PROTOCOL.md §8 (`None` if a sealed field exceeds `u32::MAX`).
    pub fn signed_message(&self) -> Option<Vec<u8>> {
        let mut m =
            Vec::with_capacity(200 + self.wrapped_master_key.len() + self.wrapped_identity.len());
        m.extend_from_slice(KEY_CONTAINER_LABEL);
        m.push(0x00);
        m.extend_from_slice(&self.generation.to_be_bytes());
        m.extend_from_slice(&self.signing_public);
        m.extend_from_slice(&self.agreement_public);
        let ok = put_lp(&mut m, &self.wrapped_master_key) && put_lp(&mut m, &self.wrapped_identity);
        ok.then_some(m)
    }
}

/// Seals the master key and the identity and signs the result with the identity.
///
/// A password change or a new generation is the same call with the same `master` and
/// `identity`, a new KEK or generation and fresh nonces.
pub fn create_key_container(
    kek: &SymmetricKey,
    master: &SymmetricKey,
    identity: &Identity,
    generation: u64,
    nonce_master: [u8; 12],
    nonce_identity: [u8; 12],
) -> KeyContainerParts {
    let publics = identity.publics();
    let mut parts = KeyContainerParts {
        version: KEY_CONTAINER_VERSION,
        generation,
        signing_public: identity.signing_public(),
        agreement_public: identity.agreement_public(),
        wrapped_master_key: seal(
            kek,
            Purpose::MasterKey,
            &[],
            nonce_master,
            master.as_bytes(),
        ),
        wrapped_identity: seal(
            master,
            Purpose::IdentityKeys,
            &publics,
            nonce_identity,
            &*identity.seeds(),
        ),
        signature: [0; 64],
    };
    let message = parts
        .signed_message()
        .expect("two seals of 32 and 64 bytes fit a u32 length prefix");
    parts.signature = identity.signing.sign_message(&message);
    parts
}

/// Opens and fully verifies a key container: the master key (under `kek`), the identity seeds
/// (under the master key, bound to the two public keys), that the seeds derive those public
/// keys, and the signature. The generation check against the last one seen is the caller's.
///
/// Errors: `InvalidFormat` for another version, `DecryptionFailed` for a wrong KEK or a
/// tampered seal or public key, `Integrity` if the seeds do not derive the public keys,
/// `InvalidSignature` for a bad signature (e.g. a changed generation).
pub fn open_key_container(
    kek: &SymmetricKey,
    c: &KeyContainerParts,
) -> Result<(SymmetricKey, Identity), CryptoError> {
    if c.version != KEY_CONTAINER_VERSION {
        return Err(CryptoError::InvalidFormat);
    }
    let master_bytes = open(kek, Purpose::MasterKey, &[], &c.wrapped_master_key)?;
    let master = SymmetricKey::from_bytes(
        master_bytes[..]
            .try_into()
            .map_err(|_| CryptoError::InvalidFormat)?,
    );
    let publics = public_pair(&c.signing_public, &c.agreement_public);
    let seeds = open(
        &master,
        Purpose::IdentityKeys,
        &publics,
        &c.wrapped_identity,
    )?;
    if seeds.len() != 64 {
        return Err(CryptoError::InvalidFormat);
    }
    let mut signing_seed = Zeroizing::new([0u8; 32]);
    let mut agreement_secret = Zeroizing::new([0u8; 32]);
    signing_seed.copy_from_slice(&seeds[..32]);
    agreement_secret.copy_from_slice(&seeds[32..]);
    let identity = Identity::from_seeds(*signing_seed, *agreement_secret);
    if !bool::from(identity.publics().ct_eq(&publics)) {
        return Err(CryptoError::Integrity("identity public keys"));
    }
    let message = c.signed_message().ok_or(CryptoError::InvalidSignature)?;
    verify_message(&c.signing_public, &message, &c.signature)?;
    Ok((master, identity))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kek() -> SymmetricKey {
        SymmetricKey::from_bytes([1; 32])
    }
    fn master() -> SymmetricKey {
        SymmetricKey::from_bytes([2; 32])
    }
    fn identity() -> Identity {
        Identity::from_seeds([3; 32], [4; 32])
    }
    fn container() -> KeyContainerParts {
        create_key_container(&kek(), &master(), &identity(), 7, [5; 12], [6; 12])
    }

    #[test]
    fn round_trip() {
        let c = container();
        assert_eq!(c.version, 1);
        assert_eq!(c.generation, 7);
        let (mk, id) = open_key_container(&kek(), &c).unwrap();
        assert_eq!(mk.as_bytes(), &[2; 32]);
        assert_eq!(id.signing_public(), identity().signing_public());
        assert_eq!(id.agreement_public(), identity().agreement_public());
        assert_eq!(&*id.seeds(), &*identity().seeds());
    }

    #[test]
    fn agreement_public_is_rfc7748_base_point_multiplication() {
        // RFC 7748 §6.1: Alice's key pair.
        let secret =
            hex::decode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
                .unwrap();
        let id = Identity::from_seeds([0; 32], secret.try_into().unwrap());
        assert_eq!(
            hex::encode(id.agreement_public()),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
        );
    }

    #[test]
    fn wrong_kek_fails() {
        let other = SymmetricKey::from_bytes([9; 32]);
        assert_eq!(
            open_key_container(&other, &container()).err(),
            Some(CryptoError::DecryptionFailed)
        );
    }

    #[test]
    fn swapped_identity_fails() {
        let other = Identity::from_seeds([8; 32], [9; 32]);
        let mut c = container();
        c.signing_public = other.signing_public();
        assert_eq!(
            open_key_container(&kek(), &c).err(),
            Some(CryptoError::DecryptionFailed)
        );
        let mut c = container();
        c.agreement_public = other.agreement_public();
        assert_eq!(
            open_key_container(&kek(), &c).err(),
            Some(CryptoError::DecryptionFailed)
        );
        // Another account's whole identity blob, re-signed by the server's choice of key.
        let theirs = create_key_container(&kek(), &master(), &other, 7, [5; 12], [6; 12]);
        let mut c = container();
        c.wrapped_identity = theirs.wrapped_identity;
        assert_eq!(
            open_key_container(&kek(), &c).err(),
            Some(CryptoError::DecryptionFailed)
        );
    }

    #[test]
    fn seeds_that_do_not_derive_the_public_keys_fail() {
        // Only a master-key holder can build this: seeds of one identity sealed under the
        // public keys of another.
        let other = Identity::from_seeds([8; 32], [9; 32]);
        let mut c = create_key_container(&kek(), &master(), &other, 7, [5; 12], [6; 12]);
        let publics = public_pair(&c.signing_public, &c.agreement_public);
        c.wrapped_identity = seal(
            &master(),
            Purpose::IdentityKeys,
            &publics,
            [6; 12],
            &*identity().seeds(),
        );
        c.signature = other.signing.sign_message(&c.signed_message().unwrap());
        assert_eq!(
            open_key_container(&kek(), &c).err(),
            Some(CryptoError::Integrity("identity public keys"))
        );
    }

    #[test]
    fn bad_signature_or_changed_generation_fails() {
        let mut c = container();
        c.signature[10] ^= 1;
        assert_eq!(
            open_key_container(&kek(), &c).err(),
            Some(CryptoError::InvalidSignature)
        );
        let mut c = container();
        c.generation += 1;
        assert_eq!(
            open_key_container(&kek(), &c).err(),
            Some(CryptoError::InvalidSignature)
        );
        // A master key re-wrapped under another KEK without re-signing.
        let mut c = container();
        c.wrapped_master_key = seal(
            &kek(),
            Purpose::MasterKey,
            &[],
            [1; 12],
            master().as_bytes(),
        );
        assert_eq!(
            open_key_container(&kek(), &c).err(),
            Some(CryptoError::InvalidSignature)
        );
    }

    #[test]
    fn bad_version_or_truncation_fails() {
        let mut c = container();
        c.version = 2;
        assert_eq!(
            open_key_container(&kek(), &c).err(),
            Some(CryptoError::InvalidFormat)
        );
        let mut c = container();
        c.wrapped_identity.pop();
        assert_eq!(
            open_key_container(&kek(), &c).err(),
            Some(CryptoError::DecryptionFailed)
        );
        let mut c = container();
        c.wrapped_master_key.clear();
        assert_eq!(
            open_key_container(&kek(), &c).err(),
            Some(CryptoError::DecryptionFailed)
        );
    }

    #[test]
    fn new_generation_keeps_keys() {
        let newer = create_key_container(&kek(), &master(), &identity(), 8, [7; 12], [8; 12]);
        let (mk, _) = open_key_container(&kek(), &newer).unwrap();
        assert_eq!(mk.as_bytes(), &[2; 32]);
    }
}
