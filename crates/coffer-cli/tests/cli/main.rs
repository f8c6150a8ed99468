//! The real `coffer` binary against an in-process server, with a temporary config directory.

mod errors;
mod links;
mod server;
mod sessions;
mod sharing;
mod workflow;

use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

pub const PASSWORD: &str = "correct horse battery staple";

/// One user's command line: a config directory, a server, a password.
pub struct Coffer {
    pub config: tempfile::TempDir,
    pub server: String,
    pub password: String,
}

impl Coffer {
    pub fn new(server: &str) -> Coffer {
        Coffer {
            config: tempfile::tempdir().expect("temp dir"),
            server: server.to_owned(),
            password: PASSWORD.to_owned(),
        }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_coffer"));
        cmd.args(args)
            .env("COFFER_CONFIG_DIR", self.config.path())
            .env("COFFER_SERVER", &self.server)
            .env("COFFER_PASSWORD", &self.password)
            .env_remove("RUST_BACKTRACE")
            .stdin(std::process::Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run coffer")
    }

    /// Runs a command that must succeed; returns its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "coffer {args:?} failed ({:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    /// Runs a command that must fail with `code`; returns its standard error.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "coffer {args:?}: stderr {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).expect("utf-8 output")
    }
}

pub fn unique_email() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "cli{}-{}@example.org",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}
