//! Long-running processes the benchmarks talk to: the coffer server, `rclone serve`,
//! `iperf3 -s`. Each is started on loopback, waited for, and stopped (by its own pid) when its
//! handle is dropped, so a failed benchmark leaves nothing running.

use crate::measure::{peak_rss_mib, reset_peak_rss};
use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a service may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A background process, killed when dropped.
pub struct Service {
    child: Child,
    name: String,
}

impl Service {
    /// Starts `cmd` with its output appended to `log`.
    pub fn spawn(name: &str, mut cmd: Command, log: &Path) -> Result<Service> {
        let out =
            std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let err = out.try_clone()?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        Ok(Service {
            child,
            name: name.to_owned(),
        })
    }

    /// Waits until something accepts TCP connections on `addr`.
    pub fn wait_for_port(&mut self, addr: SocketAddr) -> Result<()> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if let Some(status) = self.child.try_wait()? {
                bail!("{} exited before listening ({status})", self.name);
            }
            if Instant::now() > deadline {
                bail!("{} did not listen on {addr} in time", self.name);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Asks the process to stop (SIGTERM) and waits a little for it, then kills it.
    pub fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.terminate();
    }
}

/// A free loopback port (the tiny race with another process taking it is acceptable here).
pub fn free_loopback_addr() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?)
}

/// A real `coffer-server` on a port of its choosing, with its own data directory.
pub struct CofferServer {
    service: Service,
    pub url: String,
}

impl CofferServer {
    /// Starts `bin --listen 127.0.0.1:0 --data DATA` and waits for the line that names its
    /// address.
    pub fn start(bin: &Path, data: &Path, log: &Path) -> Result<CofferServer> {
        let mut cmd = Command::new(bin);
        cmd.arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data")
            .arg(data)
            .env("COFFER_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log)?);
        let mut child = cmd.spawn().context("starting coffer-server")?;
        let stdout = child.stdout.take().context("coffer-server's stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let first = lines.next().and_then(|l| l.ok());
            let _ = tx.send(first);
            for _ in lines {} // keep draining so the server never blocks on a full pipe
        });
        let service = Service {
            child,
            name: "coffer-server".into(),
        };
        let line = rx
            .recv_timeout(START_TIMEOUT)
            .ok()
            .flatten()
            .context("coffer-server did not print its address")?;
        let url = parse_listening_line(&line)
            .with_context(|| format!("unexpected first line from coffer-server: {line}"))?;
        Ok(CofferServer { service, url })
    }

    pub fn pid(&self) -> u32 {
        self.service.pid()
    }

    /// Starts a new phase of peak-RSS measurement.
    pub fn reset_peak_rss(&self) -> Result<()> {
        reset_peak_rss(self.pid())
    }

    /// Peak RSS since start or since the last reset, MiB.
    pub fn peak_rss_mib(&self) -> Result<f64> {
        peak_rss_mib(self.pid())
    }

    pub fn stop(self) {
        self.service.stop();
    }
}

/// The URL in `coffer-server listening on http://ADDR`.
pub fn parse_listening_line(line: &str) -> Option<String> {
    let url = line.trim().strip_prefix("coffer-server listening on ")?;
    url.starts_with("http://").then(|| url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_servers_address_line() {
        assert_eq!(
            parse_listening_line("coffer-server listening on http://127.0.0.1:41234\n"),
            Some("http://127.0.0.1:41234".into())
        );
        assert_eq!(parse_listening_line("something else"), None);
        assert_eq!(
            parse_listening_line("coffer-server listening on ftp://x"),
            None
        );
    }
}
