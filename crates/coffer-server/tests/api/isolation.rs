//! Authorization: another account gets `404 not_found` on every route that takes a node id,
//! upload id, version id or chunk index of the first account — exactly as for a random id — and
//! nothing of the first account changes.

use crate::common::*;
use coffer_api::*;
use reqwest::Method;

fn record_under(parent: Id, revision: u64) -> UpdateNode {
    UpdateNode {
        parent_id: parent,
        name_tag: B64(tag(&format!("moved-{parent}"))),
        wrapped_key: B64(vec![1; 93]),
        encrypted_attributes: B64(vec![1; 50]),
        author_key: B64(vec![1; 32]),
        signature: B64(vec![1; 64]),
        base_revision: revision,
    }
}

#[tokio::test]
async fn a_second_account_sees_and_changes_nothing() {
    let server = TestServer::start().await;
    let owner = server.signup("owner@example.org").await;
    let thief = server.signup("thief@example.org").await;

    let private = new_node(Id::random(), Some(owner.root), tag("private"));
    let folder: Node = server
        .json(Method::POST, "/api/v1/nodes", owner.token(), Some(&private))
        .await;
    let (file, chunks) = upload_file(&server, &owner, folder.id, "secret.bin", 2 * FULL).await;
    let version = file.content.clone().unwrap().version_id;
    let pending = create_upload(owner.root, Id::random(), "pending", 100);
    let open = open_upload(&server, &owner, &pending).await;
    put_chunk_ok(&server, &owner.token, open.id, 0, &chunk_bytes(5, 0, 100)).await;

    // The owner's ids, then ids nobody has: the thief must not tell them apart.
    let random = || Id::random();
    let targets = [
        (owner.root, folder.id, file.id, version, open.id),
        (random(), random(), random(), random(), random()),
    ];
    let (t, nf) = (thief.token(), ErrorCode::NotFound);
    for (root, folder_id, file_id, version_id, upload_id) in targets {
        for node in [root, folder_id, file_id] {
            let path = format!("/api/v1/nodes/{node}");
            server.fails(nf, Method::GET, &path, t, NO_BODY).await;
            server.fails(nf, Method::DELETE, &path, t, NO_BODY).await;
            let recursive = format!("{path}?recursive=true");
            server
                .fails(nf, Method::DELETE, &recursive, t, NO_BODY)
                .await;
            let update = record_under(thief.root, 1);
            server.fails(nf, Method::PUT, &path, t, Some(&update)).await;
        }
        for parent in [root, folder_id] {
            let children = format!("/api/v1/nodes/{parent}/children");
            server.fails(nf, Method::GET, &children, t, NO_BODY).await;
            let by_tag = format!("{children}?name_tag={}", B64::encode(&tag("private")));
            server.fails(nf, Method::GET, &by_tag, t, NO_BODY).await;
            let planted = new_node(Id::random(), Some(parent), tag("planted"));
            server
                .fails(nf, Method::POST, "/api/v1/nodes", t, Some(&planted))
                .await;
            let upload = create_upload(parent, Id::random(), "planted", 100);
            server
                .fails(nf, Method::POST, "/api/v1/uploads", t, Some(&upload))
                .await;
        }
        // Moving one of the thief's own folders under the target folder.
        let name = tag(&format!("own-{folder_id}"));
        let own = new_node(Id::random(), Some(thief.root), name);
        let own: Node = server
            .json(Method::POST, "/api/v1/nodes", t, Some(&own))
            .await;
        let path = format!("/api/v1/nodes/{}", own.id);
        let into = record_under(folder_id, own.revision);
        server.fails(nf, Method::PUT, &path, t, Some(&into)).await;
        // Replacing the target file's content.
        let mut replace = create_upload(thief.root, file_id, "x", 100);
        replace.base_revision = Some(1);
        server
            .fails(nf, Method::POST, "/api/v1/uploads", t, Some(&replace))
            .await;
        for index in [0u64, 1] {
            let got = get_chunk(&server, &thief.token, file_id, version_id, index).await;
            expect_problem(got, nf, "chunk download").await;
            let bytes = chunk_bytes(6, 0, 100);
            let put = put_chunk(&server, &thief.token, upload_id, index, &bytes).await;
            expect_problem(put, nf, "chunk upload").await;
        }
        let path = format!("/api/v1/uploads/{upload_id}");
        server.fails(nf, Method::GET, &path, t, NO_BODY).await;
        server.fails(nf, Method::DELETE, &path, t, NO_BODY).await;
        let commit = commit_for(&chunks);
        server
            .fails(
                nf,
                Method::POST,
                &format!("{path}/commit"),
                t,
                Some(&commit),
            )
            .await;
    }
    assert!(
        server
            .get::<UploadList>("/api/v1/uploads", t)
            .await
            .items
            .is_empty()
    );
    let theirs = format!("/api/v1/uploads?parent={}", owner.root);
    assert!(server.get::<UploadList>(&theirs, t).await.items.is_empty());
    let usage: Usage = server.get("/api/v1/usage", t).await;
    assert_eq!(
        (usage.files, usage.bytes_used, usage.pending_upload_bytes),
        (0, 0, 0)
    );

    // The owner still has everything, unchanged.
    let o = owner.token();
    let still: Node = server.get(&format!("/api/v1/nodes/{}", file.id), o).await;
    assert_eq!(still, file);
    let resumed: Upload = server.get(&format!("/api/v1/uploads/{}", open.id), o).await;
    assert_eq!(resumed.received, vec![0]);
    let page: NodePage = server
        .get(&format!("/api/v1/nodes/{}/children", folder.id), o)
        .await;
    assert_eq!(page.items.len(), 1);
    let response = get_chunk(&server, &owner.token, file.id, version, 1).await;
    assert_eq!(&response.bytes().await.unwrap()[..], &chunks[1][..]);
}
