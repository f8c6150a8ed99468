//! "Invisible salamanders": why the seal commits to its key (PROTOCOL.md §4, §11).
//!
//! AES-GCM is not key-committing: anyone who knows two keys can make one ciphertext (with one
//! nonce, one AAD and one tag) that authenticates under both and decrypts to a different
//! plaintext under each (Dodis, Grubbs, Ristenpart, Woodage, "Fast Message Franking: From
//! Invisible Salamanders to Encryptment", CRYPTO 2018; Len, Grubbs, Ristenpart, "Partitioning
//! Oracle Attacks", USENIX Security 2021). For coffer that would let a reporter claim a link key
//! of their own opens the stored sealed key to other content, or a server confuse two keys.
//!
//! The construction: GCM's tag is `GHASH_H(A, C) ⊕ E_K(J0)` with `H = E_K(0^128)`, and GHASH
//! is a polynomial in `H` whose coefficients are the blocks of `A`, `C` and the length block,
//! so the tag is linear in each ciphertext block. Fix every block but one, write the equality
//! of the two tags (under `K1` and `K2`) and solve it for that block in GF(2^128).
//!
//! These tests build such a ciphertext, show that raw AES-GCM (aws-lc-rs, which coffer uses)
//! opens it under both keys, then show that the seal (the commitment, checked before GCM) and
//! the content format (the header HMAC, which pins `NK`) accept only one of them.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::cipher::{AES_256, EncryptingKey, EncryptionContext, UnboundCipherKey};

use super::{COMMITMENT_LEN, Purpose, SEAL_LABEL, SEAL_VERSION, aad, open, seal};
use crate::content::{ContentDecryptor, ContentEncryptor, MIN_CHUNK_SIZE};
use crate::error::CryptoError;
use crate::keys::{SymmetricKey, hkdf_sha256};

/// Multiplication in GCM's GF(2^128) (NIST SP 800-38D §6.3, Algorithm 1). A block read as a
/// big-endian `u128` has the coefficient of x^0 in its top bit.
fn gf_mul(x: u128, y: u128) -> u128 {
    const R: u128 = 0xe1 << 120;
    let (mut z, mut v) = (0u128, y);
    for i in 0..128 {
        if (x >> (127 - i)) & 1 == 1 {
            z ^= v;
        }
        v = if v & 1 == 1 { (v >> 1) ^ R } else { v >> 1 };
    }
    z
}

/// `x^(2^128 − 2)`, the inverse of a non-zero `x` (the multiplicative group has order 2^128 − 1).
fn gf_inv(x: u128) -> u128 {
    let (mut result, mut base, mut e) = (1u128 << 127, x, u128::MAX - 1);
    while e != 0 {
        if e & 1 == 1 {
            result = gf_mul(result, base);
        }
        base = gf_mul(base, base);
        e >>= 1;
    }
    result
}

fn block(bytes: &[u8]) -> u128 {
    let mut b = [0u8; 16];
    b[..bytes.len()].copy_from_slice(bytes);
    u128::from_be_bytes(b)
}

/// GHASH_H over `aad` and `ct`, each zero-padded to whole blocks, then the length block.
fn ghash(h: u128, aad: &[u8], ct: &[u8]) -> u128 {
    let lengths = ((aad.len() as u128 * 8) << 64) | (ct.len() as u128 * 8);
    aad.chunks(16)
        .chain(ct.chunks(16))
        .map(block)
        .chain([lengths])
        .fold(0, |y, x| gf_mul(y ^ x, h))
}

/// What an attacker needs of one AES-GCM key: `H`, `E_K(J0)` and the keystream.
struct GcmParts {
    aes: EncryptingKey,
    nonce: [u8; 12],
}

impl GcmParts {
    fn new(key: &[u8], nonce: [u8; 12]) -> GcmParts {
        let key = UnboundCipherKey::new(&AES_256, key).unwrap();
        GcmParts {
            aes: EncryptingKey::ecb(key).unwrap(),
            nonce,
        }
    }

    fn aes(&self, input: [u8; 16]) -> u128 {
        let mut b = input;
        self.aes
            .less_safe_encrypt(&mut b, EncryptionContext::None)
            .unwrap();
        u128::from_be_bytes(b)
    }

    fn h(&self) -> u128 {
        self.aes([0; 16])
    }

    /// `E_K(nonce ‖ u32(counter))`: counter 1 is J0 (masks the tag), 2.. the keystream.
    fn counter_block(&self, counter: u32) -> u128 {
        let mut b = [0u8; 16];
        b[..12].copy_from_slice(&self.nonce);
        b[12..].copy_from_slice(&counter.to_be_bytes());
        self.aes(b)
    }

    fn tag(&self, aad: &[u8], ct: &[u8]) -> u128 {
        ghash(self.h(), aad, ct) ^ self.counter_block(1)
    }
}

/// One AES-GCM ciphertext ‖ tag that opens under `k1` and `k2` with `nonce` and `aad`:
/// `plaintext` (whole blocks) is encrypted under `k1`, then its last block is replaced by the
/// one that makes both tags equal.
fn collide(k1: &[u8], k2: &[u8], nonce: [u8; 12], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    assert!(!plaintext.is_empty() && plaintext.len() % 16 == 0);
    let (g1, g2) = (GcmParts::new(k1, nonce), GcmParts::new(k2, nonce));
    let mut ct = Vec::with_capacity(plaintext.len() + 16);
    for (i, p) in plaintext.chunks(16).enumerate() {
        let c = block(p) ^ g1.counter_block(2 + i as u32);
        ct.extend_from_slice(&c.to_be_bytes());
    }
    let last = ct.len() - 16;
    ct[last..].fill(0);
    // With the last block X, tag_k = tag_k(X = 0) ⊕ X·H_k² (X is second to last before the
    // length block). Equal tags: X = (tag_1(0) ⊕ tag_2(0)) / (H_1² ⊕ H_2²).
    let (h1, h2) = (g1.h(), g2.h());
    let (h1_2, h2_2) = (gf_mul(h1, h1), gf_mul(h2, h2));
    let x = gf_mul(g1.tag(aad, &ct) ^ g2.tag(aad, &ct), gf_inv(h1_2 ^ h2_2));
    ct[last..].copy_from_slice(&x.to_be_bytes());
    let tag = g1.tag(aad, &ct);
    assert_eq!(tag, g2.tag(aad, &ct), "both tags agree by construction");
    ct.extend_from_slice(&tag.to_be_bytes());
    ct
}

/// Raw AES-256-GCM open with aws-lc-rs, as coffer would call it without a commitment.
fn gcm_open(key: &[u8], nonce: [u8; 12], aad: &[u8], ct: &[u8]) -> Option<Vec<u8>> {
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).unwrap());
    let mut buf = ct.to_vec();
    let n = key
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut buf,
        )
        .ok()?
        .len();
    buf.truncate(n);
    Some(buf)
}

/// The seal's GCM key and commitment for `key` and `purpose` (§4), spelled out.
fn seal_parts(key: &SymmetricKey, purpose: Purpose) -> ([u8; 32], [u8; COMMITMENT_LEN]) {
    let mut okm = [0u8; 64];
    hkdf_sha256(
        key.as_bytes(),
        &[],
        &[SEAL_LABEL, purpose.label().as_bytes()],
        &mut okm,
    );
    (okm[..32].try_into().unwrap(), okm[32..].try_into().unwrap())
}

#[test]
fn gf_arithmetic_and_ghash_match_aws_lc() {
    let one = 1u128 << 127;
    let a = 0x66e94bd4ef8a2c3b884cfa59ca342b2e;
    assert_eq!(gf_mul(a, one), a);
    assert_eq!(gf_mul(a, gf_inv(a)), one);
    // A tag computed by hand equals the one aws-lc-rs computes.
    let (key, nonce, aad, msg) = ([7u8; 32], [9u8; 12], b"some aad bytes!!!", [1u8; 40]);
    let gcm = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key).unwrap());
    let mut buf = msg.to_vec();
    gcm.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        &mut buf,
    )
    .unwrap();
    let (ct, tag) = buf.split_at(msg.len());
    assert_eq!(GcmParts::new(&key, nonce).tag(aad, ct).to_be_bytes(), tag);
}

#[test]
fn one_gcm_ciphertext_opens_under_two_keys() {
    let (k1, k2, nonce) = ([1u8; 32], [2u8; 32], [3u8; 12]);
    let aad = b"any associated data";
    let ct = collide(&k1, &k2, nonce, aad, b"0123456789abcdefharmless content");
    let p1 = gcm_open(&k1, nonce, aad, &ct).expect("opens under K1");
    let p2 = gcm_open(&k2, nonce, aad, &ct).expect("opens under K2 as well");
    assert_eq!(&p1[..16], b"0123456789abcdef");
    assert_ne!(p1, p2, "two different plaintexts from one ciphertext");
    assert!(gcm_open(&[4; 32], nonce, aad, &ct).is_none());
}

/// (a) The seal: a link's sealed key (§10.3) built on such a ciphertext. GCM accepts both link
/// keys, but the value carries one commitment, checked first, so only one key opens it.
#[test]
fn a_seal_built_on_it_opens_under_one_key_only() {
    let (lk1, lk2) = (
        SymmetricKey::from_bytes([1; 32]),
        SymmetricKey::from_bytes([2; 32]),
    );
    let (purpose, ctx, nonce) = (Purpose::Link, [0x5a; 32], [3u8; 12]);
    let ((enc1, commit1), (enc2, commit2)) = (seal_parts(&lk1, purpose), seal_parts(&lk2, purpose));
    let aad = aad(purpose, &ctx);
    let ct = collide(&enc1, &enc2, nonce, &aad, &[0x42; 64]);
    assert!(gcm_open(&enc1, nonce, &aad, &ct).is_some());
    assert!(gcm_open(&enc2, nonce, &aad, &ct).is_some());

    let build =
        |commitment: &[u8; COMMITMENT_LEN]| [&[SEAL_VERSION][..], &nonce, commitment, &ct].concat();
    // Our seal_parts is the real derivation: a genuine seal carries the same commitment.
    assert_eq!(&seal(&lk1, purpose, &ctx, nonce, b"")[13..45], &commit1);

    let sealed = build(&commit1);
    let under_lk1 = open(&lk1, purpose, &ctx, &sealed).expect("the committed key opens it");
    assert_eq!(under_lk1.len(), 64);
    assert_eq!(
        open(&lk2, purpose, &ctx, &sealed),
        Err(CryptoError::DecryptionFailed),
        "the other key is refused by the commitment, although GCM would accept it"
    );
    // Swapping in the second key's commitment only moves the problem: then LK1 is refused.
    let sealed = build(&commit2);
    assert!(open(&lk2, purpose, &ctx, &sealed).is_ok());
    assert_eq!(
        open(&lk1, purpose, &ctx, &sealed),
        Err(CryptoError::DecryptionFailed)
    );
}

/// (b) Content (§5): a chunk that GCM opens under the content keys of two node keys. The
/// header's HMAC is the commitment: for the one header the author signed, only its own `NK`
/// gets past `ContentDecryptor::new`.
#[test]
fn a_content_chunk_built_on_it_needs_the_header_of_its_key() {
    let (nk1, nk2) = (
        SymmetricKey::from_bytes([1; 32]),
        SymmetricKey::from_bytes([2; 32]),
    );
    let (node_id, version_id, salt) = ([0x11; 16], [0x22; 16], [0x33; 32]);
    let enc_key = |nk: &SymmetricKey| {
        let mut okm = [0u8; 64];
        hkdf_sha256(
            nk.as_bytes(),
            &salt,
            &[b"coffer/v1/content", &node_id, &version_id],
            &mut okm,
        );
        <[u8; 32]>::try_from(&okm[..32]).unwrap()
    };
    let (header, _) =
        ContentEncryptor::new(&nk1, &node_id, &version_id, salt, MIN_CHUNK_SIZE).unwrap();
    let aad = *blake3::hash(&header).as_bytes();
    // Chunk 0, final: nonce = u88(0) ‖ 0x01.
    let mut nonce = [0u8; 12];
    nonce[11] = 1;
    let chunk = collide(&enc_key(&nk1), &enc_key(&nk2), nonce, &aad, &[0x42; 48]);
    assert!(gcm_open(&enc_key(&nk1), nonce, &aad, &chunk).is_some());
    assert!(gcm_open(&enc_key(&nk2), nonce, &aad, &chunk).is_some());

    let d1 = ContentDecryptor::new(&nk1, &node_id, &version_id, &header).unwrap();
    let mut buf = chunk.clone();
    d1.decrypt_chunk(0, true, &mut buf)
        .expect("the header's own key reads the chunk");
    assert!(matches!(
        ContentDecryptor::new(&nk2, &node_id, &version_id, &header),
        Err(CryptoError::DecryptionFailed)
    ));
    // NK2's own header (same ids and salt) passes its MAC but changes the chunks' AAD, so this
    // chunk fails there. A forger could solve for two AADs at once, but the author signs exactly
    // one header (§7), and a reporter's key must get past that one.
    let (header2, _) =
        ContentEncryptor::new(&nk2, &node_id, &version_id, salt, MIN_CHUNK_SIZE).unwrap();
    let d2 = ContentDecryptor::new(&nk2, &node_id, &version_id, &header2).unwrap();
    let mut buf = chunk.clone();
    assert_eq!(
        d2.decrypt_chunk(0, true, &mut buf),
        Err(CryptoError::DecryptionFailed)
    );
}
