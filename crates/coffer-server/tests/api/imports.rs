//! `POST /api/v1/links/{id}/import` (PROTOCOL.md §10.5): both credentials, the link's
//! subtree, the importer's folder, byte-equal content fields, and chunks served to the
//! importer from the source's blobs. Crypto values are plain bytes: the server opens nothing.

use crate::common::*;
use coffer_api::*;
use reqwest::{Method, Response, StatusCode};

/// A link to `node` of `owner`; returns its id and access token.
async fn link_to(server: &TestServer, owner: &Account, node: Id) -> (Id, [u8; 32]) {
    let access: [u8; 32] = coffer_crypto::random_bytes();
    let id = Id::random();
    let body = NewLink {
        id,
        node_id: node,
        sealed_key: B64(coffer_crypto::random_bytes::<125>().to_vec()),
        access_hash: B64(blake3::hash(&access).as_bytes().to_vec()),
        password: None,
        expires_at: None,
        max_downloads: None,
    };
    let response = server
        .call(Method::POST, "/api/v1/links", owner.token(), Some(&body))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    (id, access)
}

fn import_of(source: &Node, parent: Id, name: &str) -> ImportFile {
    let c = source.content.clone().unwrap();
    ImportFile {
        source_node_id: source.id,
        source_version_id: c.version_id,
        node_id: Id::random(),
        parent_id: parent,
        version_id: Id::random(),
        name_tag: B64(tag(name)),
        wrapped_key: B64(vec![2; 93]),
        encrypted_attributes: B64(vec![9; 70]),
        header: c.header,
        chunk_size: c.chunk_size,
        ciphertext_size: c.ciphertext_size,
        chunk_count: c.chunk_count,
        chunk_list_hash: c.chunk_list_hash,
        author_key: B64(vec![3; 32]),
        signature: B64(vec![4; 64]),
    }
}

async fn import(
    server: &TestServer,
    token: Option<&str>,
    link: Id,
    access: Option<&[u8]>,
    body: &ImportFile,
) -> Response {
    let path = format!("/api/v1/links/{link}/import");
    let mut request = server.http.post(server.url(&path)).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(access) = access {
        request = request.header(LINK_ACCESS_HEADER, B64::encode(access));
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn an_import_needs_both_credentials_and_reads_the_sources_chunks() {
    let server = TestServer::start().await;
    let alice = server.signup("import-alice@example.org").await;
    let bob = server.signup("import-bob@example.org").await;
    let (file, chunks) = upload_file(&server, &alice, alice.root, "a.bin", 300).await;
    let (outside, _) = upload_file(&server, &alice, alice.root, "b.bin", 100).await;
    let (link, access) = link_to(&server, &alice, file.id).await;
    let body = import_of(&file, bob.root, "a.bin");

    let wrong = [0u8; 32];
    let response = import(&server, bob.token(), link, Some(&wrong), &body).await;
    expect_problem(response, ErrorCode::LinkKeyWrong, "wrong access token").await;
    let response = import(&server, bob.token(), link, None, &body).await;
    expect_problem(response, ErrorCode::LinkKeyWrong, "no access token").await;
    let response = import(&server, None, link, Some(&access), &body).await;
    expect_problem(response, ErrorCode::Unauthorized, "no bearer token").await;
    // Into Alice's folder, and a source outside the link: both not found.
    let into_alice = import_of(&file, alice.root, "a.bin");
    let response = import(&server, bob.token(), link, Some(&access), &into_alice).await;
    expect_problem(response, ErrorCode::NotFound, "another account's folder").await;
    let elsewhere = import_of(&outside, bob.root, "b.bin");
    let response = import(&server, bob.token(), link, Some(&access), &elsewhere).await;
    expect_problem(response, ErrorCode::NotFound, "a source outside the link").await;
    // Content that is not the source's.
    let mut other = import_of(&file, bob.root, "a.bin");
    other.header.0[10] ^= 1;
    let response = import(&server, bob.token(), link, Some(&access), &other).await;
    expect_problem(response, ErrorCode::ChunkListMismatch, "another header").await;

    let response = import(&server, bob.token(), link, Some(&access), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let node: Node = response.json().await.unwrap();
    assert_eq!((node.id, node.parent_id), (body.node_id, Some(bob.root)));
    let got = get_chunk(&server, &bob.token, node.id, body.version_id, 0).await;
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().to_vec(), chunks[0]);
    let usage: Usage = server.get("/api/v1/usage", bob.token()).await;
    assert_eq!(usage.bytes_used, 300);
}
