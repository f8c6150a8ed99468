//! Measurements, not checks: run with
//! `cargo test --release -p coffer-client --test e2e perf -- --ignored --nocapture`
//! (`COFFER_PERF_FILES` sets the number of small files, default 2000).

use crate::common::{TestServer, bytes, new_drive};
use coffer_client::TransferOptions;
use std::time::Instant;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement; run explicitly"]
async fn many_small_files_up_list_and_down() {
    let count: usize = std::env::var("COFFER_PERF_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let server = TestServer::start();
    let (drive, _store, _config) = new_drive(&server).await;
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("small");
    std::fs::create_dir(&src).unwrap();
    for i in 0..count {
        std::fs::write(src.join(format!("f{i:06}")), bytes(4096, i as u64)).unwrap();
    }
    let opts = TransferOptions::default();

    let t = Instant::now();
    drive.put_dir(&src, "/", &opts).await.unwrap();
    let up = t.elapsed();
    eprintln!(
        "put -r {count} x 4 KiB: {up:?} ({:.0} files/s)",
        count as f64 / up.as_secs_f64()
    );

    let t = Instant::now();
    let listed = drive.ls("/small").await.unwrap();
    let ls = t.elapsed();
    assert_eq!(listed.len(), count);
    eprintln!(
        "ls of {count} entries: {ls:?} ({:.0} entries/s)",
        count as f64 / ls.as_secs_f64()
    );

    let t = Instant::now();
    drive
        .get_dir("/small", &local.path().join("out"), &opts)
        .await
        .unwrap();
    let down = t.elapsed();
    eprintln!(
        "get -r {count} x 4 KiB: {down:?} ({:.0} files/s)",
        count as f64 / down.as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement; run explicitly"]
async fn one_large_file_up_and_down() {
    let server = TestServer::start();
    let (drive, _store, _config) = new_drive(&server).await;
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("large.bin");
    let size = 256 << 20;
    std::fs::write(&src, bytes(size, 9)).unwrap();
    let opts = TransferOptions::default();
    let t = Instant::now();
    drive.put_file(&src, "/", &opts).await.unwrap();
    let up = t.elapsed();
    let t = Instant::now();
    drive
        .get_file("/large.bin", &local.path().join("out"), &opts)
        .await
        .unwrap();
    let down = t.elapsed();
    let mib = (size >> 20) as f64;
    eprintln!(
        "256 MiB: put {up:?} ({:.0} MiB/s), get {down:?} ({:.0} MiB/s)",
        mib / up.as_secs_f64(),
        mib / down.as_secs_f64()
    );
}
