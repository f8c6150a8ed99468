//! Takedowns, the repeat-infringer policy, the transparency report and abuse reports, end to
//! end: an in-process server, and the admin commands run on the same store (through the
//! library, and once through the real binary on the same data directory while the server
//! runs). The link crypto is plain bytes here; `abuse_verify.rs` uses real keys.

use crate::common::*;
use coffer_api::*;
use coffer_server::admin::Admin;
use coffer_server::config::Settings;
use coffer_store::TakedownKind;
use reqwest::{Method, Response, StatusCode};
use std::sync::Arc;

struct TestLink {
    id: Id,
    access: [u8; 32],
}

async fn create_link(server: &TestServer, owner: &Account, node: Id) -> TestLink {
    let access: [u8; 32] = coffer_crypto::random_bytes();
    let body = NewLink {
        id: Id::random(),
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
    TestLink {
        id: body.id,
        access,
    }
}

/// A link creation expected to fail with `code`.
async fn create_link_fails(server: &TestServer, owner: &Account, node: Id, code: ErrorCode) {
    let body = NewLink {
        id: Id::random(),
        node_id: node,
        sealed_key: B64(vec![1; 125]),
        access_hash: B64(vec![2; 32]),
        password: None,
        expires_at: None,
        max_downloads: None,
    };
    let path = "/api/v1/links";
    server
        .fails(code, Method::POST, path, owner.token(), Some(&body))
        .await;
}

async fn public(
    server: &TestServer,
    method: Method,
    path: &str,
    auth: Option<(&str, &[u8])>,
) -> Response {
    let mut request = server.http.request(method, server.url(path));
    if let Some((scheme, secret)) = auth {
        request = request.header("authorization", format!("{scheme} {}", B64::encode(secret)));
    }
    request.send().await.unwrap()
}

async fn open(server: &TestServer, link: &TestLink) -> Response {
    let path = format!("/api/v1/public/links/{}/open", link.id);
    public(
        server,
        Method::POST,
        &path,
        Some((LINK_AUTH_SCHEME, &link.access)),
    )
    .await
}

async fn ticket(server: &TestServer, link: &TestLink) -> DownloadTicket {
    let path = format!("/api/v1/public/links/{}/downloads", link.id);
    let response = public(
        server,
        Method::POST,
        &path,
        Some((LINK_AUTH_SCHEME, &link.access)),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn chunk(
    server: &TestServer,
    link: &TestLink,
    file: &Node,
    ticket: &DownloadTicket,
) -> Response {
    let version = file.content.as_ref().unwrap().version_id;
    let path = format!(
        "/api/v1/public/links/{}/nodes/{}/versions/{version}/chunks/0",
        link.id, file.id
    );
    public(
        server,
        Method::GET,
        &path,
        Some((TICKET_AUTH_SCHEME, &ticket.ticket)),
    )
    .await
}

fn admin(server: &TestServer) -> Admin {
    Admin::new(
        server.state.meta.clone(),
        server.state.blobs.clone(),
        &server.state.settings,
    )
}

async fn server_with(settings: Settings) -> TestServer {
    TestServer::start_with(Arc::new(tempfile::tempdir().unwrap()), settings).await
}

#[tokio::test]
async fn a_link_takedown_applies_at_once_shows_its_claimant_and_is_reinstated() {
    let server = TestServer::start().await;
    let owner = server.signup("takedown-owner@example.org").await;
    let (file, _) = upload_file(&server, &owner, owner.root, "a.bin", 100).await;
    let link = create_link(&server, &owner, file.id).await;
    let held = ticket(&server, &link).await;
    assert_eq!(open(&server, &link).await.status(), StatusCode::OK);

    let admin = admin(&server);
    let done = admin
        .takedown(
            TakedownKind::Link,
            link.id,
            "notice".into(),
            Some("ACME Rights"),
        )
        .await
        .unwrap();
    assert_eq!(done.takedown.links, vec![link.id]);
    assert_eq!(done.account_active_takedowns, 1);
    let text = done.to_string();
    assert!(
        text.contains(&format!("link {} disabled", link.id)),
        "{text}"
    );

    expect_problem(open(&server, &link).await, ErrorCode::LinkTakenDown, "open").await;
    let info = format!("/api/v1/public/links/{}", link.id);
    server
        .fails(ErrorCode::LinkTakenDown, Method::GET, &info, None, NO_BODY)
        .await;
    // A ticket issued before stops at once too.
    let refused = chunk(&server, &link, &file, &held).await;
    expect_problem(refused, ErrorCode::LinkTakenDown, "ticket").await;

    let list: LinkList = server.get("/api/v1/links", owner.token()).await;
    let shown = &list.items[0];
    assert_eq!(shown.state, LinkState::TakenDown);
    let takedown = shown.takedown.as_ref().unwrap();
    assert_eq!(
        (takedown.id, takedown.claimant.as_deref()),
        (done.takedown.id, Some("ACME Rights"))
    );
    let one: Link = server
        .get(&format!("/api/v1/links/{}", link.id), owner.token())
        .await;
    assert_eq!(&one, shown);

    let back = admin
        .reinstate(done.takedown.id, "counter-notice accepted")
        .await
        .unwrap();
    assert!(back.changed);
    assert_eq!(back.takedown.state, "reinstated");
    assert_eq!(open(&server, &link).await.status(), StatusCode::OK);
    let list: LinkList = server.get("/api/v1/links", owner.token()).await;
    assert_eq!(
        (list.items[0].state, &list.items[0].takedown),
        (LinkState::Active, &None)
    );
    assert!(
        !admin
            .reinstate(done.takedown.id, "again")
            .await
            .unwrap()
            .changed
    );
    assert!(admin.reinstate(Id::random(), "nothing").await.is_err());
    assert!(
        admin
            .takedown(TakedownKind::Link, Id::random(), "n".into(), None)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_node_takedown_blocks_its_content_in_folder_links_and_disables_its_links() {
    let server = TestServer::start().await;
    let owner = server.signup("node-takedown@example.org").await;
    let folder: Node = server
        .json(
            Method::POST,
            "/api/v1/nodes",
            owner.token(),
            Some(&new_node(Id::random(), Some(owner.root), tag("shared"))),
        )
        .await;
    let (bad, _) = upload_file(&server, &owner, folder.id, "bad.bin", 100).await;
    let (good, _) = upload_file(&server, &owner, folder.id, "good.bin", 100).await;
    let folder_link = create_link(&server, &owner, folder.id).await;
    let file_link = create_link(&server, &owner, bad.id).await;
    let held = ticket(&server, &folder_link).await;

    let done = admin(&server)
        .takedown(TakedownKind::Node, bad.id, "notice".into(), None)
        .await
        .unwrap();
    assert_eq!(done.takedown.links, vec![file_link.id]);

    // The folder link still opens and serves the other file; the blocked file is 451.
    assert_eq!(open(&server, &folder_link).await.status(), StatusCode::OK);
    let blocked = chunk(&server, &folder_link, &bad, &held).await;
    expect_problem(blocked, ErrorCode::ContentTakenDown, "blocked chunk").await;
    assert_eq!(
        chunk(&server, &folder_link, &good, &held).await.status(),
        StatusCode::OK
    );
    expect_problem(
        open(&server, &file_link).await,
        ErrorCode::LinkTakenDown,
        "file link",
    )
    .await;

    admin(&server)
        .reinstate(done.takedown.id, "mistake")
        .await
        .unwrap();
    assert_eq!(
        chunk(&server, &folder_link, &bad, &held).await.status(),
        StatusCode::OK
    );
    assert_eq!(open(&server, &file_link).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn repeat_infringers_lose_link_creation_until_a_notice_is_reinstated() {
    let settings = Settings {
        repeat_infringer_threshold: 2,
        ..Settings::default()
    };
    let server = server_with(settings).await;
    let owner = server.signup("repeat@example.org").await;
    let admin = admin(&server);
    let first = create_link(&server, &owner, owner.root).await;
    let second = create_link(&server, &owner, owner.root).await;

    let one = admin
        .takedown(TakedownKind::Link, first.id, "n1".into(), None)
        .await
        .unwrap();
    assert_eq!(one.links_suspended, None);
    create_link(&server, &owner, owner.root).await;
    let two = admin
        .takedown(TakedownKind::Link, second.id, "n2".into(), None)
        .await
        .unwrap();
    assert_eq!(
        (two.account_active_takedowns, two.links_suspended),
        (2, Some(true))
    );
    assert!(
        two.to_string()
            .ends_with("2 upheld notices: link creation suspended")
    );
    create_link_fails(&server, &owner, owner.root, ErrorCode::LinksSuspended).await;

    let back = admin.reinstate(one.takedown.id, "accepted").await.unwrap();
    assert_eq!(back.links_suspended, Some(false));
    create_link(&server, &owner, owner.root).await;
}

#[tokio::test]
async fn the_transparency_report_counts_a_known_sequence_exactly() {
    let server = TestServer::start().await;
    let owner = server.signup("report@example.org").await;
    let (file, _) = upload_file(&server, &owner, owner.root, "r.bin", 100).await;
    let admin = admin(&server);
    let a = create_link(&server, &owner, file.id).await;
    create_link(&server, &owner, file.id).await;
    let c = create_link(&server, &owner, owner.root).await;

    let first = admin
        .takedown(TakedownKind::Link, c.id, "n".into(), None)
        .await
        .unwrap();
    // Two links to the file: both disabled by the node takedown.
    admin
        .takedown(TakedownKind::Node, file.id, "n".into(), None)
        .await
        .unwrap();
    admin.reinstate(first.takedown.id, "ok").await.unwrap();
    let report = AbuseReport(&server);
    report.send(a.id, None).await;
    report.send(a.id, None).await;

    let months = admin.transparency_report().await.unwrap();
    assert_eq!(months.len(), 1, "{months:?}");
    let m = &months[0];
    assert_eq!(
        (
            m.notices,
            m.links_disabled,
            m.nodes_blocked,
            m.reinstated,
            m.abuse_reports,
            m.abuse_verified
        ),
        (2, 3, 1, 1, 2, 0)
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert_eq!(m.month, coffer_server::admin::report::month_of(now));
    assert_eq!(admin.takedowns().await.unwrap().len(), 2);
    assert_eq!(admin.abuse_reports().await.unwrap().len(), 2);
}

/// Sends abuse reports.
struct AbuseReport<'a>(&'a TestServer);

impl AbuseReport<'_> {
    fn body(link: Id) -> NewAbuseReport {
        NewAbuseReport {
            link_id: link,
            reason: "it is malware".into(),
            contact: Some("reporter@example.org".into()),
            link_secret: None,
            link_password: None,
        }
    }

    async fn call(&self, link: Id) -> Response {
        let body = Self::body(link);
        self.0
            .call(Method::POST, "/api/v1/abuse", None, Some(&body))
            .await
    }

    async fn send(&self, link: Id, _: Option<()>) -> AbuseReportReceipt {
        let response = self.call(link).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }
}

#[tokio::test]
async fn abuse_reports_need_a_real_link_and_are_rate_limited_per_address() {
    let settings = Settings {
        abuse_reports_per_address: 3,
        ..Settings::default()
    };
    let server = server_with(settings).await;
    let owner = server.signup("abuse@example.org").await;
    let link = create_link(&server, &owner, owner.root).await;
    let reports = AbuseReport(&server);
    let receipt = reports.send(link.id, None).await;
    let unknown = reports.call(Id::random()).await;
    expect_problem(unknown, ErrorCode::NotFound, "unknown link").await;
    let mut empty = AbuseReport::body(link.id);
    empty.reason = " ".into();
    server
        .fails(
            ErrorCode::BadRequest,
            Method::POST,
            "/api/v1/abuse",
            None,
            Some(&empty),
        )
        .await;
    // Three requests so far from this address; the fourth is refused with retry-after.
    let limited = reports.call(link.id).await;
    assert!(limited.headers().contains_key("retry-after"));
    expect_problem(limited, ErrorCode::RateLimited, "fourth").await;

    let listed = admin(&server).abuse_reports().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].id, listed[0].link_id, listed[0].has_secret),
        (receipt.id, link.id, false)
    );
}

#[tokio::test]
async fn the_binary_takes_a_link_down_beside_the_running_server() {
    let server = TestServer::start().await;
    let owner = server.signup("binary-admin@example.org").await;
    let link = create_link(&server, &owner, owner.root).await;
    let notice = server.data_path().join("notice.txt");
    std::fs::write(&notice, "Dear operator").unwrap();
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_coffer-server"))
            .arg("--data")
            .arg(server.data_path())
            .arg("admin")
            .args(args)
            .output()
            .unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        (output.status.code(), stdout, stderr)
    };
    let link_id = link.id.to_string();
    let notice_path = notice.to_str().unwrap();
    let args = [
        "takedown",
        "--link",
        &link_id,
        "--notice",
        notice_path,
        "--claimant",
        "ACME",
    ];
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("link {link_id} disabled")),
        "{stdout}"
    );
    expect_problem(
        open(&server, &link).await,
        ErrorCode::LinkTakenDown,
        "after cli",
    )
    .await;

    let (code, stdout, _) = run(&["takedowns", "--json"]);
    assert_eq!(code, Some(0));
    let listed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(listed[0]["claimant"], "ACME");
    assert_eq!(listed[0]["state"], "active");
    let id = listed[0]["id"].as_str().unwrap().to_string();
    let (code, stdout, _) = run(&["reinstate", &id, "--reason", "counter-notice accepted"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert_eq!(open(&server, &link).await.status(), StatusCode::OK);

    let (code, stdout, _) = run(&["report", "--json"]);
    assert_eq!(code, Some(0));
    let months: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        (
            months[0]["notices"].as_u64(),
            months[0]["reinstated"].as_u64()
        ),
        (Some(1), Some(1))
    );
    // Errors are one line and exit 1.
    let missing = [
        "takedown",
        "--link",
        &link_id,
        "--notice",
        "/nonexistent/notice",
    ];
    let (code, _, stderr) = run(&missing);
    assert_eq!(code, Some(1));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let (code, _, _) = run(&["takedown", "--notice", notice_path]);
    assert_eq!(code, Some(2), "clap: --link or --node is required");
}
