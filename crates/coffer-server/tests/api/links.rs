//! Public links end to end (PROTOCOL.md §10): the owner's routes, the recipient's routes with
//! access tokens and tickets, rate limits, states, the subtree boundary and the landing page.
//! The crypto values are plain bytes: a random 125-byte sealed key and an access token whose
//! BLAKE3 the link stores — the server never opens the seal.

use crate::common::*;
use coffer_api::*;
use coffer_server::config::Settings;
use reqwest::{Method, Response, StatusCode};
use std::sync::Arc;
use std::time::Duration;

/// A link the test can use: its id and its access token.
struct TestLink {
    id: Id,
    access: [u8; 32],
}

fn new_link(node: Id) -> (NewLink, TestLink) {
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
    (body, TestLink { id, access })
}

async fn create(server: &TestServer, owner: &Account, body: &NewLink) -> Link {
    let response = server
        .call(Method::POST, "/api/v1/links", owner.token(), Some(body))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// A public call with `Authorization: <scheme> <base64url secret>` (or none).
async fn public(
    server: &TestServer,
    method: Method,
    path: &str,
    auth: Option<(&str, &[u8])>,
) -> Response {
    let mut request = server.http.request(method, server.url(path));
    if let Some((scheme, secret)) = auth {
        let value = format!("{scheme} {}", B64::encode(secret));
        request = request.header("authorization", value);
    }
    request.send().await.unwrap()
}

async fn open(server: &TestServer, link: &TestLink, access: &[u8]) -> Response {
    let path = format!("/api/v1/public/links/{}/open", link.id);
    public(
        server,
        Method::POST,
        &path,
        Some((LINK_AUTH_SCHEME, access)),
    )
    .await
}

async fn ticket(server: &TestServer, link: &TestLink) -> Response {
    let path = format!("/api/v1/public/links/{}/downloads", link.id);
    let auth = Some((LINK_AUTH_SCHEME, &link.access[..]));
    public(server, Method::POST, &path, auth).await
}

async fn ticket_ok(server: &TestServer, link: &TestLink) -> DownloadTicket {
    let response = ticket(server, link).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn chunk(
    server: &TestServer,
    link: Id,
    file: &Node,
    ticket: Option<&DownloadTicket>,
) -> Response {
    let version = file.content.as_ref().unwrap().version_id;
    let path = format!(
        "/api/v1/public/links/{link}/nodes/{}/versions/{version}/chunks/0",
        file.id
    );
    let auth = ticket.map(|t| (TICKET_AUTH_SCHEME, &t.ticket[..]));
    public(server, Method::GET, &path, auth).await
}

async fn folder(server: &TestServer, owner: &Account, parent: Id, name: &str) -> Node {
    let body = new_node(Id::random(), Some(parent), tag(name));
    server
        .json(Method::POST, "/api/v1/nodes", owner.token(), Some(&body))
        .await
}

fn now_ms() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.unwrap().as_millis() as i64
}

#[tokio::test]
async fn owners_create_list_read_and_revoke_their_links_only() {
    let server = TestServer::start().await;
    let owner = server.signup("link-owner@example.org").await;
    let other = server.signup("link-other@example.org").await;
    let (file, _) = upload_file(&server, &owner, owner.root, "a.bin", 100).await;

    let (mut body, _) = new_link(file.id);
    body.password = Some(LinkPassword {
        salt: B64(vec![5; 16]),
        iterations: 3,
        memory_kib: 65536,
        parallelism: 4,
    });
    body.max_downloads = Some(2);
    let link = create(&server, &owner, &body).await;
    assert_eq!((link.id, link.node_id), (body.id, file.id));
    assert_eq!(
        (link.state, link.password, link.downloads),
        (LinkState::Active, true, 0)
    );
    let path = format!("/api/v1/links/{}", link.id);
    assert_eq!(server.get::<Link>(&path, owner.token()).await, link);
    let list: LinkList = server.get("/api/v1/links", owner.token()).await;
    assert_eq!(list.items, vec![link.clone()]);

    let (o, t) = (owner.token(), other.token());
    server
        .fails(
            ErrorCode::IdExists,
            Method::POST,
            "/api/v1/links",
            o,
            Some(&body),
        )
        .await;
    // Another account sees nothing, changes nothing, and cannot link the owner's node.
    let none: LinkList = server.get("/api/v1/links", t).await;
    assert!(none.items.is_empty());
    let nf = ErrorCode::NotFound;
    server.fails(nf, Method::GET, &path, t, NO_BODY).await;
    server.fails(nf, Method::DELETE, &path, t, NO_BODY).await;
    let (theirs, _) = new_link(file.id);
    server
        .fails(nf, Method::POST, "/api/v1/links", t, Some(&theirs))
        .await;
    let (unknown, _) = new_link(Id::random());
    server
        .fails(nf, Method::POST, "/api/v1/links", o, Some(&unknown))
        .await;
    assert_eq!(server.get::<Link>(&path, o).await.state, LinkState::Active);
    server
        .fails(
            ErrorCode::Unauthorized,
            Method::GET,
            "/api/v1/links",
            None,
            NO_BODY,
        )
        .await;

    // Malformed links are refused.
    let bad = ErrorCode::BadRequest;
    let mut short_key = new_link(file.id).0;
    short_key.sealed_key = B64(vec![0; 124]);
    let mut past = new_link(file.id).0;
    past.expires_at = Some(now_ms() - 1);
    let mut zero = new_link(file.id).0;
    zero.max_downloads = Some(0);
    let mut weak = body.clone();
    weak.id = Id::random();
    weak.password.as_mut().unwrap().memory_kib = 1024;
    for refused in [short_key, past, zero, weak] {
        server
            .fails(bad, Method::POST, "/api/v1/links", o, Some(&refused))
            .await;
    }

    // Revoking is idempotent and shows in the state.
    for _ in 0..2 {
        let response = server.call(Method::DELETE, &path, o, NO_BODY).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    let revoked: Link = server.get(&path, o).await;
    assert_eq!(revoked.state, LinkState::Revoked);
    assert!(revoked.revoked_at.is_some());
}

#[tokio::test]
async fn recipients_read_the_public_info_and_open_with_the_right_token() {
    let server = TestServer::start().await;
    let owner = server.signup("open-owner@example.org").await;
    let (file, _) = upload_file(&server, &owner, owner.root, "a.bin", 100).await;
    let (mut body, link) = new_link(file.id);
    body.password = Some(LinkPassword {
        salt: B64(vec![9; 16]),
        iterations: 2,
        memory_kib: 8192,
        parallelism: 1,
    });
    body.expires_at = Some(now_ms() + 3_600_000);
    create(&server, &owner, &body).await;

    let info: PublicLinkInfo = server
        .get(&format!("/api/v1/public/links/{}", link.id), None)
        .await;
    assert_eq!(
        (info.id, info.password, info.expires_at),
        (link.id, body.password.clone(), body.expires_at)
    );
    let unknown = format!("/api/v1/public/links/{}", Id::random());
    server
        .fails(ErrorCode::NotFound, Method::GET, &unknown, None, NO_BODY)
        .await;

    let opened: OpenedLink = open(&server, &link, &link.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (opened.id, opened.sealed_key),
        (link.id, body.sealed_key.clone())
    );
    assert_eq!(opened.node, file);
    // Counting no download.
    let path = format!("/api/v1/links/{}", link.id);
    assert_eq!(server.get::<Link>(&path, owner.token()).await.downloads, 0);

    let wrong = open(&server, &link, &[0; 32]).await;
    expect_problem(wrong, ErrorCode::LinkKeyWrong, "wrong token").await;
    let path = format!("/api/v1/public/links/{}/open", link.id);
    let missing = public(&server, Method::POST, &path, None).await;
    expect_problem(missing, ErrorCode::LinkKeyWrong, "no token").await;
    // A bearer token is not a link token.
    let bearer = public(&server, Method::POST, &path, Some(("Bearer", &link.access))).await;
    expect_problem(bearer, ErrorCode::LinkKeyWrong, "bearer").await;
}

#[tokio::test]
async fn wrong_tokens_lock_the_link_and_the_address_until_the_window_passes() {
    let settings = Settings {
        link_failures_per_link: 3,
        link_failures_per_address: 5,
        link_failure_window: Duration::from_secs(2),
        ..Settings::default()
    };
    let data = Arc::new(tempfile::tempdir().unwrap());
    let server = TestServer::start_with(data, settings).await;
    let owner = server.signup("limit-owner@example.org").await;
    let (body, first) = new_link(owner.root);
    create(&server, &owner, &body).await;

    for _ in 0..3 {
        let wrong = open(&server, &first, &[1; 32]).await;
        expect_problem(wrong, ErrorCode::LinkKeyWrong, "wrong").await;
    }
    // Locked: a wrong token and the right one alike, with a retry-after.
    for access in [[1; 32], first.access] {
        let locked = open(&server, &first, &access).await;
        let retry: u64 = locked.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=2).contains(&retry), "{retry}");
        expect_problem(locked, ErrorCode::RateLimited, "locked link").await;
    }

    // The address: two more wrong tokens on a second link use up its budget of 5.
    let (second_body, second) = new_link(owner.root);
    create(&server, &owner, &second_body).await;
    for _ in 0..2 {
        let wrong = open(&server, &second, &[2; 32]).await;
        expect_problem(wrong, ErrorCode::LinkKeyWrong, "wrong").await;
    }
    let locked = open(&server, &second, &second.access).await;
    expect_problem(locked, ErrorCode::RateLimited, "locked address").await;

    tokio::time::sleep(Duration::from_millis(2_100)).await;
    for link in [&first, &second] {
        let response = open(&server, link, &link.access).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn guesses_sent_at_once_cannot_pass_the_limit() {
    let settings = Settings {
        link_failures_per_link: 3,
        link_failures_per_address: 1000,
        link_failure_window: Duration::from_secs(60),
        ..Settings::default()
    };
    let data = Arc::new(tempfile::tempdir().unwrap());
    let server = TestServer::start_with(data, settings).await;
    let owner = server.signup("burst-owner@example.org").await;
    let (body, link) = new_link(owner.root);
    create(&server, &owner, &body).await;

    // 40 guesses at once, the right one among them: at most 3 are ever checked and answered.
    let guesses = (0..40u8).map(|i| if i == 20 { link.access } else { [i; 32] });
    let answers = futures::future::join_all(guesses.map(|g| {
        let (server, link) = (&server, &link);
        async move { open(server, link, &g).await.status() }
    }))
    .await;
    let answered = answers
        .iter()
        .filter(|s| **s != StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!((1..=3).contains(&answered), "{answers:?}");
    assert!(answers.iter().all(|s| {
        [
            StatusCode::OK,
            StatusCode::UNAUTHORIZED,
            StatusCode::TOO_MANY_REQUESTS,
        ]
        .contains(s)
    }));
}

#[tokio::test]
async fn folder_links_serve_their_subtree_only() {
    let server = TestServer::start().await;
    let owner = server.signup("subtree-owner@example.org").await;
    let shared = folder(&server, &owner, owner.root, "shared").await;
    let inner = folder(&server, &owner, shared.id, "inner").await;
    let (file, chunks) = upload_file(&server, &owner, inner.id, "f.bin", 300).await;
    let sibling = folder(&server, &owner, owner.root, "sibling").await;
    let (outside, _) = upload_file(&server, &owner, sibling.id, "g.bin", 200).await;
    let (body, link) = new_link(shared.id);
    create(&server, &owner, &body).await;
    let auth = Some((LINK_AUTH_SCHEME, &link.access[..]));
    let base = format!("/api/v1/public/links/{}/nodes", link.id);

    let page: NodePage = public(
        &server,
        Method::GET,
        &format!("{base}/{}/children", shared.id),
        auth,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(page.items, vec![inner.clone()]);
    let page: NodePage = public(
        &server,
        Method::GET,
        &format!("{base}/{}/children?limit=1", inner.id),
        auth,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!((page.items, page.next), (vec![file.clone()], None));
    let read: Node = public(&server, Method::GET, &format!("{base}/{}", file.id), auth)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read, file);

    for node in [sibling.id, owner.root, outside.id, Id::random()] {
        for path in [format!("{base}/{node}"), format!("{base}/{node}/children")] {
            let refused = public(&server, Method::GET, &path, auth).await;
            expect_problem(refused, ErrorCode::NotFound, &path).await;
        }
    }
    let no_token = public(&server, Method::GET, &format!("{base}/{}", file.id), None).await;
    expect_problem(no_token, ErrorCode::LinkKeyWrong, "no token").await;

    // Chunks: inside the subtree with a ticket; outside refused even with one.
    let granted = ticket_ok(&server, &link).await;
    let got = chunk(&server, link.id, &file, Some(&granted)).await;
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(&got.bytes().await.unwrap()[..], &chunks[0][..]);
    let refused = chunk(&server, link.id, &outside, Some(&granted)).await;
    expect_problem(refused, ErrorCode::NotFound, "outside chunk").await;
}

#[tokio::test]
async fn download_tickets_count_within_the_limit_and_stop_with_the_link() {
    let server = TestServer::start().await;
    let owner = server.signup("tickets-owner@example.org").await;
    let (file, chunks) = upload_file(&server, &owner, owner.root, "t.bin", 500).await;
    let (mut body, link) = new_link(file.id);
    body.max_downloads = Some(3);
    create(&server, &owner, &body).await;

    let requests = (0..10).map(|_| ticket(&server, &link));
    let responses = futures::future::join_all(requests).await;
    let mut tickets = Vec::new();
    for response in responses {
        if response.status() == StatusCode::CREATED {
            tickets.push(response.json::<DownloadTicket>().await.unwrap());
        } else {
            expect_problem(response, ErrorCode::LinkExhausted, "over the limit").await;
        }
    }
    assert_eq!(tickets.len(), 3);
    let path = format!("/api/v1/links/{}", link.id);
    let stats: Link = server.get(&path, owner.token()).await;
    assert_eq!((stats.downloads, stats.state), (3, LinkState::Exhausted));
    let info = format!("/api/v1/public/links/{}", link.id);
    server
        .fails(ErrorCode::LinkExhausted, Method::GET, &info, None, NO_BODY)
        .await;

    // A ticket already issued still serves its chunks.
    let got = chunk(&server, link.id, &file, Some(&tickets[0])).await;
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(
        got.headers()[CHUNK_HASH_HEADER],
        hex::encode(blake3::hash(&chunks[0]).as_bytes())
    );
    assert_eq!(&got.bytes().await.unwrap()[..], &chunks[0][..]);

    // Without a ticket, with a made-up one, with another link's one.
    let none = chunk(&server, link.id, &file, None).await;
    expect_problem(none, ErrorCode::Unauthorized, "no ticket").await;
    let made_up = DownloadTicket {
        ticket: B64(vec![3; 32]),
        expires_at: 0,
    };
    let fake = chunk(&server, link.id, &file, Some(&made_up)).await;
    expect_problem(fake, ErrorCode::Unauthorized, "made-up ticket").await;
    let (other_body, other) = new_link(file.id);
    create(&server, &owner, &other_body).await;
    let other_ticket = ticket_ok(&server, &other).await;
    let crossed = chunk(&server, link.id, &file, Some(&other_ticket)).await;
    expect_problem(crossed, ErrorCode::Unauthorized, "another link's ticket").await;
    let access = Some((LINK_AUTH_SCHEME, &other.access[..]));
    let version = file.content.as_ref().unwrap().version_id;
    let as_token = format!(
        "/api/v1/public/links/{}/nodes/{}/versions/{version}/chunks/0",
        other.id, file.id
    );
    let wrong_scheme = public(&server, Method::GET, &as_token, access).await;
    expect_problem(
        wrong_scheme,
        ErrorCode::Unauthorized,
        "access token as ticket",
    )
    .await;

    // Revoking stops issued tickets at once.
    let revoke = server
        .call(Method::DELETE, &path, owner.token(), NO_BODY)
        .await;
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    let stopped = chunk(&server, link.id, &file, Some(&tickets[1])).await;
    expect_problem(stopped, ErrorCode::LinkRevoked, "after revoke").await;
    let refused = open(&server, &link, &link.access).await;
    expect_problem(refused, ErrorCode::LinkRevoked, "open after revoke").await;
}

#[tokio::test]
async fn expired_and_gone_links_answer_410_with_their_state() {
    let server = TestServer::start().await;
    let owner = server.signup("states-owner@example.org").await;
    let (file, _) = upload_file(&server, &owner, owner.root, "e.bin", 100).await;
    let (mut body, expiring) = new_link(file.id);
    body.expires_at = Some(now_ms() + 1_000);
    create(&server, &owner, &body).await;
    let early = ticket_ok(&server, &expiring).await;

    let doomed = folder(&server, &owner, owner.root, "doomed").await;
    let (gone_body, gone) = new_link(doomed.id);
    create(&server, &owner, &gone_body).await;
    let path = format!("/api/v1/nodes/{}", doomed.id);
    let deleted = server
        .call(Method::DELETE, &path, owner.token(), NO_BODY)
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    tokio::time::sleep(Duration::from_millis(1_100)).await;
    for (link, code) in [
        (&expiring, ErrorCode::LinkExpired),
        (&gone, ErrorCode::LinkGone),
    ] {
        let info = format!("/api/v1/public/links/{}", link.id);
        server.fails(code, Method::GET, &info, None, NO_BODY).await;
        expect_problem(open(&server, link, &link.access).await, code, "open").await;
        expect_problem(ticket(&server, link).await, code, "ticket").await;
    }
    // A ticket issued before the expiry finishes its download.
    let got = chunk(&server, expiring.id, &file, Some(&early)).await;
    assert_eq!(got.status(), StatusCode::OK);

    let list: LinkList = server.get("/api/v1/links", owner.token()).await;
    let mut states: Vec<LinkState> = list.items.iter().map(|l| l.state).collect();
    states.sort_by_key(|s| format!("{s:?}"));
    assert_eq!(states, vec![LinkState::Expired, LinkState::Gone]);
}

#[tokio::test]
async fn the_landing_page_is_html_for_browsers_and_json_on_request() {
    let server = TestServer::start().await;
    let owner = server.signup("page-owner@example.org").await;
    let (body, link) = new_link(owner.root);
    create(&server, &owner, &body).await;
    let url = server.url(&format!("/l/{}", link.id));

    let page = server
        .http
        .get(&url)
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let headers = page.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("coffer get"), "{html}");
    assert!(!html.contains("<script"), "{html}");

    let json = server
        .http
        .get(&url)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), StatusCode::OK);
    let info: PublicLinkInfo = json.json().await.unwrap();
    assert_eq!((info.id, info.password), (link.id, None));

    let revoke = format!("/api/v1/links/{}", link.id);
    server
        .call(Method::DELETE, &revoke, owner.token(), NO_BODY)
        .await;
    let revoked = server
        .http
        .get(&url)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    expect_problem(revoked, ErrorCode::LinkRevoked, "json after revoke").await;
    let revoked_page = server.http.get(&url).send().await.unwrap();
    assert_eq!(revoked_page.status(), StatusCode::GONE);
    assert!(revoked_page.text().await.unwrap().contains("revoked"));

    let unknown = server.url(&format!("/l/{}", Id::random()));
    let missing = server
        .http
        .get(&unknown)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    expect_problem(missing, ErrorCode::NotFound, "unknown link").await;
}

#[tokio::test]
async fn suspended_accounts_cannot_create_links() {
    let server = TestServer::start().await;
    let owner = server.signup("suspended@example.org").await;
    let (body, _) = new_link(owner.root);
    create(&server, &owner, &body).await;
    server
        .state
        .meta
        .set_links_suspended(owner.id, Some(now_ms()))
        .await
        .unwrap();
    let (again, _) = new_link(owner.root);
    server
        .fails(
            ErrorCode::LinksSuspended,
            Method::POST,
            "/api/v1/links",
            owner.token(),
            Some(&again),
        )
        .await;
    // Its existing links still work until taken down.
    let path = format!("/api/v1/public/links/{}", body.id);
    let info: PublicLinkInfo = server.get(&path, None).await;
    assert_eq!(info.id, body.id);
    server
        .state
        .meta
        .set_link_takedown(body.id, Some((Id::random(), now_ms())))
        .await
        .unwrap();
    server
        .fails(ErrorCode::LinkTakenDown, Method::GET, &path, None, NO_BODY)
        .await;
    let link: Link = server
        .get(&format!("/api/v1/links/{}", body.id), owner.token())
        .await;
    assert_eq!(link.state, LinkState::TakenDown);
    assert!(link.takedown.is_some());
}
