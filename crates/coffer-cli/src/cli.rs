//! The command line: every command, option and help text (clap derive).

use clap::{Args, Parser, Subcommand};
use clap_complete::Shell;
use std::path::PathBuf;
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  coffer signup --email me@example.org --server https://drive.example.org
  coffer put report.pdf /docs/            upload into /docs (keeps the name)
  coffer put -r photos /                  upload a folder and everything in it
  coffer ls -l /docs
  coffer get /docs/report.pdf ./          download into the current directory
  coffer mv /docs/report.pdf /archive/2025-report.pdf
  coffer rm -r /old
  coffer link create /docs/report.pdf --expires 7d     share a file; prints its URL
  coffer get 'https://drive.example.org/l/ID#KEY' ./   download a link, no account needed
  coffer contacts add bob@example.org                  pin Bob's keys
  coffer share /docs bob@example.org --write           share a folder with Bob
  coffer ls /shared/alice@example.org/docs             a folder Alice shares with you
  coffer sessions / coffer sessions revoke --all-others   where you are logged in; end the rest
  coffer 2fa enable                                    ask for an authenticator code at login

Environment:
  COFFER_SERVER      server URL (else the logged-in session's)
  COFFER_PASSWORD    password for signup/login (else --password-stdin or a prompt)
  COFFER_LINK_PASSWORD  password of a public link, to create or read one
  COFFER_TOTP        second-factor code for login (else --totp or a prompt)
  COFFER_CONFIG_DIR  where the session and pinned contacts are kept (default: the user config
                     dir + /coffer)
  COFFER_STRICT_CONTACTS=true  share only with verified contacts (as --strict)

Exit codes: 0 ok, 1 error, 2 usage, 3 not logged in or wrong password,
4 integrity check failed (the server served something that does not verify, or a contact's
key changed or does not match the fingerprint given), 5 not found.";

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
        /// The current code of the account's second factor (else asked in a terminal).
        #[arg(long, value_name = "CODE", env = "COFFER_TOTP", hide_env_values = true)]
        totp: Option<String>,
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
    /// Or a public link: `get 'https://HOST/l/ID#KEY' ./` (no login needed).
    #[command(
        after_help = "Every chunk is verified before it is written; the file appears at \
        the destination only once it verified completely.\n\n\
        A public link is downloaded whole, folders with everything in them (no -r needed); \
        quote the URL so the shell keeps the part after #. A path after the key \
        ('https://HOST/l/ID#KEY/sub/file') downloads only that. A password link asks for \
        its password (or reads COFFER_LINK_PASSWORD, or --password-stdin)."
    )]
    Get {
        #[arg(short, long)]
        recursive: bool,
        /// Drive path, or a public link URL.
        src: String,
        /// Local destination (a directory or a file name); default: the current directory.
        #[arg(default_value = ".")]
        dest: PathBuf,
    },
    /// Import a public link into your drive without downloading or uploading its bytes:
    /// `import 'https://HOST/l/ID#KEY' /inbox/`.
    #[command(
        after_help = "The files become yours: they stay readable after the link is revoked or \
        the original deleted, and count against your storage. A folder is imported with \
        everything in it; a path after the key ('https://HOST/l/ID#KEY/sub/file') imports only \
        that. Each imported file counts as one download of the link. A password link asks for \
        its password (or reads COFFER_LINK_PASSWORD, or --password-stdin)."
    )]
    Import {
        /// The public link URL (quote it so the shell keeps the part after #).
        url: String,
        /// The drive folder to import into.
        #[arg(default_value = "/")]
        dest: String,
        /// Print what was imported as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List a folder, or a folder shared by a public link (`ls 'https://HOST/l/ID#KEY'`,
    /// with `/sub/folder` after the key to look inside).
    Ls {
        /// Long format: kind, size, modification time (UTC), name.
        #[arg(short = 'l')]
        long: bool,
        #[arg(long)]
        json: bool,
        /// Drive path, or a public link URL.
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
    /// Show storage use, the storage quota, transfer this month and the bandwidth limit.
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
    /// Share files and folders through public links: anyone with the URL (and the password,
    /// if set) can download, without an account. The key is in the URL's part after #, which
    /// never reaches the server.
    Link {
        #[command(subcommand)]
        command: LinkCommand,
    },
    /// Report a public link to the server's operator (abuse, copyright):
    /// `report 'https://HOST/l/ID#KEY' --reason "..."`.
    #[command(
        after_help = "Without --include-key the operator learns only which link you report. With \
        it, the link's key (and, for a password link, its password) goes to the operator, who can \
        then check what the link really serves — and read it. No account is needed."
    )]
    Report {
        /// The public link URL (quote it so the shell keeps the part after #).
        url: String,
        /// What is wrong with it (at most 4 KiB).
        #[arg(long)]
        reason: String,
        /// How the operator can reach you (optional).
        #[arg(long)]
        contact: Option<String>,
        /// Also send the link's key (and password) so the operator can verify the content.
        #[arg(long)]
        include_key: bool,
    },
    /// Your contacts: the keys of the people you share with, pinned on first use.
    #[command(
        after_help = "A contact's keys come from the server the first time (trust on first \
    use) and are remembered here. If the server later shows other keys, the contact is marked \
    KEY CHANGED and sharing with it is refused until you compare fingerprints with \
    `coffer contacts verify EMAIL` (by phone, in person: not through the server)."
    )]
    Contacts {
        #[command(subcommand)]
        command: ContactsCommand,
    },
    /// Show your own key fingerprint, to read out to a contact who verifies you.
    Fingerprint {
        #[arg(long)]
        json: bool,
    },
    /// Share a folder with another account: `share /docs bob@example.org [--write]`.
    #[command(
        after_help = "The folder's key is sealed to the contact's pinned key and signed by \
    you; the server only routes it. Read-only recipients can list and download; with --write \
    they can also upload, create folders, rename, move within the share and delete. What they \
    store counts against your quota. Run `share` again to change the permission. Recipients see \
    the folder under /shared/YOUR-EMAIL/."
    )]
    Share {
        /// Your folder to share.
        path: String,
        /// The recipient's account email.
        email: String,
        /// Let the recipient change the folder's content.
        #[arg(long)]
        write: bool,
        /// Refuse unless the contact's fingerprint was verified (`coffer contacts verify`).
        #[arg(long, env = "COFFER_STRICT_CONTACTS")]
        strict: bool,
    },
    /// What you share and with whom, and what is shared with you.
    Shares {
        #[arg(long)]
        json: bool,
    },
    /// Stop sharing a folder with someone (`unshare /docs bob@example.org`), or leave a folder
    /// shared with you (`unshare /shared/alice@example.org/docs`).
    #[command(
        after_help = "Access ends at once on the server. Then the keys of the folder and \
    of every folder below it are replaced, so that nothing written afterwards can be read with \
    what the former recipient may have kept; files already there keep their keys (whatever they \
    could read before, they may have copied). Public links to folders inside stop working and \
    are revoked (file links keep working). If the rotation is interrupted, run the same command \
    again: it resumes."
    )]
    Unshare {
        path: String,
        /// The recipient to remove; without it, everyone the folder is shared with (not needed
        /// to leave a share under /shared).
        email: Option<String>,
    },
    /// Where this account is logged in: `sessions`, `sessions revoke ID|--all-others`.
    #[command(
        after_help = "Lists the account's live sessions (id, created, last used, expiry, client);     `*` marks this one. A revoked session is refused on its next request."
    )]
    Sessions {
        #[command(subcommand)]
        command: Option<SessionsCommand>,
        #[arg(long)]
        json: bool,
    },
    /// A second factor at login (TOTP, as authenticator apps make): `2fa enable`, `2fa disable`.
    #[command(
        name = "2fa",
        after_help = "`2fa enable` prints a new secret and its otpauth:// URI for your     authenticator app, then asks for the code it shows; not in a terminal, confirm with     `coffer 2fa enable --code CODE`. From then on `coffer login` needs the current code     (--totp or COFFER_TOTP, else it asks). The code guards against a stolen password; keep the     authenticator on another device."
    )]
    TwoFa {
        #[command(subcommand)]
        command: TwoFaCommand,
    },
    /// Print a shell completion script: bash, zsh, fish, elvish or powershell.
    Completions { shell: Shell },
}

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// End a session (its id from `coffer sessions`), or every session but this one.
    Revoke {
        #[arg(required_unless_present = "all_others", conflicts_with = "all_others")]
        id: Option<String>,
        #[arg(long)]
        all_others: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TwoFaCommand {
    /// Set up a second factor, or with --code confirm the one set up (only then is it on).
    Enable {
        #[arg(long, value_name = "CODE")]
        code: Option<String>,
    },
    /// Turn the second factor off (needs a current code).
    Disable {
        #[arg(long, value_name = "CODE")]
        code: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// Fetch an account's keys and pin them (trust on first use).
    Add {
        email: String,
        #[arg(long)]
        json: bool,
    },
    /// Your contacts: verified, unverified, or KEY CHANGED.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Compare fingerprints with a contact and mark it verified.
    #[command(
        after_help = "Shows the contact's fingerprint and yours as groups of digits. Read them \
    out to each other over a channel you trust; confirm only if both match. Non-interactive: \
    --fingerprint \"DIGITS\" (the contact's, as they read it to you) confirms only on a match."
    )]
    Verify {
        email: String,
        /// The contact's fingerprint as they gave it to you; confirms only if it matches.
        #[arg(long, value_name = "DIGITS")]
        fingerprint: Option<String>,
        /// Confirm without asking (after comparing the fingerprints shown).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum LinkCommand {
    /// Create a link to a file or folder and print its URL.
    #[command(after_help = "Examples:
  coffer link create /docs/report.pdf
  coffer link create /photos --expires 7d --max-downloads 10
  coffer link create /contracts --password     asks for the password twice

A folder link shares the folder and everything below it, as it is when read. The URL holds the
key: whoever has it (and the password, if any) can read; share it privately.")]
    Create {
        /// Drive path of the file or folder.
        path: String,
        /// Stop working after this long: 90s, 30m, 12h, 7d (or a combination such as 1d12h).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        expires: Option<Duration>,
        /// Stop working after this many downloads (a whole folder counts as one).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        max_downloads: Option<u64>,
        /// Require a password as well as the URL (asked twice; or COFFER_LINK_PASSWORD, or
        /// --password-stdin).
        #[arg(long)]
        password: bool,
        /// Print the link and its URL as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List your links: state, downloads, expiry, password, takedown.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a link at once (downloads in progress stop too).
    Revoke {
        /// The link id (32 hex characters, as `link list` shows it).
        id: String,
    },
}

/// `90s`, `30m`, `12h`, `7d`, `1w`, or several in a row (`1d12h`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("{text:?} is not a duration such as 90s, 30m, 12h or 7d");
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: u64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        let n: u64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        total = n
            .checked_mul(unit)
            .and_then(|secs| total.checked_add(secs))
            .ok_or_else(bad)?;
    }
    if !digits.is_empty() || total == 0 {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
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

    #[test]
    fn durations_take_units_and_combinations() {
        let secs = |t: &str| parse_duration(t).map(|d| d.as_secs());
        assert_eq!(secs("90s"), Ok(90));
        assert_eq!(secs("30m"), Ok(1800));
        assert_eq!(secs("12h"), Ok(43_200));
        assert_eq!(secs("7d"), Ok(604_800));
        assert_eq!(secs("1w"), Ok(604_800));
        assert_eq!(secs("1d12h"), Ok(129_600));
        for bad in [
            "",
            "7",
            "d",
            "0s",
            "7x",
            "-1d",
            "1.5h",
            "99999999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sharing_commands_parse() {
        let cli =
            Cli::try_parse_from(["coffer", "share", "/docs", "bob@x.org", "--write"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Share {
                write: true,
                strict: false,
                ..
            }
        ));
        let cli = Cli::try_parse_from(["coffer", "unshare", "/shared/a@x.org/docs"]).unwrap();
        assert!(matches!(cli.command, Command::Unshare { email: None, .. }));
        let cli = Cli::try_parse_from([
            "coffer",
            "contacts",
            "verify",
            "bob@x.org",
            "--fingerprint",
            "1 2",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Command::Contacts {
                command: ContactsCommand::Verify {
                    fingerprint: Some(_),
                    yes: false,
                    ..
                }
            }
        ));
        assert!(Cli::try_parse_from(["coffer", "share", "/docs"]).is_err());
    }

    #[test]
    fn session_and_second_factor_commands_parse() {
        let cli = Cli::try_parse_from(["coffer", "sessions", "--json"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Sessions {
                command: None,
                json: true
            }
        ));
        let cli = Cli::try_parse_from(["coffer", "sessions", "revoke", "--all-others"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Sessions {
                command: Some(SessionsCommand::Revoke {
                    id: None,
                    all_others: true
                }),
                ..
            }
        ));
        assert!(Cli::try_parse_from(["coffer", "sessions", "revoke"]).is_err());
        assert!(
            Cli::try_parse_from(["coffer", "sessions", "revoke", "ab", "--all-others"]).is_err()
        );
        let cli = Cli::try_parse_from(["coffer", "2fa", "enable", "--code", "123456"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::TwoFa {
                command: TwoFaCommand::Enable { code: Some(_) }
            }
        ));
    }

    #[test]
    fn link_commands_parse() {
        let cli = Cli::try_parse_from([
            "coffer",
            "link",
            "create",
            "/a",
            "--expires",
            "2s",
            "--max-downloads",
            "2",
        ])
        .unwrap();
        match cli.command {
            Command::Link {
                command:
                    LinkCommand::Create {
                        path,
                        expires,
                        max_downloads,
                        password,
                        json,
                    },
            } => {
                assert_eq!(path, "/a");
                assert_eq!(expires, Some(Duration::from_secs(2)));
                assert_eq!(max_downloads, Some(2));
                assert!(!password && !json);
            }
            other => panic!("{other:?}"),
        }
        let zero = ["coffer", "link", "create", "/a", "--max-downloads", "0"];
        assert!(Cli::try_parse_from(zero).is_err());
        let cli = Cli::try_parse_from(["coffer", "get", "https://h/l/x#k"]).unwrap();
        assert!(matches!(cli.command, Command::Get { ref dest, .. } if dest.as_os_str() == "."));
    }
}
