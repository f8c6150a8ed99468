//! Chunk uploads that must be refused: wrong size, oversized, wrong hash, out of range,
//! conflicting bytes.

use crate::common::*;
use coffer_api::*;

#[tokio::test]
async fn bad_chunks_are_refused_and_leave_nothing() {
    let server = TestServer::start().await;
    let bob = server.signup("bob@example.org").await;
    let token = &bob.token;
    let size = FULL + 100;
    let upload = open_upload(
        &server,
        &bob,
        &create_upload(bob.root, Id::random(), "f", size),
    )
    .await;
    let first = chunk_bytes(2, 0, size);

    // Wrong sizes: short for a full chunk; the wrong length for the last one.
    let short = put_chunk(&server, token, upload.id, 0, &first[..100]).await;
    expect_problem(short, ErrorCode::ChunkSizeWrong, "short").await;
    let last_short = put_chunk(&server, token, upload.id, 1, &first[..99]).await;
    expect_problem(last_short, ErrorCode::ChunkSizeWrong, "last short").await;
    // Larger than a chunk of this session can ever be: refused up front.
    let oversized = vec![0u8; FULL as usize + 1];
    let response = put_chunk(&server, token, upload.id, 0, &oversized).await;
    expect_problem(response, ErrorCode::PayloadTooLarge, "oversized").await;
    let beyond = put_chunk(&server, token, upload.id, 2, &first[..100]).await;
    expect_problem(beyond, ErrorCode::ChunkIndexOutOfRange, "index").await;

    let url = server.url(&format!("/api/v1/uploads/{}/chunks/0", upload.id));
    let send = |hash: Option<String>, body: reqwest::Body| {
        let mut request = server.http.put(&url).bearer_auth(token).body(body);
        if let Some(hash) = hash {
            request = request.header(CHUNK_HASH_HEADER, hash);
        }
        request.send()
    };
    let wrong = Some(hex::encode([0u8; 32]));
    let response = send(wrong, first.clone().into()).await.unwrap();
    expect_problem(response, ErrorCode::ChunkHashMismatch, "hash").await;
    let response = send(None, first.clone().into()).await.unwrap();
    expect_problem(response, ErrorCode::BadRequest, "no hash").await;
    let response = send(Some("xyz".into()), first.clone().into())
        .await
        .unwrap();
    expect_problem(response, ErrorCode::BadRequest, "bad hash").await;
    // A body without a length is limited while it streams.
    let parts = (0..3).map(|_| Ok::<_, std::io::Error>(vec![0u8; 40_000]));
    let streamed = reqwest::Body::wrap_stream(futures::stream::iter(parts));
    let response = send(Some(hex::encode([1u8; 32])), streamed).await.unwrap();
    expect_problem(response, ErrorCode::PayloadTooLarge, "streamed oversized").await;
    assert_eq!(blob_files(&server.data_path()), 0);

    put_chunk_ok(&server, token, upload.id, 0, &first).await;
    let mut other = first.clone();
    other[0] ^= 1;
    let conflict = put_chunk(&server, token, upload.id, 0, &other).await;
    expect_problem(conflict, ErrorCode::ChunkConflict, "conflict").await;
    let read: Upload = server
        .get(&format!("/api/v1/uploads/{}", upload.id), bob.token())
        .await;
    assert_eq!(read.received, vec![0]);
    assert_eq!(blob_files(&server.data_path()), 1);
}

#[tokio::test]
async fn racing_puts_of_different_bytes_keep_one_consistent_chunk() {
    let server = TestServer::start().await;
    let erin = server.signup("erin@example.org").await;
    let size = 200;
    let upload = open_upload(
        &server,
        &erin,
        &create_upload(erin.root, Id::random(), "r", size),
    )
    .await;
    let variants: Vec<Vec<u8>> = (0..6).map(|seed| chunk_bytes(seed, 0, size)).collect();
    let puts = variants
        .iter()
        .map(|bytes| put_chunk(&server, &erin.token, upload.id, 0, bytes));
    let statuses: Vec<u16> = futures::future::join_all(puts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 204).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 204 || *s == 409),
        "{statuses:?}"
    );
    // Whichever won, the stored chunk hashes to what the session recorded.
    let mut winner = None;
    for variant in &variants {
        let again = put_chunk(&server, &erin.token, upload.id, 0, variant).await;
        if again.status().as_u16() == 204 {
            winner = Some(variant.clone());
        }
    }
    let winner = winner.expect("one variant is the stored chunk");
    let path = format!("/api/v1/uploads/{}/commit", upload.id);
    let commit = commit_for(std::slice::from_ref(&winner));
    let node: Node = server
        .json(reqwest::Method::POST, &path, erin.token(), Some(&commit))
        .await;
    let version = node.content.unwrap().version_id;
    let stored = get_chunk(&server, &erin.token, node.id, version, 0).await;
    assert_eq!(&stored.bytes().await.unwrap()[..], &winner[..]);
    assert_eq!(blob_files(&server.data_path()), 1);
}
