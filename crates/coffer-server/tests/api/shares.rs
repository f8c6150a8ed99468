//! Shared folders over HTTP: creating shares, reading and writing through them, what a read-only
//! recipient and a stranger get, revocation, key rotation, account lookup. Grants carry
//! arbitrary bytes of the right lengths (the server checks no crypto); their keys are the
//! accounts' container keys (every test account has the fixture container).

use crate::common::*;
use crate::small_files::small_file;
use coffer_api::*;
use reqwest::{Method, StatusCode};

async fn mkdir(server: &TestServer, account: &Account, parent: Id, name: &str) -> Node {
    server
        .json(
            Method::POST,
            "/api/v1/nodes",
            account.token(),
            Some(&new_node(Id::random(), Some(parent), tag(name))),
        )
        .await
}

fn grant(folder: Id, permission: SharePermission, generation: u64) -> SealedGrant {
    let keys = key_container();
    SealedGrant {
        share_id: Id::random(),
        folder_id: folder,
        owner_signing_public: keys.signing_public.clone(),
        recipient_signing_public: keys.signing_public,
        recipient_agreement_public: keys.agreement_public,
        permission,
        generation,
        enc: B64(vec![0x11; 32]),
        ciphertext: B64(vec![0x12; 48]),
        signature: B64(vec![0x13; 64]),
    }
}

async fn share(
    server: &TestServer,
    owner: &Account,
    recipient: &Account,
    folder: Id,
    permission: SharePermission,
) -> Share {
    let body = NewShare {
        recipient_id: recipient.id,
        grant: grant(folder, permission, 1),
    };
    let response = server
        .call(Method::POST, "/api/v1/shares", owner.token(), Some(&body))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// Alice's `shared` folder holding a file and a subfolder; returns (shared, file, sub, chunks).
async fn alices_folder(server: &TestServer, alice: &Account) -> (Node, Node, Node, Vec<Vec<u8>>) {
    let shared = mkdir(server, alice, alice.root, "shared").await;
    let (file, chunks) = upload_file(server, alice, shared.id, "report", 1000).await;
    let sub = mkdir(server, alice, shared.id, "sub").await;
    (shared, file, sub, chunks)
}

fn children_path(folder: Id) -> String {
    format!("/api/v1/nodes/{folder}/children")
}

#[tokio::test]
async fn a_read_only_recipient_reads_and_cannot_write() {
    let server = TestServer::start().await;
    let alice = server.signup("alice@example.org").await;
    let bob = server.signup("bob@example.org").await;
    let (shared, file, sub, chunks) = alices_folder(&server, &alice).await;
    let s = share(&server, &alice, &bob, shared.id, SharePermission::Read).await;
    assert_eq!(
        (s.owner_email.as_str(), s.recipient_email.as_str()),
        ("alice@example.org", "bob@example.org")
    );

    let list: ShareList = server.get("/api/v1/shares", bob.token()).await;
    assert_eq!(list.incoming, vec![s.clone()]);
    assert!(list.outgoing.is_empty());
    let list: ShareList = server.get("/api/v1/shares", alice.token()).await;
    assert_eq!(list.outgoing, vec![s.clone()]);
    let got: Share = server
        .get(&format!("/api/v1/shares/{}", s.id), bob.token())
        .await;
    assert_eq!(got, s);

    // Reads: the folder, its listing, a lookup by name tag, a nested node, the chunks.
    let node: Node = server
        .get(&format!("/api/v1/nodes/{}", shared.id), bob.token())
        .await;
    assert_eq!(node, shared);
    let page: NodePage = server.get(&children_path(shared.id), bob.token()).await;
    assert_eq!(page.items.len(), 2);
    let path = format!(
        "{}?name_tag={}",
        children_path(shared.id),
        B64::encode(&tag("report"))
    );
    let page: NodePage = server.get(&path, bob.token()).await;
    assert_eq!(page.items, vec![file.clone()]);
    let _: Node = server
        .get(&format!("/api/v1/nodes/{}", sub.id), bob.token())
        .await;
    let version = file.content.as_ref().unwrap().version_id;
    let response = get_chunk(&server, &bob.token, file.id, version, 0).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap().to_vec(), chunks[0]);
    // Alice's root and other folders stay hidden.
    let elsewhere = mkdir(&server, &alice, alice.root, "private").await;
    for id in [alice.root, elsewhere.id] {
        let path = format!("/api/v1/nodes/{id}");
        server
            .fails(
                ErrorCode::NotFound,
                Method::GET,
                &path,
                bob.token(),
                NO_BODY,
            )
            .await;
    }

    // Every write is refused as read-only.
    let ro = ErrorCode::ReadOnlyShare;
    let folder = new_node(Id::random(), Some(shared.id), tag("new"));
    server
        .fails(
            ro,
            Method::POST,
            "/api/v1/nodes",
            bob.token(),
            Some(&folder),
        )
        .await;
    let create = create_upload(shared.id, Id::random(), "up", 100);
    server
        .fails(
            ro,
            Method::POST,
            "/api/v1/uploads",
            bob.token(),
            Some(&create),
        )
        .await;
    let files = SmallFileBatch {
        files: vec![small_file(shared.id, "small", &[5; 30])],
    };
    server
        .fails(
            ro,
            Method::POST,
            "/api/v1/uploads/batch",
            bob.token(),
            Some(&files),
        )
        .await;
    let path = format!("/api/v1/nodes/{}", file.id);
    let rename = update_of(&file, shared.id, "renamed");
    server
        .fails(ro, Method::PUT, &path, bob.token(), Some(&rename))
        .await;
    server
        .fails(ro, Method::DELETE, &path, bob.token(), NO_BODY)
        .await;
    // Nor may a recipient change the share or rotate the key.
    let update = UpdateShare {
        grant: SealedGrant {
            share_id: s.id,
            generation: 2,
            ..grant(shared.id, SharePermission::Write, 2)
        },
    };
    let share_path = format!("/api/v1/shares/{}", s.id);
    server
        .fails(
            ErrorCode::NotOwner,
            Method::PUT,
            &share_path,
            bob.token(),
            Some(&update),
        )
        .await;
    let rekey = Rekey {
        folder: update_of(&shared, alice.root, "shared"),
        children: Vec::new(),
        grants: Vec::new(),
    };
    let rekey_path = format!("/api/v1/nodes/{}/rekey", shared.id);
    server
        .fails(
            ErrorCode::NotOwner,
            Method::POST,
            &rekey_path,
            bob.token(),
            Some(&rekey),
        )
        .await;

    // The owner may upgrade it.
    let upgraded: Share = server
        .json(Method::PUT, &share_path, alice.token(), Some(&update))
        .await;
    assert_eq!(upgraded.permission, SharePermission::Write);
    server
        .fails(
            ErrorCode::RevisionConflict,
            Method::PUT,
            &share_path,
            alice.token(),
            Some(&update),
        )
        .await;
    let _: Node = server
        .json(Method::POST, "/api/v1/nodes", bob.token(), Some(&folder))
        .await;

    // Leaving ends access at once, and leaves no rotation mark.
    let response = server
        .call(Method::DELETE, &share_path, bob.token(), NO_BODY)
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let path = format!("/api/v1/nodes/{}", shared.id);
    server
        .fails(
            ErrorCode::NotFound,
            Method::GET,
            &path,
            bob.token(),
            NO_BODY,
        )
        .await;
    let list: ShareList = server.get("/api/v1/shares", alice.token()).await;
    assert!(list.outgoing.is_empty() && list.pending_rekeys.is_empty());
}

#[tokio::test]
async fn a_write_recipient_changes_things_within_the_share() {
    let server = TestServer::start().await;
    let alice = server.signup("alice@example.org").await;
    let bob = server.signup("bob@example.org").await;
    let (shared, file, sub, _) = alices_folder(&server, &alice).await;
    let outside = mkdir(&server, &alice, alice.root, "outside").await;
    share(&server, &alice, &bob, shared.id, SharePermission::Write).await;
    let before: Usage = server.get("/api/v1/usage", alice.token()).await;

    // A folder, a file through a session, small files in a batch.
    let made = mkdir(&server, &bob, shared.id, "bobs folder").await;
    let (uploaded, _) = upload_file(&server, &bob, made.id, "bobs file", 3 * FULL).await;
    let files = SmallFileBatch {
        files: vec![
            small_file(shared.id, "small 1", &[6; 30]),
            small_file(sub.id, "small 2", &[7; 30]),
        ],
    };
    let nodes: SmallFileNodes = server
        .json(
            Method::POST,
            "/api/v1/uploads/batch",
            bob.token(),
            Some(&files),
        )
        .await;
    assert_eq!(nodes.items.len(), 2);
    // The nodes are Alice's: she sees them, and her usage counts them.
    let seen: Node = server
        .get(&format!("/api/v1/nodes/{}", uploaded.id), alice.token())
        .await;
    assert_eq!(seen, uploaded);
    let after: Usage = server.get("/api/v1/usage", alice.token()).await;
    assert_eq!(after.bytes_used, before.bytes_used + 3 * FULL + 30 + 30);
    assert_eq!(after.files, before.files + 3);
    let bobs: Usage = server.get("/api/v1/usage", bob.token()).await;
    assert_eq!((bobs.bytes_used, bobs.files), (0, 0));

    // A session Bob opened: his, Alice's, nobody else's; the listing shows him only his own.
    let create = create_upload(shared.id, Id::random(), "pending", 100);
    let upload = open_upload(&server, &bob, &create).await;
    let alices_create = create_upload(shared.id, Id::random(), "alices pending", 100);
    open_upload(&server, &alice, &alices_create).await;
    let path = format!("/api/v1/uploads?parent={}", shared.id);
    let list: UploadList = server.get(&path, bob.token()).await;
    assert_eq!(
        list.items.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![upload.id]
    );
    let list: UploadList = server.get(&path, alice.token()).await;
    assert_eq!(list.items.len(), 2);
    let path = format!("/api/v1/uploads/{}", upload.id);
    let _: Upload = server.get(&path, alice.token()).await;
    let _: Upload = server.get(&path, bob.token()).await;
    let response = server
        .call(Method::DELETE, &path, bob.token(), NO_BODY)
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // Rename and move within the share.
    let node_path = format!("/api/v1/nodes/{}", file.id);
    let renamed: Node = server
        .json(
            Method::PUT,
            &node_path,
            bob.token(),
            Some(&update_of(&file, shared.id, "renamed")),
        )
        .await;
    let moved: Node = server
        .json(
            Method::PUT,
            &node_path,
            bob.token(),
            Some(&update_of(&renamed, sub.id, "renamed")),
        )
        .await;
    assert_eq!(moved.parent_id, Some(sub.id));
    // Not out of the share, not the shared folder itself.
    server
        .fails(
            ErrorCode::NotFound,
            Method::PUT,
            &node_path,
            bob.token(),
            Some(&update_of(&moved, outside.id, "renamed")),
        )
        .await;
    server
        .fails(
            ErrorCode::NotFound,
            Method::PUT,
            &node_path,
            bob.token(),
            Some(&update_of(&moved, bob.root, "renamed")),
        )
        .await;
    let root_path = format!("/api/v1/nodes/{}", shared.id);
    server
        .fails(
            ErrorCode::NotOwner,
            Method::PUT,
            &root_path,
            bob.token(),
            Some(&update_of(&shared, alice.root, "renamed share")),
        )
        .await;
    server
        .fails(
            ErrorCode::NotOwner,
            Method::DELETE,
            &format!("{root_path}?recursive=true"),
            bob.token(),
            NO_BODY,
        )
        .await;
    // Deleting within is fine.
    let response = server
        .call(Method::DELETE, &node_path, bob.token(), NO_BODY)
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let path = format!("/api/v1/nodes/{}?recursive=true", made.id);
    let response = server
        .call(Method::DELETE, &path, bob.token(), NO_BODY)
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // The writers of the share: Bob's write grant.
    let writers: ShareWriters = server
        .get(
            &format!(
                "/api/v1/shares/{}/writers",
                server
                    .get::<ShareList>("/api/v1/shares", bob.token())
                    .await
                    .incoming[0]
                    .id
            ),
            bob.token(),
        )
        .await;
    assert_eq!(writers.grants.len(), 1);
    assert_eq!(writers.grants[0].permission, SharePermission::Write);
}

#[tokio::test]
async fn a_stranger_gets_not_found_everywhere() {
    let server = TestServer::start().await;
    let alice = server.signup("alice@example.org").await;
    let bob = server.signup("bob@example.org").await;
    let carol = server.signup("carol@example.org").await;
    let (shared, file, _, _) = alices_folder(&server, &alice).await;
    let s = share(&server, &alice, &bob, shared.id, SharePermission::Write).await;
    let bobs_upload = open_upload(
        &server,
        &bob,
        &create_upload(shared.id, Id::random(), "bobs", 100),
    )
    .await;
    let nf = ErrorCode::NotFound;
    let c = carol.token();

    for id in [shared.id, file.id] {
        let path = format!("/api/v1/nodes/{id}");
        server.fails(nf, Method::GET, &path, c, NO_BODY).await;
        server.fails(nf, Method::DELETE, &path, c, NO_BODY).await;
        let update = update_of(&file, shared.id, "x");
        server.fails(nf, Method::PUT, &path, c, Some(&update)).await;
    }
    server
        .fails(nf, Method::GET, &children_path(shared.id), c, NO_BODY)
        .await;
    let version = file.content.as_ref().unwrap().version_id;
    let response = get_chunk(&server, &carol.token, file.id, version, 0).await;
    expect_problem(response, nf, "chunk").await;
    let folder = new_node(Id::random(), Some(shared.id), tag("x"));
    server
        .fails(nf, Method::POST, "/api/v1/nodes", c, Some(&folder))
        .await;
    let create = create_upload(shared.id, Id::random(), "x", 100);
    server
        .fails(nf, Method::POST, "/api/v1/uploads", c, Some(&create))
        .await;
    let files = SmallFileBatch {
        files: vec![small_file(shared.id, "x", &[8; 30])],
    };
    server
        .fails(nf, Method::POST, "/api/v1/uploads/batch", c, Some(&files))
        .await;
    let path = format!("/api/v1/uploads?parent={}", shared.id);
    let list: UploadList = server.get(&path, c).await;
    assert!(list.items.is_empty());
    let path = format!("/api/v1/uploads/{}", bobs_upload.id);
    server.fails(nf, Method::GET, &path, c, NO_BODY).await;
    server.fails(nf, Method::DELETE, &path, c, NO_BODY).await;
    let commit = commit_for(&[vec![1; 100]]);
    server
        .fails(
            nf,
            Method::POST,
            &format!("{path}/commit"),
            c,
            Some(&commit),
        )
        .await;
    let response = put_chunk(&server, &carol.token, bobs_upload.id, 0, &[1; 100]).await;
    expect_problem(response, nf, "put chunk").await;

    let share_path = format!("/api/v1/shares/{}", s.id);
    server.fails(nf, Method::GET, &share_path, c, NO_BODY).await;
    let update = UpdateShare {
        grant: SealedGrant {
            share_id: s.id,
            ..grant(shared.id, SharePermission::Read, 2)
        },
    };
    server
        .fails(nf, Method::PUT, &share_path, c, Some(&update))
        .await;
    server
        .fails(nf, Method::DELETE, &share_path, c, NO_BODY)
        .await;
    server
        .fails(
            nf,
            Method::GET,
            &format!("{share_path}/writers"),
            c,
            NO_BODY,
        )
        .await;
    let rekey = Rekey {
        folder: update_of(&shared, alice.root, "shared"),
        children: Vec::new(),
        grants: Vec::new(),
    };
    let rekey_path = format!("/api/v1/nodes/{}/rekey", shared.id);
    server
        .fails(nf, Method::POST, &rekey_path, c, Some(&rekey))
        .await;
    // Sharing Alice's folder onwards: not Carol's folder.
    let body = NewShare {
        recipient_id: bob.id,
        grant: grant(shared.id, SharePermission::Read, 1),
    };
    server
        .fails(nf, Method::POST, "/api/v1/shares", c, Some(&body))
        .await;
    let list: ShareList = server.get("/api/v1/shares", c).await;
    assert!(list.incoming.is_empty() && list.outgoing.is_empty());
}

#[tokio::test]
async fn revoking_ends_access_at_once_and_marks_the_folder() {
    let server = TestServer::start().await;
    let alice = server.signup("alice@example.org").await;
    let bob = server.signup("bob@example.org").await;
    let (shared, file, _, _) = alices_folder(&server, &alice).await;
    let s = share(&server, &alice, &bob, shared.id, SharePermission::Write).await;
    let upload = open_upload(
        &server,
        &bob,
        &create_upload(shared.id, Id::random(), "bobs", 100),
    )
    .await;
    let path = format!("/api/v1/nodes/{}", file.id);
    let _: Node = server.get(&path, bob.token()).await;

    let share_path = format!("/api/v1/shares/{}", s.id);
    let response = server
        .call(Method::DELETE, &share_path, alice.token(), NO_BODY)
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let nf = ErrorCode::NotFound;
    server
        .fails(nf, Method::GET, &path, bob.token(), NO_BODY)
        .await;
    server
        .fails(nf, Method::GET, &share_path, bob.token(), NO_BODY)
        .await;
    let response = put_chunk(&server, &bob.token, upload.id, 0, &[1; 100]).await;
    expect_problem(response, nf, "put chunk after revocation").await;
    let list: ShareList = server.get("/api/v1/shares", alice.token()).await;
    assert_eq!(list.pending_rekeys, vec![shared.id]);
    assert!(list.outgoing.is_empty());
    let list: ShareList = server.get("/api/v1/shares", bob.token()).await;
    assert!(list.incoming.is_empty());

    let rekeys = format!("/api/v1/rekeys/{}", shared.id);
    for _ in 0..2 {
        let response = server
            .call(Method::DELETE, &rekeys, alice.token(), NO_BODY)
            .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    let list: ShareList = server.get("/api/v1/shares", alice.token()).await;
    assert!(list.pending_rekeys.is_empty());

    // Deleting a shared folder deletes its shares.
    let s = share(&server, &alice, &bob, shared.id, SharePermission::Read).await;
    let path = format!("/api/v1/nodes/{}?recursive=true", shared.id);
    let response = server
        .call(Method::DELETE, &path, alice.token(), NO_BODY)
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let share_path = format!("/api/v1/shares/{}", s.id);
    server
        .fails(nf, Method::GET, &share_path, alice.token(), NO_BODY)
        .await;
}

#[tokio::test]
async fn creating_a_share_is_checked() {
    let server = TestServer::start().await;
    let alice = server.signup("alice@example.org").await;
    let bob = server.signup("bob@example.org").await;
    let (shared, file, _, _) = alices_folder(&server, &alice).await;
    let post = |recipient: Id, grant: SealedGrant| NewShare {
        recipient_id: recipient,
        grant,
    };
    let cases = [
        (
            post(Id::random(), grant(shared.id, SharePermission::Read, 1)),
            ErrorCode::AccountNotFound,
        ),
        (
            post(alice.id, grant(shared.id, SharePermission::Read, 1)),
            ErrorCode::SelfShare,
        ),
        (
            post(bob.id, grant(file.id, SharePermission::Read, 1)),
            ErrorCode::NotAFolder,
        ),
        (
            post(bob.id, grant(alice.root, SharePermission::Read, 1)),
            ErrorCode::BadRequest,
        ),
        (
            post(bob.id, grant(Id::random(), SharePermission::Read, 1)),
            ErrorCode::NotFound,
        ),
        (
            post(bob.id, grant(shared.id, SharePermission::Read, 0)),
            ErrorCode::BadRequest,
        ),
        (
            post(
                bob.id,
                SealedGrant {
                    ciphertext: B64(vec![0; 32]),
                    ..grant(shared.id, SharePermission::Read, 1)
                },
            ),
            ErrorCode::BadRequest,
        ),
        (
            post(
                bob.id,
                SealedGrant {
                    recipient_agreement_public: B64(vec![9; 32]),
                    ..grant(shared.id, SharePermission::Read, 1)
                },
            ),
            ErrorCode::BadRequest,
        ),
    ];
    for (body, code) in &cases {
        server
            .fails(
                *code,
                Method::POST,
                "/api/v1/shares",
                alice.token(),
                Some(body),
            )
            .await;
    }
    let s = share(&server, &alice, &bob, shared.id, SharePermission::Read).await;
    let again = post(
        bob.id,
        SealedGrant {
            share_id: s.id,
            ..grant(shared.id, SharePermission::Read, 1)
        },
    );
    server
        .fails(
            ErrorCode::IdExists,
            Method::POST,
            "/api/v1/shares",
            alice.token(),
            Some(&again),
        )
        .await;
    let twice = post(bob.id, grant(shared.id, SharePermission::Write, 1));
    server
        .fails(
            ErrorCode::AlreadyShared,
            Method::POST,
            "/api/v1/shares",
            alice.token(),
            Some(&twice),
        )
        .await;
}

#[tokio::test]
async fn a_rekey_writes_everything_or_conflicts() {
    let server = TestServer::start().await;
    let alice = server.signup("alice@example.org").await;
    let bob = server.signup("bob@example.org").await;
    let (shared, file, sub, _) = alices_folder(&server, &alice).await;
    let s = share(&server, &alice, &bob, shared.id, SharePermission::Read).await;
    let path = format!("/api/v1/nodes/{}/rekey", shared.id);
    let child = |node: &Node, name: &str| RekeyChild {
        id: node.id,
        name_tag: B64(tag(name)),
        wrapped_key: B64(vec![0x21; 93]),
        author_key: B64(vec![1; 32]),
        signature: B64(vec![0x22; 64]),
        base_revision: node.revision,
    };
    let new_grant = SealedGrant {
        share_id: s.id,
        enc: B64(vec![0x31; 32]),
        ..grant(shared.id, SharePermission::Read, 2)
    };
    let good = Rekey {
        folder: update_of(&shared, alice.root, "shared"),
        children: vec![child(&file, "report 2"), child(&sub, "sub 2")],
        grants: vec![new_grant.clone()],
    };
    let conflict = ErrorCode::RevisionConflict;
    let a = alice.token();

    let mut stale_child = good.clone();
    stale_child.children[0].base_revision += 1;
    let mut missing_child = good.clone();
    missing_child.children.pop();
    let mut twice = good.clone();
    twice.children[1] = child(&file, "again");
    let mut stale_folder = good.clone();
    stale_folder.folder.base_revision += 1;
    let mut no_grant = good.clone();
    no_grant.grants.clear();
    let mut old_grant = good.clone();
    old_grant.grants[0].generation = 1;
    let mut other_keys = good.clone();
    other_keys.grants[0].recipient_signing_public = B64(vec![7; 32]);
    for body in [
        &stale_child,
        &missing_child,
        &twice,
        &stale_folder,
        &no_grant,
        &old_grant,
        &other_keys,
    ] {
        server
            .fails(conflict, Method::POST, &path, a, Some(body))
            .await;
    }
    let mut moved = good.clone();
    moved.folder.parent_id = sub.id;
    server
        .fails(ErrorCode::InvalidMove, Method::POST, &path, a, Some(&moved))
        .await;
    let root_path = format!("/api/v1/nodes/{}/rekey", alice.root);
    server
        .fails(
            ErrorCode::BadRequest,
            Method::POST,
            &root_path,
            a,
            Some(&good),
        )
        .await;
    // Nothing was written.
    let now: Node = server.get(&format!("/api/v1/nodes/{}", file.id), a).await;
    assert_eq!(now, file);

    let done: RekeyDone = server.json(Method::POST, &path, a, Some(&good)).await;
    assert_eq!(done.folder.revision, shared.revision + 1);
    assert_eq!(done.children.len(), 2);
    let new_file = done.children.iter().find(|n| n.id == file.id).unwrap();
    assert_eq!(new_file.name_tag, B64(tag("report 2")));
    assert_eq!(new_file.encrypted_attributes, file.encrypted_attributes);
    assert_eq!(new_file.content, file.content);
    let bobs: Share = server
        .get(&format!("/api/v1/shares/{}", s.id), bob.token())
        .await;
    assert_eq!(bobs.grant, new_grant);
    // The same request again is stale now.
    server
        .fails(conflict, Method::POST, &path, a, Some(&good))
        .await;
}

#[tokio::test]
async fn lookup_finds_an_account_by_email() {
    let server = TestServer::start().await;
    let alice = server.signup("alice@example.org").await;
    let bob = server.signup("bob@example.org").await;
    let found: PublicIdentity = server
        .get(
            "/api/v1/accounts/lookup?email=%20Bob@Example.ORG",
            alice.token(),
        )
        .await;
    let keys = key_container();
    assert_eq!(
        found,
        PublicIdentity {
            account_id: bob.id,
            email: "bob@example.org".into(),
            signing_public: keys.signing_public,
            agreement_public: keys.agreement_public,
        }
    );
    server
        .fails(
            ErrorCode::AccountNotFound,
            Method::GET,
            "/api/v1/accounts/lookup?email=nobody@example.org",
            alice.token(),
            NO_BODY,
        )
        .await;
    server
        .fails(
            ErrorCode::Unauthorized,
            Method::GET,
            "/api/v1/accounts/lookup?email=bob@example.org",
            None,
            NO_BODY,
        )
        .await;
}
