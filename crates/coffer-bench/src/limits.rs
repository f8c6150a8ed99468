//! The machine's limits, measured in the same run: AES-256-GCM (`openssl speed`), loopback TCP
//! (`iperf3`), sequential and small synchronous writes on the work directory's disk, and a plain
//! unencrypted HTTP GET of the 1 GiB file (`curl` from `rclone serve webdav`).

use crate::context::{Bench, progress};
use crate::measure::Proc;
use crate::results::{Results, Unit, keys};
use crate::service::{Service, free_loopback_addr};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Synchronous 4 KiB writes per sample.
const SYNC_WRITES: usize = 1000;
const IPERF3_TRIES: usize = 4;

/// `coffer-bench limits`.
pub fn run(b: &Bench, r: &mut Results) -> Result<()> {
    let dir = b.fresh_dir("limits")?;
    let mut series = |key: &str, label: &str, unit: Unit, f: &dyn Fn() -> Result<f64>| {
        let samples = (0..b.runs).map(|_| f()).collect::<Result<Vec<f64>>>()?;
        progress(format!("{label}: {samples:.0?} {}", unit.symbol()));
        r.record(key, label, unit, &samples);
        anyhow::Ok(())
    };
    let mb = Unit::MegabytesPerSec;
    series(
        keys::AES_GCM,
        "AES-256-GCM, one core, 1 MiB buffers (openssl speed)",
        mb,
        &openssl_aes_gcm,
    )?;
    let iperf = iperf3_server(&dir)?;
    series(
        keys::LOOPBACK_TCP,
        "loopback TCP, one stream (iperf3)",
        mb,
        &|| iperf3_client(&iperf.1),
    )?;
    drop(iperf);
    let seq = dir.join("sequential.bin");
    series(
        keys::DISK_WRITE,
        "1 GiB sequential write + fsync",
        mb,
        &|| sequential_write(&seq, 1 << 30),
    )?;
    let files = dir.join("files");
    series(
        keys::FSYNC_FILES,
        "4 KiB files created and fsync'd one by one",
        Unit::FilesPerSec,
        &|| fsynced_files(&files),
    )?;
    let log = dir.join("appends.log");
    series(
        keys::FDATASYNC_APPENDS,
        "4 KiB appends + fdatasync, one file",
        Unit::OpsPerSec,
        &|| fdatasynced_appends(&log),
    )?;

    let big = b.big_file()?;
    let (_server, url) = plain_http_server(&dir, big.parent().context("input folder")?)?;
    let name = big
        .file_name()
        .context("input name")?
        .to_string_lossy()
        .into_owned();
    let url = format!("{url}/{name}");
    let bytes = std::fs::metadata(&big)?.len() as f64;
    let label = format!(
        "plain HTTP GET of the {} file to /dev/null (curl ← rclone serve webdav)",
        crate::bigfile::size_label(bytes as u64)
    );
    series(keys::HTTP_GET, &label, mb, &|| {
        curl_get(&url, Path::new("/dev/null"), bytes)
    })?;
    let copy = dir.join("http-copy.bin");
    series(
        keys::HTTP_GET_FILE,
        "same, written to a file on the work disk",
        mb,
        &|| {
            let rate = curl_get(&url, &copy, bytes);
            crate::data::remove(&copy)?;
            rate
        },
    )?;
    crate::data::remove(&dir)
}

fn openssl_aes_gcm() -> Result<f64> {
    let out = Proc::new("openssl")
        .args([
            "speed",
            "-evp",
            "aes-256-gcm",
            "-bytes",
            "1048576",
            "-seconds",
            "1",
            "-mr",
        ])
        .capture()
        .run()?;
    parse_openssl_mr(&String::from_utf8_lossy(&out))
        .map(|bytes_per_sec| bytes_per_sec / 1e6)
        .context("no +F: line in openssl speed -mr output")
}

/// Bytes per second from the `+F:` line of `openssl speed -mr` (one buffer size).
pub fn parse_openssl_mr(text: &str) -> Option<f64> {
    let line = text.lines().find(|l| l.starts_with("+F:"))?;
    line.rsplit(':').next()?.trim().parse().ok()
}

fn iperf3_server(dir: &Path) -> Result<(Service, String)> {
    let addr = free_loopback_addr()?;
    let mut cmd = Command::new("iperf3");
    cmd.args(["-s", "-B", "127.0.0.1", "-p", &addr.port().to_string()]);
    let mut service = Service::spawn("iperf3 -s", cmd, &dir.join("iperf3.log"))?;
    service.wait_for_port(addr)?;
    Ok((service, addr.port().to_string()))
}

/// One 2-second stream. The server takes one test at a time and sometimes refuses a test that
/// follows the previous one too closely ("the server is busy"), so a refusal is retried.
fn iperf3_client(port: &str) -> Result<f64> {
    let mut last = String::new();
    for _ in 0..IPERF3_TRIES {
        let out = Proc::new("iperf3")
            .args(["-c", "127.0.0.1", "-p", port, "-t", "2", "-J"])
            .capture()
            .run();
        match out {
            Ok(json) => match parse_iperf3_json(&json) {
                Some(rate) => return Ok(rate),
                None => last = String::from_utf8_lossy(&json).chars().take(300).collect(),
            },
            Err(e) => last = format!("{e:#}"),
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    anyhow::bail!("iperf3 gave no rate after {IPERF3_TRIES} tries: {last}")
}

/// MB/s received, from `iperf3 -J`.
pub fn parse_iperf3_json(json: &[u8]) -> Option<f64> {
    let v: serde_json::Value = serde_json::from_slice(json).ok()?;
    let bits = v["end"]["sum_received"]["bits_per_second"].as_f64()?;
    Some(bits / 8.0 / 1e6)
}

fn sequential_write(path: &Path, bytes: usize) -> Result<f64> {
    let block = vec![0x5au8; 4 << 20];
    let start = Instant::now();
    let mut file = std::fs::File::create(path)?;
    for _ in 0..bytes / block.len() {
        file.write_all(&block)?;
    }
    file.sync_all()?;
    let rate = bytes as f64 / start.elapsed().as_secs_f64() / 1e6;
    std::fs::remove_file(path)?;
    Ok(rate)
}

fn fsynced_files(dir: &Path) -> Result<f64> {
    crate::data::remove(dir)?;
    std::fs::create_dir_all(dir)?;
    let block = [0xa5u8; 4096];
    let start = Instant::now();
    for i in 0..SYNC_WRITES {
        let mut file = std::fs::File::create(dir.join(format!("{i}")))?;
        file.write_all(&block)?;
        file.sync_all()?;
    }
    let rate = SYNC_WRITES as f64 / start.elapsed().as_secs_f64();
    crate::data::remove(dir)?;
    Ok(rate)
}

fn fdatasynced_appends(path: &Path) -> Result<f64> {
    let block = [0x3cu8; 4096];
    let mut file = std::fs::File::create(path)?;
    let start = Instant::now();
    for _ in 0..SYNC_WRITES {
        file.write_all(&block)?;
        file.sync_data()?;
    }
    let rate = SYNC_WRITES as f64 / start.elapsed().as_secs_f64();
    std::fs::remove_file(path)?;
    Ok(rate)
}

/// `rclone serve webdav` over `root`, unauthenticated, on loopback; returns it and its URL.
fn plain_http_server(dir: &Path, root: &Path) -> Result<(Service, String)> {
    let addr = free_loopback_addr()?;
    let mut cmd = Command::new("rclone");
    cmd.args(["serve", "webdav", "--addr", &addr.to_string()])
        .arg(root)
        .env("RCLONE_CONFIG", dir.join("rclone-empty.conf"));
    let mut service = Service::spawn("rclone serve webdav", cmd, &dir.join("http.log"))?;
    service.wait_for_port(addr)?;
    Ok((service, format!("http://{addr}")))
}

fn curl_get(url: &str, out: &Path, bytes: f64) -> Result<f64> {
    let start = Instant::now();
    Proc::new("curl")
        .args(["-sS", "--fail", "-o"])
        .arg(out)
        .arg(url)
        .run()?;
    Ok(bytes / start.elapsed().as_secs_f64() / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_openssl_machine_readable_output() {
        let text = "+DT:AES-256-GCM:1:1048576\n+R:3281:AES-256-GCM:1.000000\n+H:1048576\n\
                    +F:25:AES-256-GCM:3440377856.00\n";
        assert_eq!(parse_openssl_mr(text), Some(3440377856.0));
        assert_eq!(parse_openssl_mr("garbage"), None);
    }

    #[test]
    fn reads_iperf3_json() {
        let json = br#"{"end":{"sum_received":{"bits_per_second":12000000000.0}}}"#;
        assert_eq!(parse_iperf3_json(json), Some(1500.0));
        assert_eq!(parse_iperf3_json(b"{}"), None);
        assert_eq!(parse_iperf3_json(b"not json"), None);
    }
}
