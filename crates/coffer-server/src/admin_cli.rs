//! The `admin` subcommands of the `coffer-server` binary: parsing (clap) and printing only; the
//! work is in [`coffer_server::admin`]. Exit status: 0 on success, 1 on an error and when
//! `abuse verify` finds that the report does not verify.

use clap::Subcommand;
use coffer_api::Id;
use coffer_server::admin::abuse::render_reports;
use coffer_server::admin::quota::parse_limit;
use coffer_server::admin::report::render_report;
use coffer_server::admin::takedown::render_takedowns;
use coffer_server::admin::{Admin, AdminError, read_notice};
use coffer_store::{LimitChange, TakedownKind};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Take down a link, or a node with every link to it (its content answers 451 inside
    /// folder links). Applies the repeat-infringer policy to the owner.
    #[command(group(clap::ArgGroup::new("target").required(true).args(["link", "node"])))]
    Takedown {
        /// The link to disable.
        #[arg(long)]
        link: Option<Id>,
        /// The node whose every link is disabled and whose content is blocked.
        #[arg(long)]
        node: Option<Id>,
        /// The notice, a UTF-8 text file of at most 1 MiB.
        #[arg(long)]
        notice: PathBuf,
        /// Who sent the notice (shown to the link's owner).
        #[arg(long)]
        claimant: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Reinstate a takedown (e.g. after a counter-notice): its links work again unless another
    /// takedown covers them.
    Reinstate {
        takedown: Id,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
    },
    /// List every takedown.
    Takedowns {
        #[arg(long)]
        json: bool,
    },
    /// The transparency report, per month (UTC).
    Report {
        #[arg(long)]
        json: bool,
    },
    /// Show or set an account's storage quota, monthly transfer quota and bandwidth limit.
    /// Sizes like 50GiB or 500MB, rates like 20MiB/s; `none` lifts the limit for this account,
    /// `default` makes it follow the server's default again.
    Quota {
        /// The account's email.
        email: String,
        /// Bytes of ciphertext the account may store (files and unfinished uploads).
        #[arg(long, value_name = "SIZE|none|default")]
        storage: Option<String>,
        /// Bytes of chunk downloads per calendar month (UTC), its links' downloads included.
        #[arg(long, value_name = "SIZE|none|default")]
        transfer: Option<String>,
        /// Bytes per second for chunk uploads and downloads.
        #[arg(long, value_name = "RATE|none|default")]
        bandwidth: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Abuse reports received through POST /api/v1/abuse.
    Abuse {
        #[command(subcommand)]
        command: AbuseCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AbuseCommand {
    /// List every report.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Check what the reported link serves, with the secret (and password) the reporter gave.
    /// Exit code 1 when it does not verify.
    Verify {
        report: Id,
        /// Write the plaintext here for review (a file, or the folder's tree).
        #[arg(long)]
        output: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

/// Runs one command; returns its output and whether it succeeded.
pub async fn run(admin: &Admin, command: &AdminCommand) -> Result<(String, bool), AdminError> {
    Ok(match command {
        AdminCommand::Takedown {
            link,
            node,
            notice,
            claimant,
            json,
        } => {
            let (kind, target) = match (link, node) {
                (Some(link), _) => (TakedownKind::Link, *link),
                (None, Some(node)) => (TakedownKind::Node, *node),
                (None, None) => return Err(AdminError::Invalid("--link or --node".into())),
            };
            let notice = read_notice(notice)?;
            let done = admin
                .takedown(kind, target, notice, claimant.as_deref())
                .await?;
            (render(*json, &done, |d| format!("{d}\n")), true)
        }
        AdminCommand::Reinstate {
            takedown,
            reason,
            json,
        } => {
            let done = admin.reinstate(*takedown, reason).await?;
            (render(*json, &done, |d| format!("{d}\n")), true)
        }
        AdminCommand::Takedowns { json } => {
            let all = admin.takedowns().await?;
            (render(*json, &all, |a| render_takedowns(a)), true)
        }
        AdminCommand::Report { json } => {
            let months = admin.transparency_report().await?;
            (render(*json, &months, |m| render_report(m)), true)
        }
        AdminCommand::Quota {
            email,
            storage,
            transfer,
            bandwidth,
            json,
        } => {
            let parse = |what, text: &Option<String>, rate| {
                (text.as_deref())
                    .map(|t| parse_limit(what, t, rate))
                    .transpose()
            };
            let change = LimitChange {
                storage: parse("--storage", storage, false)?,
                transfer: parse("--transfer", transfer, false)?,
                bandwidth: parse("--bandwidth", bandwidth, true)?,
            };
            let view = admin.quota(email, &change).await?;
            (render(*json, &view, |v| v.to_string()), true)
        }
        AdminCommand::Abuse {
            command: AbuseCommand::List { json },
        } => {
            let all = admin.abuse_reports().await?;
            (render(*json, &all, |a| render_reports(a)), true)
        }
        AdminCommand::Abuse {
            command:
                AbuseCommand::Verify {
                    report,
                    output,
                    json,
                },
        } => {
            let outcome = admin.verify_report(*report, output.as_deref()).await?;
            let text = match json {
                true => format!("{:#}\n", outcome.to_json()),
                false => outcome.to_string(),
            };
            (text, outcome.verified())
        }
    })
}

fn render<T: Serialize>(json: bool, value: &T, text: impl Fn(&T) -> String) -> String {
    match json {
        // Serializing these plain records cannot fail.
        true => serde_json::to_string_pretty(value).map_or_else(|e| e.to_string(), |s| s + "\n"),
        false => text(value),
    }
}
