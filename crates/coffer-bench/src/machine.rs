//! The machine, the code and the tools a run measured, and the peers' packages installed when
//! missing (Debian's, idempotently).

use crate::context::progress;
use crate::results::RunInfo;
use anyhow::{Result, bail};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Program → Debian package, for everything the harness runs besides coffer.
const TOOLS: &[(&str, &str)] = &[
    ("rclone", "rclone"),
    ("restic", "restic"),
    ("iperf3", "iperf3"),
    ("hyperfine", "hyperfine"),
    ("curl", "curl"),
    ("openssl", "openssl"),
];

fn on_path(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Installs the missing tools with apt-get (as root), else says what to install.
pub fn ensure_tools() -> Result<()> {
    let mut missing: Vec<&str> = TOOLS
        .iter()
        .filter(|(program, _)| !on_path(program))
        .map(|&(_, package)| package)
        .collect();
    if !Path::new("/usr/bin/time").exists() {
        missing.push("time");
    }
    if missing.is_empty() {
        return Ok(());
    }
    let root = output("id", &["-u"]).is_some_and(|uid| uid == "0");
    if !root {
        bail!(
            "missing tools; install them with: apt-get install -y {}",
            missing.join(" ")
        );
    }
    progress(format!("installing {}", missing.join(" ")));
    let ok = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    let mut install = vec!["install", "-y", "-q"];
    install.extend(&missing);
    if !(ok(&["update", "-q"]) && ok(&install)) {
        bail!("apt-get could not install {}", missing.join(" "));
    }
    Ok(())
}

/// The first line of a command's output, trimmed.
fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next()?.trim().to_owned();
    (out.status.success() && !first.is_empty()).then_some(first)
}

pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(f64::NAN)
}

/// `Model name:` of `lscpu`.
pub fn parse_lscpu_model(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Model name:"))
        .map(|m| m.trim().to_owned())
}

/// `MemTotal:` of `/proc/meminfo`, GiB.
pub fn parse_mem_total_gib(meminfo: &str) -> Option<f64> {
    let kib: f64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kib / (1024.0 * 1024.0))
}

/// Everything about the machine and the code, at the start of a run.
pub fn describe(repo: &Path) -> RunInfo {
    let lscpu = Command::new("lscpu")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let repo_arg = repo.to_string_lossy().into_owned();
    let git = |args: &[&str]| {
        let mut all = vec!["-C", repo_arg.as_str()];
        all.extend(args);
        output("git", &all)
    };
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).is_some();
    let commit = git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let mut tools = BTreeMap::new();
    for (name, args) in [
        ("rclone", &["version"][..]),
        ("restic", &["version"][..]),
        ("openssl", &["version"][..]),
        ("iperf3", &["--version"][..]),
        ("curl", &["--version"][..]),
    ] {
        if let Some(v) = output(name, args) {
            // "curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/…": the name and version are enough.
            let short = v.split(" (").next().unwrap_or(&v).to_owned();
            tools.insert(name.to_owned(), short);
        }
    }
    RunInfo {
        date: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        commit: if dirty {
            format!("{commit}+dirty")
        } else {
            commit
        },
        cpu_model: parse_lscpu_model(&lscpu).unwrap_or_else(|| "unknown".into()),
        cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
        memory_gib: std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| parse_mem_total_gib(&m))
            .unwrap_or(f64::NAN),
        kernel: output("uname", &["-r"]).unwrap_or_default(),
        rustc: output("rustc", &["--version"]).unwrap_or_default(),
        tools,
        load_before: load_average(),
        ..RunInfo::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cpu_model_and_memory() {
        let lscpu =
            "Architecture:  x86_64\nModel name:                              AMD EPYC\nCPU(s): 2\n";
        assert_eq!(parse_lscpu_model(lscpu).as_deref(), Some("AMD EPYC"));
        assert_eq!(parse_lscpu_model(""), None);
        let meminfo = "MemTotal:       25165824 kB\nMemFree: 1 kB\n";
        assert_eq!(parse_mem_total_gib(meminfo), Some(24.0));
        assert_eq!(parse_mem_total_gib("nothing"), None);
    }
}
