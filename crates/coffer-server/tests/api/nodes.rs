//! Folders: create, list, page, look up by name tag, move, rename, delete.

use crate::common::*;
use coffer_api::*;
use reqwest::{Method, StatusCode};

async fn folder(server: &TestServer, account: &Account, parent: Id, name: &str) -> Node {
    let body = new_node(Id::random(), Some(parent), tag(name));
    let response = server
        .call(Method::POST, "/api/v1/nodes", account.token(), Some(&body))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

#[tokio::test]
async fn folders_are_created_read_and_refused_when_clashing() {
    let server = TestServer::start().await;
    let alice = server.signup("alice@example.org").await;
    let t = alice.token();
    let root: Node = server
        .get(&format!("/api/v1/nodes/{}", alice.root), t)
        .await;
    assert_eq!(
        (root.parent_id, root.kind, root.name_tag.len()),
        (None, NodeKind::Folder, 0)
    );

    let docs = folder(&server, &alice, alice.root, "docs").await;
    assert_eq!((docs.parent_id, docs.revision), (Some(alice.root), 1));
    assert_eq!(docs.content, None);
    let read: Node = server.get(&format!("/api/v1/nodes/{}", docs.id), t).await;
    assert_eq!(read, docs);

    let refused = [
        (
            new_node(Id::random(), Some(alice.root), tag("docs")),
            ErrorCode::NameExists,
        ),
        (
            new_node(docs.id, Some(alice.root), tag("other")),
            ErrorCode::IdExists,
        ),
        (
            new_node(Id::random(), None, tag("x")),
            ErrorCode::BadRequest,
        ),
        (
            new_node(Id::random(), Some(alice.root), vec![1; 5]),
            ErrorCode::BadRequest,
        ),
        (
            new_node(Id::random(), Some(Id::random()), tag("x")),
            ErrorCode::NotFound,
        ),
    ];
    for (body, code) in refused {
        server
            .fails(code, Method::POST, "/api/v1/nodes", t, Some(&body))
            .await;
    }
    let (file, _) = upload_file(&server, &alice, alice.root, "file.txt", 100).await;
    let under_file = new_node(Id::random(), Some(file.id), tag("x"));
    let not_a_folder = ErrorCode::NotAFolder;
    server
        .fails(
            not_a_folder,
            Method::POST,
            "/api/v1/nodes",
            t,
            Some(&under_file),
        )
        .await;
    let children = format!("/api/v1/nodes/{}/children", file.id);
    server
        .fails(not_a_folder, Method::GET, &children, t, NO_BODY)
        .await;

    let usage: Usage = server.get("/api/v1/usage", t).await;
    assert_eq!((usage.files, usage.folders, usage.bytes_used), (1, 1, 100));
}

#[tokio::test]
async fn children_are_paged_by_id_and_found_by_name_tag() {
    let server = TestServer::start().await;
    let bob = server.signup("bob@example.org").await;
    let (t, root) = (bob.token(), bob.root);
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(folder(&server, &bob, root, &format!("f{i}")).await.id);
    }
    ids.sort();
    let mut seen = Vec::new();
    let mut path = format!("/api/v1/nodes/{root}/children?limit=5");
    loop {
        let page: NodePage = server.get(&path, t).await;
        assert!(page.items.len() <= 5);
        seen.extend(page.items.iter().map(|n| n.id));
        match page.next {
            Some(next) => path = format!("/api/v1/nodes/{root}/children?limit=5&after={next}"),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    let all: NodePage = server
        .get(&format!("/api/v1/nodes/{root}/children"), t)
        .await;
    assert_eq!((all.items.len(), all.next), (12, None));

    let wanted = B64::encode(&tag("f7"));
    let path = format!("/api/v1/nodes/{root}/children?name_tag={wanted}");
    let found: NodePage = server.get(&path, t).await;
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].name_tag.0, tag("f7"));
    let missing = B64::encode(&tag("nope"));
    let path = format!("/api/v1/nodes/{root}/children?name_tag={missing}");
    let none: NodePage = server.get(&path, t).await;
    assert!(none.items.is_empty());
}

#[tokio::test]
async fn moves_and_renames_check_revision_cycles_and_names() {
    let server = TestServer::start().await;
    let carol = server.signup("carol@example.org").await;
    let (t, root_id) = (carol.token(), carol.root);
    let a = folder(&server, &carol, root_id, "a").await;
    let b = folder(&server, &carol, root_id, "b").await;
    let inner = folder(&server, &carol, a.id, "inner").await;
    let at = |node: &Node| format!("/api/v1/nodes/{}", node.id);

    let rename = update_of(&a, root_id, "a2");
    let renamed: Node = server.json(Method::PUT, &at(&a), t, Some(&rename)).await;
    assert_eq!(
        (renamed.revision, renamed.name_tag.0.clone()),
        (2, tag("a2"))
    );
    assert_eq!(renamed.wrapped_key.0, vec![7; 93]);
    // The stale revision is refused; the fresh one moves.
    let stale = update_of(&a, b.id, "a");
    server
        .fails(
            ErrorCode::RevisionConflict,
            Method::PUT,
            &at(&a),
            t,
            Some(&stale),
        )
        .await;
    let moved: Node = server
        .json(
            Method::PUT,
            &at(&a),
            t,
            Some(&update_of(&renamed, b.id, "a")),
        )
        .await;
    assert_eq!(moved.parent_id, Some(b.id));

    // b under a's child, b under b: cycles. The root cannot move.
    let invalid = ErrorCode::InvalidMove;
    server
        .fails(
            invalid,
            Method::PUT,
            &at(&b),
            t,
            Some(&update_of(&b, inner.id, "b")),
        )
        .await;
    server
        .fails(
            invalid,
            Method::PUT,
            &at(&b),
            t,
            Some(&update_of(&b, b.id, "b")),
        )
        .await;
    let root: Node = server.get(&format!("/api/v1/nodes/{root_id}"), t).await;
    let root_move = update_of(&root, b.id, "root");
    server
        .fails(invalid, Method::PUT, &at(&root), t, Some(&root_move))
        .await;
    // Names clash; unknown targets are not found.
    let c = folder(&server, &carol, root_id, "c").await;
    let clash = update_of(&c, root_id, "b");
    server
        .fails(ErrorCode::NameExists, Method::PUT, &at(&c), t, Some(&clash))
        .await;
    let nowhere = update_of(&c, Id::random(), "c");
    server
        .fails(ErrorCode::NotFound, Method::PUT, &at(&c), t, Some(&nowhere))
        .await;
}

#[tokio::test]
async fn delete_removes_the_whole_subtree_and_its_blobs() {
    let server = TestServer::start().await;
    let dave = server.signup("dave@example.org").await;
    let t = dave.token();
    let top = folder(&server, &dave, dave.root, "top").await;
    let mid = folder(&server, &dave, top.id, "mid").await;
    let keep = folder(&server, &dave, dave.root, "keep").await;
    let (file, _) = upload_file(&server, &dave, mid.id, "deep.bin", 3 * FULL + 20).await;
    let (kept_file, _) = upload_file(&server, &dave, keep.id, "kept.bin", 50).await;
    assert_eq!(blob_files(&server.data_path()), 5);

    let root_path = format!("/api/v1/nodes/{}", dave.root);
    server
        .fails(
            ErrorCode::InvalidMove,
            Method::DELETE,
            &root_path,
            t,
            NO_BODY,
        )
        .await;
    let top_path = format!("/api/v1/nodes/{}", top.id);
    server
        .fails(
            ErrorCode::FolderNotEmpty,
            Method::DELETE,
            &top_path,
            t,
            NO_BODY,
        )
        .await;
    let top_path = format!("{top_path}?recursive=true");
    let response = server.call(Method::DELETE, &top_path, t, NO_BODY).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for gone in [top.id, mid.id, file.id] {
        let path = format!("/api/v1/nodes/{gone}");
        server
            .fails(ErrorCode::NotFound, Method::GET, &path, t, NO_BODY)
            .await;
    }
    server
        .fails(ErrorCode::NotFound, Method::DELETE, &top_path, t, NO_BODY)
        .await;
    let _: Node = server
        .get(&format!("/api/v1/nodes/{}", kept_file.id), t)
        .await;

    // The cleanup task was woken; a pass run here as well is harmless.
    coffer_server::cleanup::pass(&server.state).await.unwrap();
    assert_eq!(blob_files(&server.data_path()), 1);
    assert!(
        server
            .state
            .meta
            .queued_versions(10)
            .await
            .unwrap()
            .is_empty()
    );
}
