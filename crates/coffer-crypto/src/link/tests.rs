//! Unit tests of the link module (its submodules test themselves).

use super::*;
use crate::seal::SEAL_OVERHEAD;

const LINK_ID: [u8; 16] = [0x11; 16];
const NODE_ID: [u8; 16] = [0x22; 16];
const AUTHOR: [u8; 32] = [0x33; 32];

fn secret(b: u8) -> LinkSecret {
    LinkSecret::from_bytes([b; 32])
}

/// Small Argon2id parameters (m = 8192 KiB, t = 1, p = 1) to keep the tests fast.
fn params() -> LinkPasswordParams {
    LinkPasswordParams {
        salt: [0x44; 16],
        iterations: 1,
        memory_kib: 8192,
        parallelism: 1,
    }
}

/// A link as its creator makes it: `(access_hash, sealed_key)`.
fn create(secret: &LinkSecret, password_key: Option<&SymmetricKey>) -> ([u8; 32], Vec<u8>) {
    let keys = derive_link_keys(&LINK_ID, secret, password_key);
    let node_key = SymmetricKey::from_bytes([0x55; 32]);
    let sealed = seal_link_key(
        &keys.link_key,
        &LINK_ID,
        &NODE_ID,
        &node_key,
        &AUTHOR,
        [0x66; 12],
    );
    (keys.access.hash(), sealed)
}

fn open_with(
    secret: &LinkSecret,
    password_key: Option<&SymmetricKey>,
    link_id: &[u8; 16],
    node_id: &[u8; 16],
    sealed: &[u8],
) -> Result<(SymmetricKey, [u8; 32]), CryptoError> {
    let keys = derive_link_keys(link_id, secret, password_key);
    open_link_key(&keys.link_key, link_id, node_id, sealed)
}

fn assert_opens(result: Result<(SymmetricKey, [u8; 32]), CryptoError>) {
    let (node_key, author) = result.expect("the link opens");
    assert_eq!(node_key.as_bytes(), &[0x55; 32]);
    assert_eq!(author, AUTHOR);
}

fn assert_fails(result: Result<(SymmetricKey, [u8; 32]), CryptoError>, expected: CryptoError) {
    match result {
        Ok(_) => panic!("opened, expected {expected:?}"),
        Err(e) => assert_eq!(e, expected),
    }
}

#[test]
fn round_trip_without_password() {
    let (_, sealed) = create(&secret(1), None);
    assert_eq!(sealed.len(), SEALED_LINK_KEY_LEN);
    assert_eq!(SEALED_LINK_KEY_LEN, 125);
    assert_opens(open_with(&secret(1), None, &LINK_ID, &NODE_ID, &sealed));
}

#[test]
fn round_trip_with_password() {
    let pw_key = link_password_key(b"hunter2", &params()).unwrap();
    let (_, sealed) = create(&secret(1), Some(&pw_key));
    assert_opens(open_with(
        &secret(1),
        Some(&pw_key),
        &LINK_ID,
        &NODE_ID,
        &sealed,
    ));
    // The password is part of the key: without it the same secret does not open the link.
    assert_fails(
        open_with(&secret(1), None, &LINK_ID, &NODE_ID, &sealed),
        CryptoError::DecryptionFailed,
    );
}

#[test]
fn wrong_secret_password_link_or_node_fails() {
    let pw_key = link_password_key(b"hunter2", &params()).unwrap();
    let wrong_pw = link_password_key(b"hunter3", &params()).unwrap();
    let (_, sealed) = create(&secret(1), Some(&pw_key));
    let df = CryptoError::DecryptionFailed;
    let other_id = [0x77; 16];
    assert_fails(
        open_with(&secret(2), Some(&pw_key), &LINK_ID, &NODE_ID, &sealed),
        df.clone(),
    );
    assert_fails(
        open_with(&secret(1), Some(&wrong_pw), &LINK_ID, &NODE_ID, &sealed),
        df.clone(),
    );
    // Another link id derives another LK, and is in the ctx.
    assert_fails(
        open_with(&secret(1), Some(&pw_key), &other_id, &NODE_ID, &sealed),
        df.clone(),
    );
    // A retargeted link: the server points it at another node.
    assert_fails(
        open_with(&secret(1), Some(&pw_key), &LINK_ID, &other_id, &sealed),
        df.clone(),
    );
    // The right LK but the link id swapped in the ctx alone.
    let keys = derive_link_keys(&LINK_ID, &secret(1), Some(&pw_key));
    assert_fails(
        open_link_key(&keys.link_key, &NODE_ID, &LINK_ID, &sealed),
        df,
    );
}

#[test]
fn tampered_or_truncated_seal_fails() {
    let (_, sealed) = create(&secret(1), None);
    let keys = derive_link_keys(&LINK_ID, &secret(1), None);
    for i in 0..sealed.len() {
        let mut bad = sealed.clone();
        bad[i] ^= 0x80;
        assert_fails(
            open_link_key(&keys.link_key, &LINK_ID, &NODE_ID, &bad),
            CryptoError::DecryptionFailed,
        );
    }
    for len in [0, 1, SEAL_OVERHEAD - 1, SEAL_OVERHEAD, sealed.len() - 1] {
        assert_fails(
            open_link_key(&keys.link_key, &LINK_ID, &NODE_ID, &sealed[..len]),
            // A 61-byte seal is a valid length whose tag does not verify.
            CryptoError::DecryptionFailed,
        );
    }
    let mut longer = sealed.clone();
    longer.push(0);
    assert_fails(
        open_link_key(&keys.link_key, &LINK_ID, &NODE_ID, &longer),
        CryptoError::DecryptionFailed,
    );
}

#[test]
fn plaintext_of_another_length_is_invalid_format() {
    let keys = derive_link_keys(&LINK_ID, &secret(1), None);
    let ctx = link_ctx(&LINK_ID, &NODE_ID);
    for len in [0, 32, 63, 65] {
        let sealed = seal(&keys.link_key, Purpose::Link, &ctx, [0; 12], &vec![7; len]);
        assert_fails(
            open_link_key(&keys.link_key, &LINK_ID, &NODE_ID, &sealed),
            CryptoError::InvalidFormat,
        );
    }
    // A node-key seal under LK with the same ctx is another purpose: it does not open.
    let as_node_key = seal(&keys.link_key, Purpose::NodeKey, &ctx, [0; 12], &[7; 64]);
    assert_fails(
        open_link_key(&keys.link_key, &LINK_ID, &NODE_ID, &as_node_key),
        CryptoError::DecryptionFailed,
    );
}

#[test]
fn keys_are_independent_and_depend_on_every_input() {
    let pw_key = link_password_key(b"pw", &params()).unwrap();
    let base = derive_link_keys(&LINK_ID, &secret(1), None);
    assert_ne!(base.link_key.as_bytes(), base.access.as_bytes());
    let variants = [
        derive_link_keys(&[0x12; 16], &secret(1), None),
        derive_link_keys(&LINK_ID, &secret(2), None),
        derive_link_keys(&LINK_ID, &secret(1), Some(&pw_key)),
    ];
    for other in &variants {
        assert_ne!(base.link_key.as_bytes(), other.link_key.as_bytes());
        assert_ne!(base.access.as_bytes(), other.access.as_bytes());
    }
    let again = derive_link_keys(&LINK_ID, &secret(1), None);
    assert_eq!(base.link_key.as_bytes(), again.link_key.as_bytes());
    assert_eq!(base.access.hash(), again.access.hash());
}

/// The derivation as PROTOCOL.md §10.2 writes it, spelled out with the hkdf crate directly.
#[test]
fn derivation_is_the_documented_hkdf() {
    let pw_key = SymmetricKey::from_bytes([9; 32]);
    let keys = derive_link_keys(&LINK_ID, &secret(1), Some(&pw_key));
    let ikm = [[1u8; 32], [9u8; 32]].concat();
    let info = [&b"coffer/v1/link"[..], &LINK_ID].concat();
    let mut okm = [0u8; 64];
    hkdf::Hkdf::<sha2::Sha256>::new(None, &ikm)
        .expand(&info, &mut okm)
        .unwrap();
    assert_eq!(keys.link_key.as_bytes(), &okm[..32]);
    assert_eq!(keys.access.as_bytes(), &okm[32..]);
    assert_eq!(
        keys.access.hash(),
        *blake3::hash(&okm[32..]).as_bytes(),
        "access_hash = BLAKE3(access)"
    );
    assert_eq!(
        LinkAccess::from_bytes(okm[32..].try_into().unwrap()).hash(),
        keys.access.hash()
    );
}

#[test]
fn verify_reported_link_accepts_only_the_real_secret_and_password() {
    let pw_key = link_password_key(b"hunter2", &params()).unwrap();
    let wrong_pw = link_password_key(b"hunter3", &params()).unwrap();
    let (access_hash, sealed) = create(&secret(1), Some(&pw_key));
    assert_opens(verify_reported_link(
        &LINK_ID,
        &NODE_ID,
        &secret(1),
        Some(&pw_key),
        &access_hash,
        &sealed,
    ));
    let df = CryptoError::DecryptionFailed;
    let verify = |s: &LinkSecret, pw: Option<&SymmetricKey>, hash: &[u8; 32], node: &[u8; 16]| {
        verify_reported_link(&LINK_ID, node, s, pw, hash, &sealed)
    };
    assert_fails(
        verify(&secret(2), Some(&pw_key), &access_hash, &NODE_ID),
        df.clone(),
    );
    assert_fails(
        verify(&secret(1), Some(&wrong_pw), &access_hash, &NODE_ID),
        df.clone(),
    );
    assert_fails(verify(&secret(1), None, &access_hash, &NODE_ID), df.clone());
    let mut other_hash = access_hash;
    other_hash[31] ^= 1;
    assert_fails(
        verify(&secret(1), Some(&pw_key), &other_hash, &NODE_ID),
        df.clone(),
    );
    // The right secret against a link the server says points elsewhere.
    assert_fails(
        verify(&secret(1), Some(&pw_key), &access_hash, &[0x77; 16]),
        df.clone(),
    );
    // A reporter's own sealed key under the right secret still fails if the hash is not the
    // stored one; with the stored hash, only the seal the owner made opens.
    let (their_hash, their_seal) = create(&secret(9), None);
    assert_ne!(their_hash, access_hash);
    assert_fails(
        verify_reported_link(
            &LINK_ID,
            &NODE_ID,
            &secret(9),
            None,
            &access_hash,
            &their_seal,
        ),
        df,
    );
}

#[test]
fn fragment_round_trips_and_is_strict() {
    let s = LinkSecret::from_bytes(core::array::from_fn(|i| i as u8 * 8));
    let text = s.to_fragment();
    assert_eq!(text.len(), 43);
    assert_eq!(FRAGMENT_LEN, 43);
    assert_eq!(
        LinkSecret::from_fragment(&text).unwrap().as_bytes(),
        s.as_bytes()
    );
    let bad = [
        text[..42].to_string(),
        format!("{text}A"),
        format!("{text}="),
        format!("{}=", &text[..42]),
        format!("{}+", &text[..42]),
        format!("{}/", &text[..42]),
        format!("+{}", &text[1..]),
        format!("/{}", &text[1..]),
        format!("{}é", &text[..41]),
        format!("{}é", &text[..42]),
        format!(" {}", &text[1..]),
        format!("{}\n", &text[..42]),
        String::new(),
        "=".repeat(43),
    ];
    for b in bad {
        assert!(
            matches!(
                LinkSecret::from_fragment(&b),
                Err(CryptoError::InvalidFormat)
            ),
            "{b:?}"
        );
    }
}
