//! Upload sessions: resume, commit, download, replacement, validation, abandoning.

use crate::common::*;
use coffer_api::*;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn upload_resume_commit_and_download() {
    let server = TestServer::start().await;
    let alice = server.signup("alice@example.org").await;
    let (t, token) = (alice.token(), &alice.token);
    let size = 2 * FULL + 1000;
    let create = create_upload(alice.root, Id::random(), "big.bin", size);
    let upload = open_upload(&server, &alice, &create).await;
    assert_eq!((upload.chunk_count, upload.received.clone()), (3, vec![]));
    let chunks: Vec<Vec<u8>> = (0..3).map(|i| chunk_bytes(1, i, size)).collect();

    put_chunk_ok(&server, token, upload.id, 2, &chunks[2]).await;
    put_chunk_ok(&server, token, upload.id, 0, &chunks[0]).await;
    put_chunk_ok(&server, token, upload.id, 0, &chunks[0]).await; // idempotent

    // A resuming client finds the session and what is missing.
    let list: UploadList = server
        .get(&format!("/api/v1/uploads?parent={}", alice.root), t)
        .await;
    assert_eq!(list.items.len(), 1);
    assert_eq!(
        (list.items[0].id, list.items[0].received.clone()),
        (upload.id, vec![0, 2])
    );
    let elsewhere = format!("/api/v1/uploads?parent={}", Id::random());
    assert!(
        server
            .get::<UploadList>(&elsewhere, t)
            .await
            .items
            .is_empty()
    );
    let usage: Usage = server.get("/api/v1/usage", t).await;
    assert_eq!(usage.pending_upload_bytes, FULL + 1000);

    let commit_path = format!("/api/v1/uploads/{}/commit", upload.id);
    let commit = commit_for(&chunks);
    let incomplete = ErrorCode::UploadIncomplete;
    server
        .fails(incomplete, Method::POST, &commit_path, t, Some(&commit))
        .await;
    put_chunk_ok(&server, token, upload.id, 1, &chunks[1]).await;
    let read: Upload = server
        .get(&format!("/api/v1/uploads/{}", upload.id), t)
        .await;
    assert_eq!(read.received, vec![0, 1, 2]);
    let reordered = commit_for(&[chunks[1].clone(), chunks[0].clone(), chunks[2].clone()]);
    let mismatch = ErrorCode::ChunkListMismatch;
    server
        .fails(mismatch, Method::POST, &commit_path, t, Some(&reordered))
        .await;
    let node: Node = server
        .json(Method::POST, &commit_path, t, Some(&commit))
        .await;
    let committed = ErrorCode::UploadCommitted;
    server
        .fails(committed, Method::POST, &commit_path, t, Some(&commit))
        .await;
    let late = put_chunk(&server, token, upload.id, 1, &chunks[1]).await;
    expect_problem(late, committed, "put after commit").await;
    let discard = format!("/api/v1/uploads/{}", upload.id);
    server
        .fails(committed, Method::DELETE, &discard, t, NO_BODY)
        .await;

    let content = node.content.clone().unwrap();
    assert_eq!((node.kind, content.chunk_count), (NodeKind::File, 3));
    assert_eq!(
        (content.ciphertext_size, content.version_id),
        (size, create.version_id)
    );
    assert_eq!(node.encrypted_attributes.0, vec![9; 80]);
    for (i, chunk) in chunks.iter().enumerate() {
        let response = get_chunk(&server, token, node.id, content.version_id, i as u64).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"],
            "application/octet-stream"
        );
        let hash = hex::encode(coffer_crypto::chunk_hash(chunk));
        assert_eq!(response.headers()[CHUNK_HASH_HEADER], hash.as_str());
        assert_eq!(&response.bytes().await.unwrap()[..], &chunk[..]);
    }
    let beyond = get_chunk(&server, token, node.id, content.version_id, 3).await;
    expect_problem(beyond, ErrorCode::NotFound, "index 3").await;
    let other = get_chunk(&server, token, node.id, Id::random(), 0).await;
    expect_problem(other, ErrorCode::NotFound, "other version").await;
    assert!(
        server
            .get::<UploadList>("/api/v1/uploads", t)
            .await
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn sessions_are_validated_at_creation_and_can_be_abandoned() {
    let server = TestServer::start().await;
    let carol = server.signup("carol@example.org").await;
    let (t, root) = (carol.token(), carol.root);
    let (file, _) = upload_file(&server, &carol, root, "taken", 20).await;

    let mut too_many = create_upload(root, Id::random(), "x", 2 * FULL);
    too_many.chunk_count = 3;
    let mut tiny_chunks = create_upload(root, Id::random(), "x", 100);
    tiny_chunks.chunk_size = 1024;
    let mut short_header = create_upload(root, Id::random(), "x", 100);
    short_header.header = B64(vec![0; 10]);
    let refused = [
        (too_many, ErrorCode::BadRequest),
        (tiny_chunks, ErrorCode::BadRequest),
        (short_header, ErrorCode::BadRequest),
        (
            create_upload(file.id, Id::random(), "x", 100),
            ErrorCode::NotAFolder,
        ),
        (create_upload(root, file.id, "x", 100), ErrorCode::IdExists),
        (
            create_upload(root, Id::random(), "taken", 100),
            ErrorCode::NameExists,
        ),
    ];
    for (body, code) in refused {
        server
            .fails(code, Method::POST, "/api/v1/uploads", t, Some(&body))
            .await;
    }

    // Abandoning: gone, and its chunks deleted.
    let upload = open_upload(
        &server,
        &carol,
        &create_upload(root, Id::random(), "tmp", 100),
    )
    .await;
    put_chunk_ok(&server, &carol.token, upload.id, 0, &chunk_bytes(3, 0, 100)).await;
    let path = format!("/api/v1/uploads/{}", upload.id);
    let response = server.call(Method::DELETE, &path, t, NO_BODY).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    server
        .fails(ErrorCode::NotFound, Method::GET, &path, t, NO_BODY)
        .await;
    coffer_server::cleanup::pass(&server.state).await.unwrap();
    assert_eq!(blob_files(&server.data_path()), 1);
}

#[tokio::test]
async fn replacing_content_checks_revision_and_frees_the_old_version() {
    let server = TestServer::start().await;
    let dave = server.signup("dave@example.org").await;
    let (t, token) = (dave.token(), &dave.token);
    let (file, old_chunks) = upload_file(&server, &dave, dave.root, "doc", 30).await;
    let old_version = file.content.clone().unwrap().version_id;

    let mut create = create_upload(dave.root, file.id, "doc", 40);
    create.base_revision = Some(file.revision);
    let upload = open_upload(&server, &dave, &create).await;
    let chunk = chunk_bytes(4, 0, 40);
    assert_ne!(old_chunks[0], chunk);
    put_chunk_ok(&server, token, upload.id, 0, &chunk).await;
    let path = format!("/api/v1/uploads/{}/commit", upload.id);
    let commit = commit_for(std::slice::from_ref(&chunk));
    let node: Node = server.json(Method::POST, &path, t, Some(&commit)).await;
    assert_eq!((node.id, node.revision), (file.id, 2));
    assert_eq!(node.content.unwrap().version_id, create.version_id);
    let old = get_chunk(&server, token, file.id, old_version, 0).await;
    expect_problem(old, ErrorCode::NotFound, "old version").await;
    let new = get_chunk(&server, token, file.id, create.version_id, 0).await;
    assert_eq!(&new.bytes().await.unwrap()[..], &chunk[..]);

    let mut stale = create_upload(dave.root, file.id, "doc", 40);
    stale.base_revision = Some(1);
    let conflict = ErrorCode::RevisionConflict;
    server
        .fails(conflict, Method::POST, "/api/v1/uploads", t, Some(&stale))
        .await;
    coffer_server::cleanup::pass(&server.state).await.unwrap();
    assert_eq!(blob_files(&server.data_path()), 1);
}
