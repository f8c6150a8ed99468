//! `coffer-server check`, the real binary, on the data directory of a server that is still
//! running: a store written through the API is consistent; a lost blob is an error (exit 1),
//! an orphan blob only garbage (exit 0).

use crate::common::*;
use coffer_api::*;
use std::process::{Command, Output};

fn check(data: &std::path::Path, json: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_coffer-server"));
    command.arg("check").arg("--data").arg(data);
    if json {
        command.arg("--json");
    }
    command.output().expect("run coffer-server check")
}

fn json_of(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("check --json prints JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_a_lost_blob_and_tolerates_garbage_beside_a_running_server() {
    let server = TestServer::start().await;
    let alice = server.signup("alice@example.org").await;
    let (file, _) = upload_file(&server, &alice, alice.root, "a.bin", 2 * FULL + 30).await;
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
    let data = server.data_path();

    let clean = check(&data, true);
    assert_eq!(clean.status.code(), Some(0), "{clean:?}");
    let report = json_of(&clean);
    assert_eq!(report["consistent"], true);
    assert_eq!(report["counts"]["files"], 1);
    assert_eq!(report["counts"]["open_uploads"], 1);
    assert_eq!(report["counts"]["live_versions"], 2);
    assert_eq!(report["counts"]["blobs"]["count"], 4);

    // Garbage alone: still exit 0, counted.
    let orphan = data.join("blobs/v/ee/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
    std::fs::create_dir_all(&orphan).unwrap();
    std::fs::write(orphan.join(format!("0-{}", "ab".repeat(32))), b"junk").unwrap();
    let garbage = check(&data, true);
    assert_eq!(garbage.status.code(), Some(0), "{garbage:?}");
    let garbage = json_of(&garbage)["garbage"]["unreferenced_blobs"].clone();
    assert_eq!(garbage, serde_json::json!({ "count": 1, "bytes": 4 }));

    // A chunk of the committed file lost: exit 1, the error named on a line of its own.
    let version = file.content.unwrap().version_id.to_string();
    let folder = data.join("blobs/v").join(&version[..2]).join(&version);
    let lost = std::fs::read_dir(&folder)
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("1-"))
        .expect("chunk 1 is stored");
    std::fs::remove_file(lost.path()).unwrap();
    let broken = check(&data, false);
    assert_eq!(broken.status.code(), Some(1), "{broken:?}");
    let text = String::from_utf8(broken.stdout).unwrap();
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{text}");
    assert!(errors[0].contains(&version) && errors[0].ends_with("[blob_missing]"));
    assert_eq!(text.lines().last(), Some("INCONSISTENT: 1 error"));
    server.stop().await;

    let nowhere = check(&data.join("absent"), false);
    assert_eq!(nowhere.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&nowhere.stderr).contains("no coffer store"));
    assert!(!data.join("absent").exists(), "the check creates nothing");
}
