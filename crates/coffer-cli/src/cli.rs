//! The command line: every command, option and help text (clap derive).

use clap::{Args, Parser, Subcommand};
use clap_complete::Shell;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  coffer signup --email me@example.org --server https://drive.example.org
  coffer put report.pdf /docs/            upload into /docs (keeps the name)
  coffer put -r photos /                  upload a folder and everything in it
  coffer ls -l /docs
  coffer get /docs/report.pdf ./          download into the current directory
  coffer mv /docs/report.pdf /archive/2025-report.pdf
  coffer rm -r /old

Environment:
  COFFER_SERVER      server URL (else the logged-in session's)
  COFFER_PASSWORD    password for signup/login (else --password-stdin or a prompt)
  COFFER_CONFIG_DIR  where the session is kept (default: the user config dir + /coffer)

Exit codes: 0 ok, 1 error, 2 usage, 3 not logged in or wrong password,
4 integrity check failed (the server served something that does not verify), 5 not found.";

/// coffer: an end-to-end encrypted drive. Files and names are encrypted on this machine;
/// the server stores only ciphertext it cannot read or alter unnoticed.
#[derive(Debug, Parser)]
#[command(name = "coffer", version, after_help = EXAMPLES, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Server URL, e.g. `https://drive.example.org`.
    #[arg(long, global = true, env = "COFFER_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// No progress bars or informational messages.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Read the password from the first line of standard input.
    #[arg(long, global = true)]
    pub password_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an account (then log in).
    Signup {
        #[arg(long)]
        email: String,
    },
    /// Log in and keep the session in the config directory.
    Login {
        /// Defaults to the email of the saved or last session.
        #[arg(long)]
        email: Option<String>,
    },
    /// End the session on the server and forget it here.
    Logout,
    /// Show the logged-in account and its key fingerprint.
    Whoami {
        #[arg(long)]
        json: bool,
    },
    /// Upload files (and with -r folders), like cp: `put a.txt /docs/` or `put a.txt /docs/b.txt`.
    #[command(
        after_help = "An existing file at the destination gets a new version (replaced \
        atomically). An interrupted upload resumes when the same put runs again."
    )]
    Put {
        /// Upload folders and everything in them.
        #[arg(short, long)]
        recursive: bool,
        /// Local files or folders, then the drive destination.
        #[arg(required = true, num_args = 2.., value_name = "SRC... DEST")]
        paths: Vec<String>,
    },
    /// Download a file (or with -r a folder): `get /docs/a.txt ./` or `get /docs/a.txt ./b.txt`.
    #[command(
        after_help = "Every chunk is verified before it is written; the file appears at \
        the destination only once it verified completely."
    )]
    Get {
        #[arg(short, long)]
        recursive: bool,
        /// Drive path.
        src: String,
        /// Local destination (a directory or a file name).
        dest: PathBuf,
    },
    /// List a folder.
    Ls {
        /// Long format: kind, size, modification time (UTC), name.
        #[arg(short = 'l')]
        long: bool,
        #[arg(long)]
        json: bool,
        #[arg(default_value = "/")]
        path: String,
    },
    /// Show a folder and everything below it.
    Tree {
        #[arg(long)]
        json: bool,
        #[arg(default_value = "/")]
        path: String,
    },
    /// Show storage use.
    Df {
        #[arg(long)]
        json: bool,
    },
    /// Create folders.
    Mkdir {
        /// Create missing parents; no error if the folder exists.
        #[arg(short, long)]
        parents: bool,
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// Move or rename: `mv /a.txt /docs/` or `mv /a.txt /b.txt`. Never overwrites.
    Mv { src: String, dest: String },
    /// Delete files (and with -r folders with everything in them).
    Rm {
        #[arg(short, long)]
        recursive: bool,
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// Print a shell completion script: bash, zsh, fish, elvish or powershell.
    Completions { shell: Shell },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn put_needs_a_source_and_a_destination() {
        assert!(Cli::try_parse_from(["coffer", "put", "a"]).is_err());
        let cli = Cli::try_parse_from(["coffer", "put", "-r", "a", "b", "/d/"]).unwrap();
        match cli.command {
            Command::Put { recursive, paths } => {
                assert!(recursive);
                assert_eq!(paths, ["a", "b", "/d/"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn global_options_go_anywhere() {
        let cli = Cli::try_parse_from(["coffer", "ls", "--server", "http://x", "-q"]).unwrap();
        assert_eq!(cli.global.server.as_deref(), Some("http://x"));
        assert!(cli.global.quiet);
    }
}
