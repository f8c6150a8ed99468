//! Durability across restarts, and the real binary's command line.

use crate::common::*;
use coffer_api::*;
use coffer_server::config::Settings;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn a_restart_on_the_same_data_keeps_everything() {
    let server = TestServer::start().await;
    let alice = server.signup("alice@example.org").await;
    let (file, chunks) = upload_file(&server, &alice, alice.root, "kept.bin", FULL + 30).await;
    let half = create_upload(alice.root, Id::random(), "half", 2 * FULL);
    let open = open_upload(&server, &alice, &half).await;
    put_chunk_ok(
        &server,
        &alice.token,
        open.id,
        1,
        &chunk_bytes(9, 1, 2 * FULL),
    )
    .await;
    let data = server.stop().await;

    let server = TestServer::start_with(data, Settings::default()).await;
    // The session token and the password (OPAQUE setup) both survive.
    let node: Node = server
        .get(&format!("/api/v1/nodes/{}", file.id), alice.token())
        .await;
    assert_eq!(node, file);
    server
        .login("alice@example.org", PASSWORD)
        .await
        .expect("login after restart");
    let version = file.content.unwrap().version_id;
    for (i, chunk) in chunks.iter().enumerate() {
        let response = get_chunk(&server, &alice.token, file.id, version, i as u64).await;
        assert_eq!(&response.bytes().await.unwrap()[..], &chunk[..]);
    }
    let resumed: Upload = server
        .get(&format!("/api/v1/uploads/{}", open.id), alice.token())
        .await;
    assert_eq!(resumed.received, vec![1]);
    server.stop().await;
}

#[test]
fn the_binary_announces_its_address_and_prints_openapi() {
    let exe = env!("CARGO_BIN_EXE_coffer-server");
    let openapi = Command::new(exe).arg("openapi").output().unwrap();
    assert!(openapi.status.success());
    assert_eq!(
        String::from_utf8(openapi.stdout).unwrap(),
        coffer_server::openapi::document_json()
    );

    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("coffer.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\nlog_format = \"json\"\n").unwrap();
    let mut child = Command::new(exe)
        .args([
            "--data",
            data.path().join("d").to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .strip_prefix("coffer-server listening on http://")
        .unwrap_or_else(|| panic!("{line:?}"));
    let port: u16 = address.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0);
    let health = blocking_get(format!("http://{address}/healthz"));
    assert!(health.contains("\"ok\""), "{health}");
    // SIGTERM: a clean exit.
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert!(data.path().join("d").join("meta.sqlite").exists());

    let bad = Command::new(exe)
        .args(["--config", "/nonexistent/coffer.toml"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
}

/// A GET from a plain test, without reqwest's blocking feature.
fn blocking_get(url: String) -> String {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async { reqwest::get(url).await.unwrap().text().await.unwrap() })
}
