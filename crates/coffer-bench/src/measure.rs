//! Measuring whole processes from outside: wall time from here, peak RSS from
//! `/usr/bin/time -v` (a client) or from `/proc/PID/status` (a long-running server, whose peak
//! we reset between phases through `/proc/PID/clear_refs`).

use anyhow::{Context, Result, bail};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// What one measured process run gave.
#[derive(Debug, Clone)]
pub struct Measured {
    pub secs: f64,
    /// Peak resident set size of the process, MiB.
    pub peak_rss_mib: f64,
    /// Its standard output, if it was captured.
    pub stdout: Vec<u8>,
}

/// A process to run: program, arguments, environment, working directory.
#[derive(Debug, Clone)]
pub struct Proc {
    program: PathBuf,
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
    dir: Option<PathBuf>,
    capture: bool,
}

impl Proc {
    pub fn new(program: impl AsRef<Path>) -> Proc {
        Proc {
            program: program.as_ref().to_owned(),
            args: Vec::new(),
            envs: Vec::new(),
            dir: None,
            capture: false,
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Proc {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(mut self, args: I) -> Proc {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Proc {
        self.envs
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    pub fn dir(mut self, dir: impl AsRef<Path>) -> Proc {
        self.dir = Some(dir.as_ref().to_owned());
        self
    }

    /// Keep standard output (else it goes to /dev/null).
    pub fn capture(mut self) -> Proc {
        self.capture = true;
        self
    }

    fn name(&self) -> String {
        let program = self.program.file_name().unwrap_or(self.program.as_os_str());
        let first = self
            .args
            .first()
            .map(|a| a.to_string_lossy())
            .unwrap_or_default();
        format!("{} {first}", program.to_string_lossy())
    }

    fn command(&self, program: &Path, leading: &[&OsStr]) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(leading);
        if program != self.program {
            cmd.arg(&self.program);
        }
        cmd.args(&self.args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)));
        if let Some(dir) = &self.dir {
            cmd.current_dir(dir);
        }
        cmd.stdin(Stdio::null())
            .stdout(if self.capture {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stderr(Stdio::piped());
        cmd
    }

    /// Runs to completion, unmeasured (setup steps); fails on a non-zero exit.
    pub fn run(&self) -> Result<Vec<u8>> {
        let program = self.program.clone();
        let out = self
            .command(&program, &[])
            .output()
            .with_context(|| format!("running {}", self.name()))?;
        check(&self.name(), out.status, &out.stderr)?;
        Ok(out.stdout)
    }

    /// Runs under `/usr/bin/time -v`: wall time and peak RSS. Fails on a non-zero exit.
    pub fn run_measured(&self, scratch: &Path) -> Result<Measured> {
        let report = scratch.join("time-v.txt");
        let leading = [OsStr::new("-v"), OsStr::new("-o"), report.as_os_str()];
        let mut cmd = self.command(Path::new("/usr/bin/time"), &leading);
        let start = Instant::now();
        let out = cmd
            .output()
            .with_context(|| format!("running {} under /usr/bin/time", self.name()))?;
        let secs = start.elapsed().as_secs_f64();
        check(&self.name(), out.status, &out.stderr)?;
        let text = std::fs::read_to_string(&report).context("reading /usr/bin/time's report")?;
        let peak_kib = parse_peak_rss_kib(&text)
            .context("no \"Maximum resident set size\" in /usr/bin/time's report")?;
        Ok(Measured {
            secs,
            peak_rss_mib: peak_kib as f64 / 1024.0,
            stdout: out.stdout,
        })
    }
}

fn check(name: &str, status: std::process::ExitStatus, stderr: &[u8]) -> Result<()> {
    if !status.success() {
        let tail = String::from_utf8_lossy(stderr);
        let tail: String = tail.lines().rev().take(8).collect::<Vec<_>>().join(" | ");
        bail!("{name} failed ({status}): {tail}");
    }
    Ok(())
}

/// The peak RSS (KiB) in the report of GNU time's `-v`.
pub fn parse_peak_rss_kib(report: &str) -> Option<u64> {
    field(report, "Maximum resident set size (kbytes):")
}

/// The peak RSS so far (VmHWM, KiB) in the text of `/proc/PID/status`.
pub fn parse_vm_hwm_kib(status: &str) -> Option<u64> {
    field(status, "VmHWM:")
}

fn field(text: &str, label: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.trim().strip_prefix(label))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// Peak RSS of a running process since it started or since [`reset_peak_rss`], MiB.
pub fn peak_rss_mib(pid: u32) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let kib = parse_vm_hwm_kib(&status).context("no VmHWM in /proc/PID/status")?;
    Ok(kib as f64 / 1024.0)
}

/// Resets the peak RSS of a running process to its current RSS (Linux ≥ 4.0, "5" in
/// `clear_refs`), so the next [`peak_rss_mib`] covers one phase only.
pub fn reset_peak_rss(pid: u32) -> Result<()> {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5")
        .with_context(|| format!("resetting the peak RSS of process {pid}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_gnu_time_report() {
        let report = "\tCommand being timed: \"coffer put big /\"\n\
            \tElapsed (wall clock) time (h:mm:ss or m:ss): 0:08.20\n\
            \tMaximum resident set size (kbytes): 18004\n\
            \tExit status: 0\n";
        assert_eq!(parse_peak_rss_kib(report), Some(18004));
        assert_eq!(parse_peak_rss_kib("nothing here"), None);
        assert_eq!(
            parse_peak_rss_kib("Maximum resident set size (kbytes): lots"),
            None
        );
    }

    #[test]
    fn reads_proc_status() {
        let status = "Name:\tcoffer-server\nVmPeak:\t  900 kB\nVmHWM:\t   13524 kB\n";
        assert_eq!(parse_vm_hwm_kib(status), Some(13524));
    }

    #[test]
    fn measures_a_real_process() {
        let dir = std::env::temp_dir().join(format!("coffer-bench-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let echo = Proc::new("/bin/sh").args(["-c", "echo hi"]).capture();
        assert_eq!(echo.run().unwrap(), b"hi\n");
        // GNU time is installed by `bench/run`, not necessarily where the tests run.
        if Path::new("/usr/bin/time").exists() {
            let m = echo.run_measured(&dir).unwrap();
            assert_eq!(m.stdout, b"hi\n");
            assert!(m.peak_rss_mib > 0.0 && m.secs > 0.0);
        }
        let failed = Proc::new("/bin/sh").args(["-c", "exit 3"]).run();
        assert!(failed.is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
