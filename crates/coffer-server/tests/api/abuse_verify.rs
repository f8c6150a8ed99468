//! `admin abuse verify` with real crypto (PROTOCOL.md §11): files and folders made with
//! coffer-crypto and uploaded through the real routes, links sealed with real keys, reports
//! carrying the right, a wrong or a forged secret, with and without the password.

use crate::common::*;
use coffer_api::*;
use coffer_crypto::{
    Attributes, ContentEncryptor, Identity, LinkPasswordParams, LinkSecret, NodeRecord,
    SymmetricKey, random_bytes, sign,
};
use coffer_server::admin::Admin;
use coffer_server::admin::abuse::Served;
use reqwest::{Method, StatusCode};

const CHUNK_SIZE: u32 = coffer_crypto::MIN_CHUNK_SIZE;

/// The owner's keys: an identity that signs, and a folder key to put things under.
struct Owner {
    account: Account,
    identity: Identity,
    root_key: SymmetricKey,
}

/// A real folder under `parent` (signed, key wrapped by the parent's); returns node and key.
async fn real_folder(
    server: &TestServer,
    owner: &Owner,
    parent: (Id, &SymmetricKey),
    name: &str,
) -> (Node, SymmetricKey) {
    let (id, key) = (Id::random(), SymmetricKey::from_bytes(random_bytes()));
    let wrapped = coffer_crypto::wrap_node_key(parent.1, &id.0, &parent.0.0, &key, random_bytes());
    let attrs = Attributes {
        name: name.into(),
        ..Attributes::default()
    };
    let sealed = coffer_crypto::seal_attributes(&key, &id.0, &attrs, random_bytes());
    let tag = coffer_crypto::name_tag(parent.1, name);
    let record = NodeRecord {
        node_id: id.0,
        parent_id: parent.0.0,
        kind: sign::KIND_FOLDER,
        author_key: owner.identity.signing_public(),
        name_tag: &tag,
        wrapped_key: &wrapped,
        encrypted_attributes: &sealed,
        version_id: [0; 16],
        content_header: &[],
        ciphertext_size: 0,
        chunk_count: 0,
        chunk_list_hash: [0; 32],
    };
    let body = NewNode {
        id,
        parent_id: Some(parent.0),
        author_key: B64(owner.identity.signing_public().to_vec()),
        name_tag: B64(tag.to_vec()),
        wrapped_key: B64(wrapped.clone()),
        encrypted_attributes: B64(sealed.clone()),
        signature: B64(record.sign(owner.identity.signing_key()).to_vec()),
    };
    let token = owner.account.token();
    let node = server
        .json(Method::POST, "/api/v1/nodes", token, Some(&body))
        .await;
    (node, key)
}

/// A real file under `parent`, uploaded through a session; returns node and key.
async fn real_file(
    server: &TestServer,
    owner: &Owner,
    parent: (Id, &SymmetricKey),
    name: &str,
    content: &[u8],
) -> (Node, SymmetricKey) {
    let (id, version) = (Id::random(), Id::random());
    let key = SymmetricKey::from_bytes(random_bytes());
    let wrapped = coffer_crypto::wrap_node_key(parent.1, &id.0, &parent.0.0, &key, random_bytes());
    let attrs = Attributes {
        name: name.into(),
        size: Some(content.len() as u64),
        blake3: Some(blake3::hash(content).to_hex().to_string()),
        ..Attributes::default()
    };
    let sealed = coffer_crypto::seal_attributes(&key, &id.0, &attrs, random_bytes());
    let tag = coffer_crypto::name_tag(parent.1, name);
    let (header, encryptor) =
        ContentEncryptor::new(&key, &id.0, &version.0, random_bytes(), CHUNK_SIZE).unwrap();
    let count = coffer_crypto::chunk_count(content.len() as u64, CHUNK_SIZE);
    let chunks: Vec<Vec<u8>> = (0..count)
        .map(|i| {
            let start = (i * u64::from(CHUNK_SIZE)) as usize;
            let end = (start + CHUNK_SIZE as usize).min(content.len());
            let mut chunk = content[start..end].to_vec();
            encryptor
                .encrypt_chunk(i, i + 1 == count, &mut chunk)
                .unwrap();
            chunk
        })
        .collect();
    let hashes: Vec<[u8; 32]> = chunks
        .iter()
        .map(|c| coffer_crypto::chunk_hash(c))
        .collect();
    let list_hash = coffer_crypto::chunk_list_hash(&hashes);
    let ciphertext_size = coffer_crypto::ciphertext_size(content.len() as u64, CHUNK_SIZE);
    let create = CreateUpload {
        node_id: id,
        parent_id: parent.0,
        version_id: version,
        name_tag: B64(tag.to_vec()),
        wrapped_key: B64(wrapped.clone()),
        encrypted_attributes: B64(sealed.clone()),
        header: B64(header.clone()),
        chunk_size: CHUNK_SIZE,
        ciphertext_size,
        chunk_count: count,
        base_revision: None,
    };
    let upload = open_upload(server, &owner.account, &create).await;
    for (i, chunk) in chunks.iter().enumerate() {
        put_chunk_ok(server, &owner.account.token, upload.id, i as u64, chunk).await;
    }
    let record = NodeRecord {
        node_id: id.0,
        parent_id: parent.0.0,
        kind: sign::KIND_FILE,
        author_key: owner.identity.signing_public(),
        name_tag: &tag,
        wrapped_key: &wrapped,
        encrypted_attributes: &sealed,
        version_id: version.0,
        content_header: &header,
        ciphertext_size,
        chunk_count: count,
        chunk_list_hash: list_hash,
    };
    let commit = CommitUpload {
        encrypted_attributes: B64(sealed.clone()),
        chunk_list_hash: B64(list_hash.to_vec()),
        author_key: B64(owner.identity.signing_public().to_vec()),
        signature: B64(record.sign(owner.identity.signing_key()).to_vec()),
    };
    let path = format!("/api/v1/uploads/{}/commit", upload.id);
    let token = owner.account.token();
    let node = server.json(Method::POST, &path, token, Some(&commit)).await;
    (node, key)
}

/// Cheap Argon2id parameters (the bounds' minimum), for speed.
fn weak_params() -> LinkPasswordParams {
    LinkPasswordParams {
        salt: random_bytes(),
        iterations: 1,
        memory_kib: 8192,
        parallelism: 1,
    }
}

/// A real link to `node` (key `key`), with an optional password; returns its id and secret.
async fn real_link(
    server: &TestServer,
    owner: &Owner,
    node: Id,
    key: &SymmetricKey,
    password: Option<&str>,
) -> (Id, [u8; 32]) {
    let id = Id::random();
    let secret_bytes: [u8; 32] = random_bytes();
    let secret = LinkSecret::from_bytes(secret_bytes);
    let params = password.map(|_| weak_params());
    let pw_key = password
        .zip(params.as_ref())
        .map(|(p, params)| coffer_crypto::link_password_key(p.as_bytes(), params).unwrap());
    let keys = coffer_crypto::derive_link_keys(&id.0, &secret, pw_key.as_ref());
    let author = owner.identity.signing_public();
    let sealed =
        coffer_crypto::seal_link_key(&keys.link_key, &id.0, &node.0, key, &author, random_bytes());
    let body = NewLink {
        id,
        node_id: node,
        sealed_key: B64(sealed),
        access_hash: B64(keys.access.hash().to_vec()),
        password: params.map(|p| LinkPassword {
            salt: B64(p.salt.to_vec()),
            iterations: p.iterations,
            memory_kib: p.memory_kib,
            parallelism: p.parallelism,
        }),
        expires_at: None,
        max_downloads: None,
    };
    let token = owner.account.token();
    let response = server
        .call(Method::POST, "/api/v1/links", token, Some(&body))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    (id, secret_bytes)
}

async fn report(
    server: &TestServer,
    link: Id,
    secret: Option<[u8; 32]>,
    password: Option<&str>,
) -> Id {
    let body = NewAbuseReport {
        link_id: link,
        reason: "illegal content".into(),
        contact: None,
        link_secret: secret.map(|s| B64(s.to_vec())),
        link_password: password.map(str::to_string),
    };
    let receipt: AbuseReportReceipt = server
        .json(Method::POST, "/api/v1/abuse", None, Some(&body))
        .await;
    receipt.id
}

async fn owner(server: &TestServer, email: &str) -> Owner {
    Owner {
        account: server.signup(email).await,
        identity: Identity::from_seeds(random_bytes(), random_bytes()),
        root_key: SymmetricKey::from_bytes(random_bytes()),
    }
}

fn admin(server: &TestServer) -> Admin {
    Admin::new(
        server.state.meta.clone(),
        server.state.blobs.clone(),
        &server.state.settings,
    )
}

#[tokio::test]
async fn a_file_link_verifies_with_its_secret_only() {
    let server = TestServer::start().await;
    let owner = owner(&server, "verify-file@example.org").await;
    let root = (owner.account.root, &owner.root_key);
    // Three chunks: two full, one partial.
    let content: Vec<u8> = (0..2 * CHUNK_SIZE + 1000)
        .map(|i| (i % 251) as u8)
        .collect();
    let (file, key) = real_file(&server, &owner, root, "evidence.bin", &content).await;
    let (link, secret) = real_link(&server, &owner, file.id, &key, None).await;
    let admin = admin(&server);

    let right = report(&server, link, Some(secret), None).await;
    let out = tempfile::tempdir().unwrap();
    let outcome = admin.verify_report(right, Some(out.path())).await.unwrap();
    let hash = blake3::hash(&content).to_hex().to_string();
    assert_eq!(
        outcome.summary(),
        format!(
            "verified: link {link} serves evidence.bin ({} bytes, blake3 {hash})",
            content.len()
        )
    );
    assert_eq!(
        std::fs::read(out.path().join("evidence.bin")).unwrap(),
        content
    );
    // The outcome is stored on the report.
    let listed = admin.abuse_reports().await.unwrap();
    let stored = listed.iter().find(|r| r.id == right).unwrap();
    assert_eq!(stored.verified, Some(true));
    // Writing again refuses to overwrite the file it wrote.
    assert!(admin.verify_report(right, Some(out.path())).await.is_err());

    let mut wrong = secret;
    wrong[0] ^= 1;
    for (secret, why) in [
        (Some(wrong), "a wrong secret"),
        (Some(random_bytes()), "a forged secret"),
        (None, "no secret"),
    ] {
        let id = report(&server, link, secret, None).await;
        let outcome = admin.verify_report(id, None).await.unwrap();
        assert!(!outcome.verified(), "{why}");
        assert!(outcome.summary().starts_with("NOT verified: "), "{why}");
    }
    let months = admin.transparency_report().await.unwrap();
    assert_eq!((months[0].abuse_reports, months[0].abuse_verified), (4, 1));
}

#[tokio::test]
async fn a_password_link_verifies_with_the_right_password_only() {
    let server = TestServer::start().await;
    let owner = owner(&server, "verify-password@example.org").await;
    let root = (owner.account.root, &owner.root_key);
    let (file, key) = real_file(&server, &owner, root, "p.txt", b"secret text").await;
    let (link, secret) = real_link(&server, &owner, file.id, &key, Some("hunter2")).await;
    let admin = admin(&server);

    let right = report(&server, link, Some(secret), Some("hunter2")).await;
    assert!(admin.verify_report(right, None).await.unwrap().verified());
    for password in [Some("hunter3"), None] {
        let id = report(&server, link, Some(secret), password).await;
        let outcome = admin.verify_report(id, None).await.unwrap();
        assert!(!outcome.verified(), "{password:?}");
    }
}

#[tokio::test]
async fn a_folder_link_verifies_every_file_and_writes_the_tree() {
    let server = TestServer::start().await;
    let owner = owner(&server, "verify-folder@example.org").await;
    let root = (owner.account.root, &owner.root_key);
    let (top, top_key) = real_folder(&server, &owner, root, "shared").await;
    let (sub, sub_key) = real_folder(&server, &owner, (top.id, &top_key), "sub").await;
    real_file(&server, &owner, (top.id, &top_key), "a.txt", b"alpha").await;
    real_file(&server, &owner, (sub.id, &sub_key), "b.txt", b"bravo!").await;
    let (link, secret) = real_link(&server, &owner, top.id, &top_key, None).await;
    let admin = admin(&server);

    let id = report(&server, link, Some(secret), None).await;
    let out = tempfile::tempdir().unwrap();
    let outcome = admin.verify_report(id, Some(out.path())).await.unwrap();
    let Ok(Served::Folder { name, files }) = &outcome.result else {
        panic!("{outcome}");
    };
    assert_eq!(name, "shared");
    let paths: Vec<(&str, u64)> = files.iter().map(|(p, f)| (p.as_str(), f.size)).collect();
    assert_eq!(paths, vec![("a.txt", 5), ("sub/b.txt", 6)]);
    assert!(
        outcome
            .summary()
            .contains("serves folder shared (2 files, 11 bytes)")
    );
    let written = std::fs::read(out.path().join("shared/sub/b.txt")).unwrap();
    assert_eq!(written, b"bravo!");

    // A link made with another key than the owner's cannot frame the owner: a record signed
    // by someone else is refused.
    let stranger = Owner {
        identity: Identity::from_seeds(random_bytes(), random_bytes()),
        ..owner
    };
    let (forged, forged_secret) = real_link(&server, &stranger, top.id, &top_key, None).await;
    let id = report(&server, forged, Some(forged_secret), None).await;
    let outcome = admin.verify_report(id, None).await.unwrap();
    assert_eq!(
        outcome.summary(),
        format!("NOT verified: node {} is signed by another key", top.id)
    );
}
