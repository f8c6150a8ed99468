//! Quotas end to end: the storage quota refuses an upload early with what is left and holds
//! under concurrent uploads, the monthly transfer quota counts chunk downloads (a link's against
//! its owner), the bandwidth limit paces chunk bodies, `GET /usage` reports it all, and
//! `coffer-server admin quota` sets it beside the running server.

use crate::common::*;
use coffer_api::*;
use coffer_server::config::Settings;
use coffer_store::{AccountLimits, Limit, LimitChange};
use reqwest::{Method, Response, StatusCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

const MIB: u64 = 1 << 20;

async fn set_limits(server: &TestServer, account: &Account, change: LimitChange) {
    server
        .state
        .meta
        .set_limits(account.id, &change)
        .await
        .unwrap();
}

fn storage(bytes: u64) -> LimitChange {
    LimitChange {
        storage: Some(Limit::Bytes(bytes)),
        ..LimitChange::default()
    }
}

/// The problem document of a failed response, after checking its code.
async fn problem(response: Response, code: ErrorCode) -> Problem {
    let status = response.status().as_u16();
    let problem: Problem = response.json().await.unwrap();
    assert_eq!((status, problem.code), (code.status(), code), "{problem:?}");
    problem
}

async fn usage(server: &TestServer, account: &Account) -> Usage {
    server.get("/api/v1/usage", account.token()).await
}

#[tokio::test]
async fn an_upload_past_the_storage_quota_is_refused_early_with_what_is_left() {
    let server = TestServer::start().await;
    let alice = server.signup("quota-alice@example.org").await;
    set_limits(&server, &alice, storage(MIB)).await;
    upload_file(&server, &alice, alice.root, "a.bin", 300 * 1024).await;

    let create = create_upload(alice.root, Id::random(), "big.bin", MIB);
    let response = server
        .call(
            Method::POST,
            "/api/v1/uploads",
            alice.token(),
            Some(&create),
        )
        .await;
    let problem = problem(response, ErrorCode::QuotaExceeded).await;
    assert_eq!(
        problem.detail.as_deref(),
        Some("storage quota exceeded: needs 1 MiB, 724 KiB left of 1 MiB")
    );
    assert_eq!(problem.status, 507);

    // An open session reserves its size until it is committed or abandoned.
    let create = create_upload(alice.root, Id::random(), "held.bin", 700 * 1024);
    let held = open_upload(&server, &alice, &create).await;
    let usage_now = usage(&server, &alice).await;
    assert_eq!(usage_now.storage_charged, 1000 * 1024);
    assert_eq!(usage_now.storage_quota, Some(MIB));
    let another = create_upload(alice.root, Id::random(), "c.bin", 30 * 1024);
    server
        .fails(
            ErrorCode::QuotaExceeded,
            Method::POST,
            "/api/v1/uploads",
            alice.token(),
            Some(&another),
        )
        .await;
    let path = format!("/api/v1/uploads/{}", held.id);
    let response = server
        .call(Method::DELETE, &path, alice.token(), NO_BODY)
        .await;
    assert!(response.status().is_success());
    open_upload(&server, &alice, &another).await;
}

#[tokio::test]
async fn concurrent_uploads_never_pass_the_storage_quota() {
    let server = Arc::new(TestServer::start().await);
    let alice = Arc::new(server.signup("quota-race@example.org").await);
    set_limits(&server, &alice, storage(MIB)).await;
    let size = 300 * 1024;
    let uploads = (0..6).map(|i| {
        let (server, alice) = (Arc::clone(&server), Arc::clone(&alice));
        tokio::spawn(async move {
            let create = create_upload(alice.root, Id::random(), &format!("{i}"), size);
            let response = server
                .call(
                    Method::POST,
                    "/api/v1/uploads",
                    alice.token(),
                    Some(&create),
                )
                .await;
            if response.status() != StatusCode::CREATED {
                problem(response, ErrorCode::QuotaExceeded).await;
                return false;
            }
            let upload: Upload = response.json().await.unwrap();
            let chunks: Vec<Vec<u8>> = (0..create.chunk_count)
                .map(|c| chunk_bytes(i, c, size))
                .collect();
            for (c, chunk) in chunks.iter().enumerate() {
                put_chunk_ok(&server, &alice.token, upload.id, c as u64, chunk).await;
            }
            let path = format!("/api/v1/uploads/{}/commit", upload.id);
            let _: Node = (server.json(
                Method::POST,
                &path,
                alice.token(),
                Some(&commit_for(&chunks)),
            ))
            .await;
            true
        })
    });
    let done = futures::future::join_all(uploads).await;
    let committed = done.into_iter().filter(|d| *d.as_ref().unwrap()).count();
    let used = usage(&server, &alice).await;
    assert!(
        used.bytes_used <= MIB,
        "{} bytes over a 1 MiB quota",
        used.bytes_used
    );
    assert_eq!((committed as u64, used.bytes_used), (3, 3 * size));
}

#[tokio::test]
async fn downloads_count_toward_the_monthly_transfer_quota_and_links_count_for_their_owner() {
    let server = TestServer::start().await;
    let alice = server.signup("transfer-alice@example.org").await;
    let size = 2 * FULL;
    let (file, _) = upload_file(&server, &alice, alice.root, "f.bin", size).await;
    let version = file.content.as_ref().unwrap().version_id;
    let transfer = LimitChange {
        transfer: Some(Limit::Bytes(size + 100)),
        ..LimitChange::default()
    };
    set_limits(&server, &alice, transfer).await;
    for index in [0, 1] {
        let response = get_chunk(&server, &alice.token, file.id, version, index).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.bytes().await.unwrap().len() as u64, FULL);
    }
    let response = get_chunk(&server, &alice.token, file.id, version, 0).await;
    let problem = problem(response, ErrorCode::TransferQuotaExceeded).await;
    let detail = problem.detail.unwrap();
    assert!(
        detail
            .starts_with("transfer quota exceeded: 128 KiB used of 128 KiB this month; resets on ")
            && detail.ends_with("-01"),
        "{detail}"
    );
    let seen = usage(&server, &alice).await;
    assert_eq!(
        (seen.transfer_used_this_month, seen.transfer_quota),
        (size, Some(size + 100))
    );

    // A link's downloads count against its owner, not against anyone else.
    let lift = LimitChange {
        transfer: Some(Limit::Unlimited),
        ..LimitChange::default()
    };
    set_limits(&server, &alice, lift).await;
    let ticket = link_ticket(&server, &alice, file.id).await;
    let path = format!(
        "/api/v1/public/links/{}/nodes/{}/versions/{version}/chunks/0",
        ticket.0, file.id
    );
    let response = (server.http.get(server.url(&path)))
        .header(
            "authorization",
            format!("{TICKET_AUTH_SCHEME} {}", B64::encode(&ticket.1)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let seen = usage(&server, &alice).await;
    assert_eq!(
        (seen.transfer_used_this_month, seen.transfer_quota),
        (size + FULL, None)
    );
}

/// A link to `node` and a download ticket of it: (link id, ticket bytes).
async fn link_ticket(server: &TestServer, owner: &Account, node: Id) -> (Id, Vec<u8>) {
    let access: [u8; 32] = coffer_crypto::random_bytes();
    let link = NewLink {
        id: Id::random(),
        node_id: node,
        sealed_key: B64(coffer_crypto::random_bytes::<125>().to_vec()),
        access_hash: B64(blake3::hash(&access).as_bytes().to_vec()),
        password: None,
        expires_at: None,
        max_downloads: None,
    };
    let response = server
        .call(Method::POST, "/api/v1/links", owner.token(), Some(&link))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let path = format!("/api/v1/public/links/{}/downloads", link.id);
    let response = (server.http.post(server.url(&path)))
        .header(
            "authorization",
            format!("{LINK_AUTH_SCHEME} {}", B64::encode(&access)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let ticket: DownloadTicket = response.json().await.unwrap();
    (link.id, ticket.ticket.0)
}

#[tokio::test]
async fn the_bandwidth_limit_paces_chunk_uploads_and_downloads() {
    let server = TestServer::start().await;
    let alice = server.signup("bandwidth@example.org").await;
    let limit = LimitChange {
        bandwidth: Some(Limit::Bytes(MIB)),
        ..LimitChange::default()
    };
    set_limits(&server, &alice, limit).await;
    // 3 MiB at 1 MiB/s with a one-second burst: at least 2 s; 1.5 s leaves room for timers.
    let size = 48 * FULL;
    let started = Instant::now();
    let (file, _) = upload_file(&server, &alice, alice.root, "slow.bin", size).await;
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(1500), "uploaded in {took:?}");

    let version = file.content.as_ref().unwrap().version_id;
    let started = Instant::now();
    for index in 0..48 {
        let response = get_chunk(&server, &alice.token, file.id, version, index).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.bytes().await.unwrap().len() as u64, FULL);
    }
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1500),
        "downloaded in {took:?}"
    );
    assert_eq!(usage(&server, &alice).await.bandwidth_limit, Some(MIB));
}

#[tokio::test]
async fn usage_reports_the_configured_defaults() {
    let settings = Settings {
        default_limits: AccountLimits {
            storage: Some(50 << 30),
            transfer: Some(200 << 30),
            bandwidth: None,
        },
        ..Settings::default()
    };
    let server = TestServer::start_with(Arc::new(tempfile::tempdir().unwrap()), settings).await;
    let alice = server.signup("defaults@example.org").await;
    let seen = usage(&server, &alice).await;
    assert_eq!(
        (
            seen.storage_quota,
            seen.transfer_quota,
            seen.bandwidth_limit
        ),
        (Some(50 << 30), Some(200 << 30), None)
    );
    // Without limits the fields are absent from the JSON.
    let bob = server.signup("defaults-none@example.org").await;
    let none = LimitChange {
        storage: Some(Limit::Unlimited),
        transfer: Some(Limit::Unlimited),
        ..LimitChange::default()
    };
    set_limits(&server, &bob, none).await;
    let raw: serde_json::Value = server.get("/api/v1/usage", bob.token()).await;
    assert!(raw.get("storage_quota").is_none(), "{raw}");
    assert!(raw.get("transfer_quota").is_none(), "{raw}");
    assert_eq!(raw["transfer_used_this_month"], 0);
}

#[tokio::test]
async fn the_binary_sets_quotas_beside_the_running_server() {
    let server = TestServer::start().await;
    let alice = server.signup("admin-quota@example.org").await;
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_coffer-server"))
            .arg("--data")
            .arg(server.data_path())
            .args(["admin", "quota", "Admin-Quota@example.org"])
            .args(args)
            .output()
            .unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        (output.status.code(), stdout, stderr)
    };
    let args = [
        "--storage",
        "50GiB",
        "--transfer",
        "200GiB",
        "--bandwidth",
        "20MiB/s",
        "--json",
    ];
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let shown: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(shown["storage"]["limit"], 50u64 << 30, "{shown}");
    assert_eq!(shown["storage"]["setting"], "own");
    assert_eq!(shown["bandwidth"]["limit"], 20u64 << 20);
    let seen = usage(&server, &alice).await;
    assert_eq!(
        (
            seen.storage_quota,
            seen.transfer_quota,
            seen.bandwidth_limit
        ),
        (Some(50 << 30), Some(200 << 30), Some(20 << 20))
    );

    let (code, stdout, stderr) = run(&["--storage", "none"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("storage    0 B used of unlimited (none)"),
        "{stdout}"
    );
    assert!(stdout.contains("of 200 GiB (own)"), "{stdout}");
    assert_eq!(usage(&server, &alice).await.storage_quota, None);

    let (code, _, stderr) = run(&["--storage", "lots"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("--storage must be a size like 50GiB"),
        "{stderr}"
    );
}
