//! `admin abuse list` and `admin abuse verify`: the reports received, and the check of what a
//! reported link really serves, with the secret (and password) its reporter gave. The checks
//! are in [`super::verify`]; this file reads the records and chunks, walks a folder link's
//! subtree, and writes the plaintext under `--output` when asked.

use super::verify::{self, Failure, FileCheck, FileSummary};
use super::{Admin, AdminError, utc_minute};
use crate::state::now_ms;
use coffer_api::{Id, NodeKind};
use coffer_crypto::SymmetricKey;
use coffer_store::{AbuseReportRecord, AbuseVerification, NodeRecord, StoreError};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

/// Children fetched per page while walking a folder link.
const PAGE: u32 = 1000;
/// Most files one verification walks (a bound on what a hostile tree can make it do).
const MAX_FILES: usize = 100_000;

/// A report as the admin commands show it: never the secret or the password themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AbuseReportView {
    pub id: Id,
    pub link_id: Id,
    pub reason: String,
    pub contact: Option<String>,
    pub has_secret: bool,
    pub has_password: bool,
    pub created_at: i64,
    /// `None`: never verified.
    pub verified: Option<bool>,
    pub verified_at: Option<i64>,
    pub verification: Option<String>,
}

impl From<&AbuseReportRecord> for AbuseReportView {
    fn from(r: &AbuseReportRecord) -> AbuseReportView {
        AbuseReportView {
            id: r.id,
            link_id: r.link_id,
            reason: r.reason.clone(),
            contact: r.contact.clone(),
            has_secret: r.link_secret.is_some(),
            has_password: r.link_password.is_some(),
            created_at: r.created_at,
            verified: r.verification.as_ref().map(|v| v.verified),
            verified_at: r.verification.as_ref().map(|v| v.at),
            verification: r.verification.as_ref().map(|v| v.summary.clone()),
        }
    }
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOutcome {
    pub report: Id,
    pub link: Id,
    /// `Err`: the one-line reason it did not verify.
    pub result: Result<Served, String>,
}

/// What a link serves: one file, or a folder's files (paths relative to it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Served {
    File(FileSummary),
    Folder {
        name: String,
        /// Paths relative to the folder, `/`-separated, sorted.
        files: Vec<(String, FileSummary)>,
    },
}

impl VerifyOutcome {
    pub fn verified(&self) -> bool {
        self.result.is_ok()
    }

    /// Stable JSON: `report`, `link`, `verified`, `summary`, and `served` when verified.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "report": self.report,
            "link": self.link,
            "verified": self.verified(),
            "summary": self.summary(),
            "served": self.result.as_ref().ok(),
        })
    }

    /// The first line of the text output, also stored on the report.
    pub fn summary(&self) -> String {
        match &self.result {
            Ok(Served::File(f)) => format!(
                "verified: link {} serves {} ({} bytes, blake3 {})",
                self.link, f.name, f.size, f.blake3
            ),
            Ok(Served::Folder { name, files }) => format!(
                "verified: link {} serves folder {name} ({} files, {} bytes)",
                self.link,
                files.len(),
                files.iter().map(|(_, f)| f.size).sum::<u64>()
            ),
            Err(why) => format!("NOT verified: {why}"),
        }
    }
}

impl std::fmt::Display for VerifyOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{}", self.summary())?;
        if let Ok(Served::Folder { files, .. }) = &self.result {
            for (path, file) in files {
                writeln!(f, "  {path} ({} bytes, blake3 {})", file.size, file.blake3)?;
            }
        }
        Ok(())
    }
}

impl Admin {
    /// Every report, oldest first.
    pub async fn abuse_reports(&self) -> Result<Vec<AbuseReportView>, AdminError> {
        let all = self.meta.list_abuse_reports().await?;
        Ok(all.iter().map(AbuseReportView::from).collect())
    }

    /// Verifies a report (PROTOCOL.md §11), stores the outcome on it, and with `output` writes
    /// the plaintext there (a file, or the folder's tree). A failed check is an `Ok` outcome
    /// that is not verified; `Err` is for what prevented checking (I/O, the store).
    pub async fn verify_report(
        &self,
        id: Id,
        output: Option<&Path>,
    ) -> Result<VerifyOutcome, AdminError> {
        let report = self.meta.abuse_report(id).await.map_err(|e| match e {
            StoreError::NotFound => AdminError::Invalid(format!("no abuse report {id}")),
            other => other.into(),
        })?;
        let result = match self.check_report(&report, output).await {
            Ok(served) => Ok(served),
            Err(Checked::Failed(why)) => Err(why.0),
            Err(Checked::Broken(e)) => return Err(e),
        };
        let outcome = VerifyOutcome {
            report: report.id,
            link: report.link_id,
            result,
        };
        let record = AbuseVerification {
            at: now_ms(),
            verified: outcome.verified(),
            summary: outcome.summary(),
        };
        self.meta.record_abuse_verification(id, &record).await?;
        Ok(outcome)
    }

    async fn check_report(
        &self,
        report: &AbuseReportRecord,
        output: Option<&Path>,
    ) -> Result<Served, Checked> {
        let link = match self.meta.public_link(report.link_id).await {
            Ok(link) => link,
            Err(StoreError::NotFound) => return Err(failed("the link no longer exists")),
            Err(e) => return Err(Checked::Broken(e.into())),
        };
        let secret = report.link_secret.as_ref().map(|s| s.as_slice());
        let password = report.link_password.as_ref().map(|p| p.as_str());
        let (key, author) = verify::open_reported_link(&link, secret, password)?;
        let node = match self.meta.get_node(link.account_id, link.node_id).await {
            Ok(node) => node,
            Err(StoreError::NotFound) => return Err(failed("the linked node no longer exists")),
            Err(e) => return Err(Checked::Broken(e.into())),
        };
        let walk = Walk {
            admin: self,
            account: link.account_id,
        };
        let attrs = verify::open_node(&node, &key, &author)?;
        if node.kind == NodeKind::File {
            let target = output.map(|dir| safe_join(dir, &attrs.name)).transpose()?;
            let summary = walk.file(&node, &key, &attrs, target.as_deref()).await?;
            return Ok(Served::File(summary));
        }
        let root = output.map(|dir| safe_join(dir, &attrs.name)).transpose()?;
        let mut files = Vec::new();
        let mut folders = vec![(node.id, key, String::new(), root)];
        while let Some((folder, key, path, dir)) = folders.pop() {
            if let Some(dir) = &dir {
                std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
            }
            for child in walk.children(folder).await? {
                let child_key = verify::child_key(&key, &child)?;
                let attrs = verify::open_node(&child, &child_key, &author)?;
                let child_path = format!("{path}{}", attrs.name);
                let target = dir
                    .as_ref()
                    .map(|d| safe_join(d, &attrs.name))
                    .transpose()?;
                match child.kind {
                    NodeKind::Folder => {
                        folders.push((child.id, child_key, format!("{child_path}/"), target));
                    }
                    NodeKind::File => {
                        if files.len() >= MAX_FILES {
                            return Err(failed("the folder holds too many files to verify"));
                        }
                        let summary = walk
                            .file(&child, &child_key, &attrs, target.as_deref())
                            .await?;
                        files.push((child_path, summary));
                    }
                }
            }
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Served::Folder {
            name: attrs.name,
            files,
        })
    }
}

/// The reads of one verification, within the link owner's account.
struct Walk<'a> {
    admin: &'a Admin,
    account: Id,
}

impl Walk<'_> {
    /// Every child of a folder, all pages.
    async fn children(&self, folder: Id) -> Result<Vec<NodeRecord>, Checked> {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .admin
                .meta
                .children(self.account, folder, after, PAGE)
                .await
                .map_err(|e| Checked::Broken(e.into()))?;
            all.extend(page.items);
            match page.next_after {
                Some(next) => after = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// Checks one file's content (and writes its plaintext to `target` if given).
    async fn file(
        &self,
        node: &NodeRecord,
        key: &SymmetricKey,
        attrs: &coffer_crypto::Attributes,
        target: Option<&Path>,
    ) -> Result<FileSummary, Checked> {
        let mut check = FileCheck::start(node, key, attrs)?;
        let version = node
            .content
            .as_ref()
            .map(|c| c.version_id)
            .ok_or_else(|| failed("a file without content"))?;
        let mut out = match target {
            Some(path) => Some(
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(path)
                    .map_err(|e| io_error(path, e))?,
            ),
            None => None,
        };
        for index in 0..check.chunk_count() {
            let stored = self
                .admin
                .meta
                .chunk_for_download(self.account, node.id, version, index)
                .await
                .map_err(|_| failed(format!("chunk {index} of {} is missing", attrs.name)))?;
            let bytes = match stored.inline {
                Some(inline) => inline,
                None => match self.admin.blobs.get(version, index, &stored.hash).await {
                    Ok(bytes) => bytes.to_vec(),
                    Err(StoreError::NotFound) => {
                        return Err(failed(format!(
                            "chunk {index} of {} is missing",
                            attrs.name
                        )));
                    }
                    Err(e) => return Err(Checked::Broken(e.into())),
                },
            };
            let plain = check.chunk(&stored.hash, bytes)?;
            if let (Some(file), Some(path)) = (out.as_mut(), target) {
                file.write_all(&plain).map_err(|e| io_error(path, e))?;
            }
        }
        if let (Some(file), Some(path)) = (out, target) {
            file.sync_all().map_err(|e| io_error(path, e))?;
        }
        Ok(check.finish()?)
    }
}

/// A failed check, or something that kept the check from running.
enum Checked {
    Failed(Failure),
    Broken(AdminError),
}

impl From<Failure> for Checked {
    fn from(f: Failure) -> Checked {
        Checked::Failed(f)
    }
}

fn failed(why: impl Into<String>) -> Checked {
    Checked::Failed(Failure(why.into()))
}

fn io_error(path: &Path, e: std::io::Error) -> Checked {
    Checked::Broken(AdminError::Io(format!("writing {}", path.display()), e))
}

/// `dir/name`, for a name that is exactly one plain path component. Names were checked by
/// `validate_name` already; this keeps a name that would escape `dir` from ever being joined.
/// Files are then created with `create_new`: nothing existing is overwritten.
fn safe_join(dir: &Path, name: &str) -> Result<PathBuf, Checked> {
    let mut parts = Path::new(name).components();
    match (parts.next(), parts.next()) {
        (Some(Component::Normal(part)), None) if part == name => Ok(dir.join(name)),
        _ => Err(failed(format!("refusing to write a file named {name:?}"))),
    }
}

/// `admin abuse list` as a text table.
pub fn render_reports(all: &[AbuseReportView]) -> String {
    if all.is_empty() {
        return "no abuse reports\n".into();
    }
    let mut out = format!(
        "{:<32}  {:<32}  {:<20}  {:<6}  {:<8}  reason\n",
        "id", "link", "received", "secret", "verified"
    );
    for r in all {
        let verified = match r.verified {
            None => "-",
            Some(true) => "yes",
            Some(false) => "no",
        };
        let reason: String = r.reason.chars().take(60).collect();
        let reason = reason.replace(['\n', '\r', '\t'], " ");
        let _ = writeln!(
            out,
            "{}  {}  {:<20}  {:<6}  {:<8}  {reason}",
            r.id,
            r.link_id,
            utc_minute(r.created_at),
            if r.has_secret { "yes" } else { "no" },
            verified,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_single_plain_names_are_joined() {
        let dir = Path::new("/review");
        assert!(matches!(safe_join(dir, "a.txt"), Ok(p) if p == Path::new("/review/a.txt")));
        for bad in ["", ".", "..", "a/b", "/etc", "../x", "a/"] {
            assert!(safe_join(dir, bad).is_err(), "{bad:?}");
        }
    }
}
