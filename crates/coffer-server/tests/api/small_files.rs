//! Small-file batches: many files committed in one request and one transaction, their chunk
//! served from the database; all or nothing; retries; limits; another account refused.

use crate::common::*;
use coffer_api::*;
use reqwest::{Method, StatusCode};

const BATCH: &str = "/api/v1/uploads/batch";

/// A small file of `content` (any bytes stand in for ciphertext) named `name` under `parent`.
pub(crate) fn small_file(parent: Id, name: &str, content: &[u8]) -> SmallFile {
    let hash = coffer_crypto::chunk_hash(content);
    SmallFile {
        node_id: Id::random(),
        parent_id: parent,
        version_id: Id::random(),
        name_tag: B64(tag(name)),
        wrapped_key: B64(vec![2; 93]),
        encrypted_attributes: B64(vec![3; 70]),
        header: B64(vec![6; 106]),
        chunk_size: CHUNK,
        chunk_list_hash: B64(coffer_crypto::chunk_list_hash(&[hash]).to_vec()),
        author_key: B64(vec![1; 32]),
        signature: B64(vec![8; 64]),
        base_revision: None,
        content: B64(content.to_vec()),
    }
}

fn batch(files: Vec<SmallFile>) -> SmallFileBatch {
    SmallFileBatch { files }
}

async fn commit(server: &TestServer, account: &Account, files: Vec<SmallFile>) -> Vec<Node> {
    let nodes: SmallFileNodes = server
        .json(Method::POST, BATCH, account.token(), Some(&batch(files)))
        .await;
    nodes.items
}

#[tokio::test]
async fn a_batch_commits_every_file_and_serves_its_chunk() {
    let server = TestServer::start().await;
    let alice = server.signup("alice@example.org").await;
    let folder: Node = server
        .json(
            Method::POST,
            "/api/v1/nodes",
            alice.token(),
            Some(&new_node(Id::random(), Some(alice.root), tag("dir"))),
        )
        .await;
    let files: Vec<SmallFile> = (0..300)
        .map(|i| {
            let parent = if i % 2 == 0 { alice.root } else { folder.id };
            let content = vec![i as u8; 16 + i * 7];
            small_file(parent, &format!("f{i}"), &content)
        })
        .collect();
    let nodes = commit(&server, &alice, files.clone()).await;
    assert_eq!(nodes.len(), files.len());
    for (node, file) in nodes.iter().zip(&files) {
        assert_eq!(
            (node.id, node.kind, node.revision),
            (file.node_id, NodeKind::File, 1)
        );
        let content = node.content.as_ref().unwrap();
        assert_eq!(content.version_id, file.version_id);
        assert_eq!(content.ciphertext_size, file.content.len() as u64);
        assert_eq!(content.chunk_count, 1);
        let response = get_chunk(&server, &alice.token, node.id, file.version_id, 0).await;
        assert_eq!(response.status(), StatusCode::OK);
        let hash = response.headers()[CHUNK_HASH_HEADER]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(hash, hex::encode(coffer_crypto::chunk_hash(&file.content)));
        assert_eq!(response.bytes().await.unwrap(), file.content.0);
    }
    let listed: NodePage = server
        .get(
            &format!("/api/v1/nodes/{}/children", folder.id),
            alice.token(),
        )
        .await;
    assert_eq!(listed.items.len(), 150);
    let usage: Usage = server.get("/api/v1/usage", alice.token()).await;
    assert_eq!(usage.files, 300);

    // A retry of the same batch (its answer lost) answers the same nodes.
    assert_eq!(commit(&server, &alice, files).await, nodes);
}

#[tokio::test]
async fn one_bad_file_refuses_the_whole_batch_and_says_which() {
    let server = TestServer::start().await;
    let alice = server.signup("alice@example.org").await;
    let t = alice.token();
    commit(
        &server,
        &alice,
        vec![small_file(alice.root, "taken", b"0123456789abcdef")],
    )
    .await;

    let mut wrong_hash = small_file(alice.root, "h", b"content, sixteen+");
    wrong_hash.chunk_list_hash = B64(vec![0; 32]);
    let mut short_tag = small_file(alice.root, "t", b"content, sixteen+");
    short_tag.name_tag = B64(vec![1; 5]);
    let big = small_file(alice.root, "big", &vec![0; MAX_SMALL_FILE as usize + 17]);
    let mut bad_geometry = small_file(alice.root, "g", b"content, sixteen+");
    bad_geometry.chunk_size = 1;
    let cases = [
        (
            small_file(alice.root, "taken", b"0123456789abcdefy"),
            ErrorCode::NameExists,
        ),
        (
            small_file(Id::random(), "p", b"0123456789abcdefy"),
            ErrorCode::NotFound,
        ),
        (wrong_hash, ErrorCode::ChunkListMismatch),
        (short_tag, ErrorCode::BadRequest),
        (big, ErrorCode::PayloadTooLarge),
        (bad_geometry, ErrorCode::BadRequest),
        (
            small_file(alice.root, "short", b"tiny"),
            ErrorCode::BadRequest,
        ),
    ];
    for (bad, code) in cases {
        let good = small_file(alice.root, "good", b"a good file's bytes");
        let response = server
            .call(
                Method::POST,
                BATCH,
                t,
                Some(&batch(vec![good.clone(), bad])),
            )
            .await;
        let problem: Problem = {
            assert_eq!(response.status().as_u16(), code.status(), "{code:?}");
            response.json().await.unwrap()
        };
        assert_eq!(problem.code, code);
        assert!(
            problem
                .detail
                .unwrap_or_default()
                .starts_with("file 1 of the batch"),
            "{code:?}"
        );
        server
            .fails(
                ErrorCode::NotFound,
                Method::GET,
                &format!("/api/v1/nodes/{}", good.node_id),
                t,
                NO_BODY,
            )
            .await;
    }
    server
        .fails(
            ErrorCode::BadRequest,
            Method::POST,
            BATCH,
            t,
            Some(&batch(vec![])),
        )
        .await;
    let too_many: Vec<SmallFile> = (0..=MAX_BATCH_FILES)
        .map(|i| small_file(alice.root, &format!("n{i}"), b"0123456789abcdef"))
        .collect();
    server
        .fails(
            ErrorCode::PayloadTooLarge,
            Method::POST,
            BATCH,
            t,
            Some(&batch(too_many)),
        )
        .await;
}

#[tokio::test]
async fn a_batch_replaces_content_at_the_base_revision() {
    let server = TestServer::start().await;
    let alice = server.signup("alice@example.org").await;
    let first = small_file(alice.root, "notes.txt", b"first version bytes");
    let node = commit(&server, &alice, vec![first]).await.remove(0);
    let mut second = small_file(alice.root, "notes.txt", b"second version bytes");
    second.node_id = node.id;
    second.base_revision = Some(node.revision + 5);
    server
        .fails(
            ErrorCode::RevisionConflict,
            Method::POST,
            BATCH,
            alice.token(),
            Some(&batch(vec![second.clone()])),
        )
        .await;
    second.base_revision = Some(node.revision);
    let replaced = commit(&server, &alice, vec![second.clone()])
        .await
        .remove(0);
    assert_eq!((replaced.id, replaced.revision), (node.id, 2));
    let response = get_chunk(&server, &alice.token, node.id, second.version_id, 0).await;
    assert_eq!(response.bytes().await.unwrap(), second.content.0);
    let old = node.content.unwrap().version_id;
    let gone = get_chunk(&server, &alice.token, node.id, old, 0).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn another_account_can_neither_write_nor_read_through_batches() {
    let server = TestServer::start().await;
    let owner = server.signup("owner@example.org").await;
    let thief = server.signup("thief@example.org").await;
    let file = small_file(owner.root, "secret", b"the owner's ciphertext");
    let node = commit(&server, &owner, vec![file.clone()]).await.remove(0);

    let nf = ErrorCode::NotFound;
    let into_owner = small_file(owner.root, "planted", b"the thief's bytes");
    server
        .fails(
            nf,
            Method::POST,
            BATCH,
            thief.token(),
            Some(&batch(vec![into_owner])),
        )
        .await;
    let mut over = small_file(thief.root, "x", b"the thief's bytes");
    (over.node_id, over.base_revision) = (node.id, Some(1));
    server
        .fails(
            nf,
            Method::POST,
            BATCH,
            thief.token(),
            Some(&batch(vec![over])),
        )
        .await;
    // Replaying the owner's batch as the thief: the ids are taken, nothing is revealed.
    let replay = server
        .call(
            Method::POST,
            BATCH,
            thief.token(),
            Some(&batch(vec![file.clone()])),
        )
        .await;
    assert!(replay.status().is_client_error());
    let chunk = get_chunk(&server, &thief.token, node.id, file.version_id, 0).await;
    assert_eq!(chunk.status(), StatusCode::NOT_FOUND);
    server
        .fails(
            ErrorCode::Unauthorized,
            Method::POST,
            BATCH,
            None,
            Some(&batch(vec![file])),
        )
        .await;
}
