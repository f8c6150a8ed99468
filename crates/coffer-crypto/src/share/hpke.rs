//! HPKE (RFC 9180) base mode with DHKEM(X25519, HKDF-SHA256) and HKDF-SHA256, through the
//! `hpke` crate, with the ephemeral key taken from an input instead of an RNG.
//!
//! The crate offers no public "encapsulate with this ephemeral key" call (its `encap_with_eph`
//! is crate-private), but its `encap` draws exactly `Nsk` = 32 bytes of `ikm` from the RNG it
//! is given and runs `DeriveKeyPair(ikm)` on them (RFC 9180 §7.1.3, `gen_keypair`). So the
//! sender gets a [`OneShotIkm`]: an RNG that yields the caller's 32 bytes once. Any other draw
//! (a second one, or one of another length) yields zeros and marks the adapter as misused; the
//! seal is then refused, so a change in the crate's behaviour fails loudly instead of sealing
//! with a predictable ephemeral key. This is also the path RFC 9180 Appendix A's `ikmE` values
//! take, which is what the test below checks.

use hpke::aead::{Aead, AesGcm256};
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::rand_core::{CryptoRng, RngCore};
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};
use zeroize::Zeroizing;

use crate::error::CryptoError;

/// Length of `enc`, the encapsulated X25519 public key (RFC 9180 §7.1, `Nenc`).
pub const ENC_LEN: usize = 32;

/// Length of the AEAD tag HPKE appends to the ciphertext (`Nt`).
pub const HPKE_TAG_LEN: usize = 16;

type Dhkem = X25519HkdfSha256;

/// `SealBase(pkR, info, aad, pt)` with the share suite's AES-256-GCM.
pub(crate) fn seal_base(
    recipient_public: &[u8; 32],
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
    ephemeral_ikm: [u8; 32],
) -> Result<([u8; ENC_LEN], Vec<u8>), CryptoError> {
    seal_base_with::<AesGcm256>(recipient_public, info, aad, plaintext, ephemeral_ikm)
}

/// `OpenBase(enc, skR, info, aad, ct)` with the share suite's AES-256-GCM. The plaintext is
/// zeroized when dropped.
pub(crate) fn open_base(
    recipient_secret: &[u8; 32],
    enc: &[u8; ENC_LEN],
    info: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    open_base_with::<AesGcm256>(recipient_secret, enc, info, aad, ciphertext)
}

/// The generic path behind [`seal_base`], also used with AES-128-GCM for RFC 9180's vectors.
///
/// A recipient key whose shared secret is all zeros (a small-order point) fails inside the
/// crate's DH (RFC 9180 §7.1.1); that and every other failure is [`CryptoError::Integrity`]:
/// the caller gave a key that cannot be sealed to.
fn seal_base_with<A: Aead>(
    recipient_public: &[u8; 32],
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
    ephemeral_ikm: [u8; 32],
) -> Result<([u8; ENC_LEN], Vec<u8>), CryptoError> {
    const REFUSED: CryptoError = CryptoError::Integrity("recipient agreement key");
    let pk = <Dhkem as Kem>::PublicKey::from_bytes(recipient_public).map_err(|_| REFUSED)?;
    let mut rng = OneShotIkm::new(ephemeral_ikm);
    let result = hpke::single_shot_seal::<A, HkdfSha256, Dhkem, _>(
        &OpModeS::Base,
        &pk,
        info,
        plaintext,
        aad,
        &mut rng,
    );
    if !rng.used_exactly_once() {
        return Err(CryptoError::Integrity("HPKE ephemeral key"));
    }
    let (encapped, ciphertext) = result.map_err(|_| REFUSED)?;
    let enc = encapped
        .to_bytes()
        .as_slice()
        .try_into()
        .map_err(|_| REFUSED)?;
    Ok((enc, ciphertext))
}

/// The generic path behind [`open_base`]. Every failure (a bad `enc`, an all-zero shared
/// secret, a wrong key, a tampered ciphertext or info) is [`CryptoError::DecryptionFailed`].
fn open_base_with<A: Aead>(
    recipient_secret: &[u8; 32],
    enc: &[u8; ENC_LEN],
    info: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let sk = <Dhkem as Kem>::PrivateKey::from_bytes(recipient_secret)
        .map_err(|_| CryptoError::DecryptionFailed)?;
    let encapped =
        <Dhkem as Kem>::EncappedKey::from_bytes(enc).map_err(|_| CryptoError::DecryptionFailed)?;
    hpke::single_shot_open::<A, HkdfSha256, Dhkem>(
        &OpModeR::Base,
        &sk,
        &encapped,
        info,
        ciphertext,
        aad,
    )
    .map(Zeroizing::new)
    .map_err(|_| CryptoError::DecryptionFailed)
}

/// An "RNG" that yields one given 32-byte `ikm` once; see the module docs.
struct OneShotIkm {
    ikm: Zeroizing<[u8; 32]>,
    draws: u32,
    misused: bool,
}

impl OneShotIkm {
    fn new(ikm: [u8; 32]) -> Self {
        OneShotIkm {
            ikm: Zeroizing::new(ikm),
            draws: 0,
            misused: false,
        }
    }

    fn used_exactly_once(&self) -> bool {
        self.draws == 1 && !self.misused
    }
}

impl RngCore for OneShotIkm {
    fn next_u32(&mut self) -> u32 {
        self.misused = true;
        0
    }

    fn next_u64(&mut self) -> u64 {
        self.misused = true;
        0
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        if self.draws == 0 && dest.len() == self.ikm.len() {
            dest.copy_from_slice(&*self.ikm);
        } else {
            self.misused = true;
            dest.fill(0);
        }
        self.draws = self.draws.saturating_add(1);
    }
}

/// Not a CSPRNG itself: the caller's `ikm` MUST be fresh random bytes (PROTOCOL.md §12.2).
impl CryptoRng for OneShotIkm {}

#[cfg(test)]
mod tests {
    use hpke::aead::AesGcm128;

    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    fn a32(s: &str) -> [u8; 32] {
        h(s).try_into().unwrap()
    }

    /// RFC 9180 Appendix A.1.1 (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base
    /// mode), sequence number 0: the same generic code as our AES-256-GCM suite, so the KEM,
    /// `DeriveKeyPair` from `ikmE` through [`OneShotIkm`], and the key schedule are the RFC's.
    #[test]
    fn rfc9180_a1_base_mode_vector() {
        let info = h("4f6465206f6e2061204772656369616e2055726e");
        let ikm_e = a32("7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234");
        let ikm_r = a32("6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037");
        let sk_rm = "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8";
        let pk_rm = "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d";
        let enc_expected = "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431";
        let pt = h("4265617574792069732074727574682c20747275746820626561757479");
        let aad = h("436f756e742d30");
        let ct_expected = "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a";

        let (sk_r, pk_r) = <Dhkem as Kem>::derive_keypair(&ikm_r);
        assert_eq!(hex::encode(sk_r.to_bytes()), sk_rm);
        assert_eq!(hex::encode(pk_r.to_bytes()), pk_rm);
        let (enc, ct) = seal_base_with::<AesGcm128>(&a32(pk_rm), &info, &aad, &pt, ikm_e).unwrap();
        assert_eq!(hex::encode(enc), enc_expected);
        assert_eq!(hex::encode(&ct), ct_expected);
        let opened = open_base_with::<AesGcm128>(&a32(sk_rm), &enc, &info, &aad, &ct).unwrap();
        assert_eq!(&*opened, &pt);
    }

    #[test]
    fn seal_open_round_trip_and_failures() {
        let secret = [7u8; 32];
        let public = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(secret));
        let (enc, ct) = seal_base(public.as_bytes(), b"info", b"", b"payload", [9; 32]).unwrap();
        assert_eq!(ct.len(), 7 + HPKE_TAG_LEN);
        assert_eq!(
            &*open_base(&secret, &enc, b"info", b"", &ct).unwrap(),
            b"payload"
        );
        // Deterministic in the ikm, different for another.
        let again = seal_base(public.as_bytes(), b"info", b"", b"payload", [9; 32]).unwrap();
        assert_eq!((enc, ct.clone()), again);
        let other = seal_base(public.as_bytes(), b"info", b"", b"payload", [8; 32]).unwrap();
        assert_ne!(enc, other.0);
        let df = Err(CryptoError::DecryptionFailed);
        assert_eq!(open_base(&secret, &enc, b"infx", b"", &ct).map(|_| ()), df);
        assert_eq!(open_base(&[6; 32], &enc, b"info", b"", &ct).map(|_| ()), df);
        assert_eq!(
            open_base(&secret, &enc, b"info", b"", &ct[1..]).map(|_| ()),
            df
        );
        assert_eq!(
            open_base(&secret, &[0; 32], b"info", b"", &ct).map(|_| ()),
            df
        );
    }

    #[test]
    fn small_order_recipient_keys_are_refused() {
        // The all-zero point and the order-8 point of RFC 7748 §7 give an all-zero secret.
        let zero = [0u8; 32];
        let order8 = a32("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
        for key in [zero, order8] {
            assert!(matches!(
                seal_base(&key, b"info", b"", b"pt", [9; 32]),
                Err(CryptoError::Integrity(_))
            ));
        }
    }

    #[test]
    fn the_adapter_refuses_any_other_draw() {
        let mut rng = OneShotIkm::new([1; 32]);
        let mut out = [0u8; 32];
        rng.fill_bytes(&mut out);
        assert_eq!(out, [1; 32]);
        assert!(rng.used_exactly_once());
        rng.fill_bytes(&mut out);
        assert_eq!(out, [0; 32]);
        assert!(!rng.used_exactly_once());
        let mut rng = OneShotIkm::new([1; 32]);
        let mut short = [0u8; 16];
        rng.fill_bytes(&mut short);
        assert!(!rng.used_exactly_once());
        let mut rng = OneShotIkm::new([1; 32]);
        rng.next_u32();
        assert!(!rng.used_exactly_once());
    }
}
