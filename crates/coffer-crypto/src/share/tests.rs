use proptest::prelude::*;

use super::*;

fn owner() -> Identity {
    Identity::from_seeds([1; 32], [2; 32])
}
fn recipient() -> Identity {
    Identity::from_seeds([3; 32], [4; 32])
}
fn stranger() -> Identity {
    Identity::from_seeds([5; 32], [6; 32])
}
fn folder_key() -> SymmetricKey {
    SymmetricKey::from_bytes([7; 32])
}

fn grant_to(to: &Identity, permission: SharePermission) -> ShareGrant {
    ShareGrant {
        share_id: [8; 16],
        folder_id: [9; 16],
        owner_signing_public: owner().signing_public(),
        recipient_signing_public: to.signing_public(),
        recipient_agreement_public: to.agreement_public(),
        permission,
        generation: 3,
    }
}

fn grant() -> ShareGrant {
    grant_to(&recipient(), SharePermission::Write)
}

fn sealed(grant: &ShareGrant) -> SealedShare {
    seal_share(grant, &folder_key(), &owner(), [10; 32]).unwrap()
}

#[test]
fn round_trip_for_both_permissions() {
    for permission in [SharePermission::Read, SharePermission::Write] {
        let g = grant_to(&recipient(), permission);
        let s = sealed(&g);
        assert_eq!(s.ciphertext.len(), SHARE_CIPHERTEXT_LEN);
        verify_share(&g, &s).unwrap();
        let key = open_share(&g, &s, &recipient()).unwrap();
        assert_eq!(key.as_bytes(), folder_key().as_bytes());
    }
}

#[test]
fn permission_bytes() {
    assert_eq!(SharePermission::Read.as_u8(), 1);
    assert_eq!(SharePermission::Write.as_u8(), 2);
    assert_eq!(SharePermission::from_u8(2), Ok(SharePermission::Write));
    for bad in [0, 3, 255] {
        assert_eq!(
            SharePermission::from_u8(bad),
            Err(CryptoError::InvalidFormat)
        );
    }
}

#[test]
fn message_and_info_layout() {
    let g = grant();
    let info = g.info();
    assert_eq!(info.len(), 15 + 1 + 16 + 16 + 32 * 3);
    assert!(info.starts_with(b"coffer/v1/share\0"));
    let m = g.signed_message(&[0xaa; 32], &[0xbb; 48]).unwrap();
    assert_eq!(m.len(), 21 + 1 + 16 + 16 + 96 + 1 + 8 + 4 + 32 + 4 + 48);
    assert!(m.starts_with(b"coffer/v1/share-grant\0"));
    assert_eq!(m[22..22 + 128], info[16..]);
    assert_eq!(m[150], 2);
    assert_eq!(m[151..159], 3u64.to_be_bytes());
    assert_eq!(m[159..163], 32u32.to_be_bytes());
    assert_eq!(m[195..199], 48u32.to_be_bytes());
}

#[test]
fn seal_refuses_another_owner_and_small_order_keys() {
    let g = grant();
    assert_eq!(
        seal_share(&g, &folder_key(), &stranger(), [10; 32]).err(),
        Some(CryptoError::Integrity("owner signing key"))
    );
    let mut g = grant();
    g.recipient_agreement_public = [0; 32];
    assert!(matches!(
        seal_share(&g, &folder_key(), &owner(), [10; 32]),
        Err(CryptoError::Integrity(_))
    ));
}

/// Every single-byte change of any public field, of `enc`, `ct` or the signature fails.
#[test]
fn every_field_change_is_detected() {
    let good = grant();
    let good_sealed = sealed(&good);
    type Change = fn(&mut ShareGrant, &mut SealedShare);
    let changes: [(&str, Change); 10] = [
        ("share_id", |g, _| g.share_id[5] ^= 1),
        ("folder_id", |g, _| g.folder_id[0] ^= 1),
        ("owner", |g, _| g.owner_signing_public[31] ^= 1),
        ("recipient signing", |g, _| {
            g.recipient_signing_public[3] ^= 1
        }),
        ("recipient agreement", |g, _| {
            g.recipient_agreement_public[9] ^= 1
        }),
        ("permission", |g, _| g.permission = SharePermission::Read),
        ("generation", |g, _| g.generation ^= 1),
        ("enc", |_, s| s.enc[0] ^= 1),
        ("ct", |_, s| s.ciphertext[20] ^= 1),
        ("signature", |_, s| s.signature[40] ^= 1),
    ];
    for (what, change) in changes {
        let (mut g, mut s) = (good.clone(), good_sealed.clone());
        change(&mut g, &mut s);
        assert!(open_share(&g, &s, &recipient()).is_err(), "{what}");
        assert!(verify_share(&g, &s).is_err(), "{what}");
    }
    // And every byte of the variable parts, one at a time.
    for i in 0..ENC_LEN {
        let mut s = good_sealed.clone();
        s.enc[i] ^= 0x80;
        assert!(open_share(&good, &s, &recipient()).is_err(), "enc[{i}]");
    }
    for i in 0..SHARE_CIPHERTEXT_LEN {
        let mut s = good_sealed.clone();
        s.ciphertext[i] ^= 0x80;
        assert!(open_share(&good, &s, &recipient()).is_err(), "ct[{i}]");
    }
    let mut s = good_sealed.clone();
    s.ciphertext.push(0);
    assert!(open_share(&good, &s, &recipient()).is_err(), "ct longer");
}

/// Re-signing with the owner's key does not let a sealed key move: the info binds it.
#[test]
fn a_sealed_key_cannot_be_retargeted_even_with_an_owner_signature() {
    let g = grant();
    let s = sealed(&g);
    let mut other_folder = g.clone();
    other_folder.folder_id = [0x11; 16];
    let mut other_share = g.clone();
    other_share.share_id = [0x12; 16];
    for target in [other_folder, other_share] {
        assert_eq!(
            open_share(&target, &s, &recipient()).err(),
            Some(CryptoError::InvalidSignature)
        );
        let mut resigned = s.clone();
        resigned.signature = owner()
            .signing_key()
            .sign_message(&resigned.message(&target).unwrap());
        assert_eq!(
            open_share(&target, &resigned, &recipient()).err(),
            Some(CryptoError::DecryptionFailed)
        );
    }
}

#[test]
fn another_recipient_cannot_open() {
    let g = grant();
    let s = sealed(&g);
    assert_eq!(
        open_share(&g, &s, &stranger()).err(),
        Some(CryptoError::Integrity("recipient keys"))
    );
    // Claiming the grant is theirs changes the signed message.
    let mut theirs = g.clone();
    theirs.recipient_signing_public = stranger().signing_public();
    theirs.recipient_agreement_public = stranger().agreement_public();
    assert_eq!(
        open_share(&theirs, &s, &stranger()).err(),
        Some(CryptoError::InvalidSignature)
    );
}

/// The server answers the owner's key lookup with a key of its own: the owner seals to it. The
/// real recipient then sees a grant that is not addressed to its keys, and the server can
/// neither point the grant back at the real recipient nor re-sign it as the owner.
#[test]
fn a_grant_sealed_to_a_server_substituted_key_is_useless() {
    let server = Identity::from_seeds([0x21; 32], [0x22; 32]);
    let mut g = grant();
    g.recipient_agreement_public = server.agreement_public();
    let s = sealed(&g);
    // What the server gains: the folder key, if the owner did not check a fingerprint (§12.1).
    assert_eq!(
        open_share(&g, &s, &recipient()).err(),
        Some(CryptoError::Integrity("recipient keys"))
    );
    let mut pointed_back = g.clone();
    pointed_back.recipient_agreement_public = recipient().agreement_public();
    assert_eq!(
        open_share(&pointed_back, &s, &recipient()).err(),
        Some(CryptoError::InvalidSignature)
    );
    let mut resigned = s.clone();
    resigned.signature = server
        .signing_key()
        .sign_message(&resigned.message(&pointed_back).unwrap());
    assert_eq!(
        verify_share(&pointed_back, &resigned).err(),
        Some(CryptoError::InvalidSignature)
    );
    // Re-signed under its own key as "owner": a different owner, which the reader must not trust.
    let mut as_server = pointed_back.clone();
    as_server.owner_signing_public = server.signing_public();
    resigned.signature = server
        .signing_key()
        .sign_message(&resigned.message(&as_server).unwrap());
    assert!(verify_share(&as_server, &resigned).is_ok());
    assert_eq!(
        open_share(&as_server, &resigned, &recipient()).err(),
        Some(CryptoError::DecryptionFailed),
        "sealed to the server's key, not the recipient's"
    );
}

#[test]
fn wrong_ciphertext_length_is_invalid_format_after_the_signature() {
    let g = grant();
    let mut s = sealed(&g);
    s.ciphertext.pop();
    assert_eq!(
        open_share(&g, &s, &recipient()).err(),
        Some(CryptoError::InvalidSignature)
    );
    s.signature = owner().signing_key().sign_message(&s.message(&g).unwrap());
    assert_eq!(
        open_share(&g, &s, &recipient()).err(),
        Some(CryptoError::InvalidFormat)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn seal_open_round_trip(
        key in any::<[u8; 32]>(),
        ikm in any::<[u8; 32]>(),
        share_id in any::<[u8; 16]>(),
        generation in any::<u64>(),
    ) {
        let mut g = grant();
        g.share_id = share_id;
        g.generation = generation;
        let s = seal_share(&g, &SymmetricKey::from_bytes(key), &owner(), ikm).unwrap();
        let opened = open_share(&g, &s, &recipient()).unwrap();
        prop_assert_eq!(opened.as_bytes(), &key);
    }
}
