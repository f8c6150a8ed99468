//! Request bodies of the right shape, chunk bytes, and whole-file uploads.

use super::{Account, TestServer};
use coffer_api::*;
use reqwest::{Method, Response, StatusCode};
use std::path::Path;

pub const CHUNK: u32 = 65536;
/// Ciphertext bytes of a full chunk.
pub const FULL: u64 = CHUNK as u64 + 16;

pub fn key_container() -> KeyContainer {
    KeyContainer {
        version: 1,
        generation: 1,
        signing_public: B64(vec![1; 32]),
        agreement_public: B64(vec![2; 32]),
        wrapped_master_key: B64(vec![3; 93]),
        wrapped_identity: B64(vec![4; 125]),
        signature: B64(vec![5; 64]),
    }
}

pub fn new_node(id: Id, parent: Option<Id>, name_tag: Vec<u8>) -> NewNode {
    NewNode {
        id,
        parent_id: parent,
        author_key: B64(vec![1; 32]),
        name_tag: B64(name_tag),
        wrapped_key: B64(vec![2; 93]),
        encrypted_attributes: B64(vec![3; 70]),
        signature: B64(vec![4; 64]),
    }
}

/// A 32-byte name tag derived from a readable name (stands in for the HMAC).
pub fn tag(name: &str) -> Vec<u8> {
    blake3::hash(name.as_bytes()).as_bytes().to_vec()
}

/// A move/rename of `node` under `parent` with a new name, from the node's current revision.
pub fn update_of(node: &Node, parent: Id, name: &str) -> UpdateNode {
    UpdateNode {
        parent_id: parent,
        name_tag: B64(tag(name)),
        wrapped_key: B64(vec![7; 93]),
        encrypted_attributes: B64(vec![8; 75]),
        author_key: B64(vec![1; 32]),
        signature: B64(vec![9; 64]),
        base_revision: node.revision,
    }
}

/// Chunks of a file of `ciphertext_size` (PROTOCOL.md §5.2, with this harness's chunk size).
pub fn chunk_count_of(ciphertext_size: u64) -> u64 {
    ciphertext_size.div_ceil(FULL).max(1)
}

pub fn create_upload(parent: Id, node: Id, name: &str, ciphertext_size: u64) -> CreateUpload {
    CreateUpload {
        node_id: node,
        parent_id: parent,
        version_id: Id::random(),
        name_tag: B64(tag(name)),
        wrapped_key: B64(vec![2; 93]),
        encrypted_attributes: B64(vec![3; 70]),
        header: B64(vec![6; 106]),
        chunk_size: CHUNK,
        ciphertext_size,
        chunk_count: chunk_count_of(ciphertext_size),
        base_revision: None,
    }
}

/// The ciphertext of chunk `index` of a file of `ciphertext_size` (any bytes will do).
pub fn chunk_bytes(seed: u8, index: u64, ciphertext_size: u64) -> Vec<u8> {
    let count = chunk_count_of(ciphertext_size);
    let len = if index + 1 < count {
        FULL
    } else {
        ciphertext_size - (count - 1) * FULL
    };
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed ^ index as u8)
        .collect()
}

pub fn commit_for(chunks: &[Vec<u8>]) -> CommitUpload {
    let hashes: Vec<[u8; 32]> = chunks
        .iter()
        .map(|c| coffer_crypto::chunk_hash(c))
        .collect();
    CommitUpload {
        encrypted_attributes: B64(vec![9; 80]),
        chunk_list_hash: B64(coffer_crypto::chunk_list_hash(&hashes).to_vec()),
        author_key: B64(vec![1; 32]),
        signature: B64(vec![8; 64]),
    }
}

pub async fn put_chunk(
    server: &TestServer,
    token: &str,
    upload: Id,
    index: u64,
    bytes: &[u8],
) -> Response {
    let path = format!("/api/v1/uploads/{upload}/chunks/{index}");
    let hash = hex::encode(coffer_crypto::chunk_hash(bytes));
    let request = server.http.put(server.url(&path)).bearer_auth(token);
    let request = request.header(CHUNK_HASH_HEADER, hash).body(bytes.to_vec());
    request.send().await.unwrap()
}

/// Puts a chunk expecting success.
pub async fn put_chunk_ok(server: &TestServer, token: &str, upload: Id, index: u64, bytes: &[u8]) {
    let response = put_chunk(server, token, upload, index, bytes).await;
    let status = response.status();
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "{}",
        response.text().await.unwrap()
    );
}

pub async fn get_chunk(
    server: &TestServer,
    token: &str,
    node: Id,
    version: Id,
    index: u64,
) -> Response {
    let path = format!("/api/v1/nodes/{node}/versions/{version}/chunks/{index}");
    server
        .http
        .get(server.url(&path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Opens an upload session expecting `201 Created`.
pub async fn open_upload(server: &TestServer, account: &Account, create: &CreateUpload) -> Upload {
    let response = server
        .call(
            Method::POST,
            "/api/v1/uploads",
            account.token(),
            Some(create),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// Uploads and commits a file of `ciphertext_size` under `parent`; returns the node and chunks.
pub async fn upload_file(
    server: &TestServer,
    account: &Account,
    parent: Id,
    name: &str,
    ciphertext_size: u64,
) -> (Node, Vec<Vec<u8>>) {
    let create = create_upload(parent, Id::random(), name, ciphertext_size);
    let upload = open_upload(server, account, &create).await;
    let count = create.chunk_count;
    let chunks: Vec<Vec<u8>> = (0..count)
        .map(|i| chunk_bytes(7, i, ciphertext_size))
        .collect();
    for (i, chunk) in chunks.iter().enumerate() {
        put_chunk_ok(server, &account.token, upload.id, i as u64, chunk).await;
    }
    let path = format!("/api/v1/uploads/{}/commit", upload.id);
    let commit = commit_for(&chunks);
    let node = server
        .json(Method::POST, &path, account.token(), Some(&commit))
        .await;
    (node, chunks)
}

/// How many blob files the server keeps.
pub fn blob_files(data: &Path) -> usize {
    fn walk(dir: &Path) -> usize {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return 0;
        };
        entries
            .flatten()
            .map(|e| {
                if e.path().is_dir() {
                    walk(&e.path())
                } else {
                    1
                }
            })
            .sum()
    }
    walk(&data.join("blobs"))
}
