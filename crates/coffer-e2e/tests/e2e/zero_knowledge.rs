//! Zero knowledge on disk: after uploading files and folders with distinctive names and content,
//! neither a name nor any 32-byte run of the content appears anywhere in the server's data
//! directory (database, WAL, blobs) or in its log, and neither does the password.

use coffer_client::TransferOptions;
use coffer_e2e::{
    PASSWORD, ServerProcess, assert_store_consistent, pseudo_random, read_tree, signup,
};
use std::collections::HashSet;

const FILE_NAME: &str = "Quarterly-Secret-Plan-zq7x.txt";
const FOLDER_NAME: &str = "Project-Nightingale-k2v9";
const RUN: usize = 32;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_readable_reaches_the_server_disk_or_log() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let server = ServerProcess::start(&data);
    let drive = signup(&server.url, "zk@example.org", &tmp.path().join("cfg")).await;

    // Text-like content (what a leak would look like) and random-looking content, over several
    // chunks so chunk boundaries are covered.
    let mut content = Vec::new();
    while content.len() < 2_500_000 {
        content.extend_from_slice(b"The merger with Globex closes on the 14th; tell nobody. ");
    }
    content.extend_from_slice(&pseudo_random(7, 300_000));
    let local = tmp.path().join(FILE_NAME);
    std::fs::write(&local, &content).unwrap();

    drive
        .mkdir(&format!("/{FOLDER_NAME}"), false)
        .await
        .unwrap();
    let dest = format!("/{FOLDER_NAME}/");
    drive
        .put_file(&local, &dest, &TransferOptions::default())
        .await
        .unwrap();
    // Rename and move too: the old and new names must both stay secret.
    let renamed = format!("/{FOLDER_NAME}/Renamed-Secret-Plan-p4w1.txt");
    drive
        .mv(&format!("{dest}{FILE_NAME}"), &renamed)
        .await
        .unwrap();
    let listed = drive.ls(&format!("/{FOLDER_NAME}")).await.unwrap();
    assert_eq!(listed.len(), 1);
    let log_path = server.log_path.clone();
    server.stop(); // graceful: SQLite checkpoints, everything is on disk

    let runs: HashSet<&[u8]> = content.windows(RUN).collect();
    let secrets: [&[u8]; 4] = [
        FILE_NAME.as_bytes(),
        FOLDER_NAME.as_bytes(),
        b"Renamed-Secret-Plan-p4w1",
        PASSWORD.as_bytes(),
    ];
    let log = std::fs::read(&log_path).unwrap();
    assert!(
        coffer_e2e::contains(&log, b"/api/v1/uploads"),
        "the debug log recorded the requests"
    );
    let mut files = read_tree(&data);
    files.push((log_path.clone(), log));
    assert!(
        files.iter().any(|(p, _)| p.ends_with("meta.sqlite")),
        "the database was searched"
    );
    let paths: Vec<_> = files.iter().map(|(p, _)| p.display().to_string()).collect();
    assert!(
        paths.iter().any(|p| p.contains("/blobs/")),
        "blobs were searched: {paths:?}"
    );
    for (path, bytes) in &files {
        for secret in secrets {
            assert!(
                !coffer_e2e::contains(bytes, secret),
                "{} contains {:?}",
                path.display(),
                String::from_utf8_lossy(secret)
            );
        }
        if let Some(at) = bytes.windows(RUN).position(|w| runs.contains(w)) {
            panic!(
                "{} contains 32 bytes of the plaintext at offset {at}",
                path.display()
            );
        }
    }
    // After the search: the check's read-only open leaves SQLite's empty WAL companions.
    assert_store_consistent(&data);
}
