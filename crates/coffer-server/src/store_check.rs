//! `coffer-server check`: the store's consistency checker ([`coffer_store::check_consistency`])
//! run on a data directory, and its report as text for people or as JSON for scripts.
//!
//! The stores are opened read-only, without creating or migrating anything, so the check may
//! run beside a server working on the same directory.

use crate::state::{BLOB_DIR, META_FILE};
use coffer_store::{BlobStore, ConsistencyReport, MetaStore, StoreError, Tally};
use serde_json::{Value, json};
use std::fmt::Write;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("no coffer store in {0}: {META_FILE} or {BLOB_DIR}/ is missing")]
    NoStore(String),
    #[error("cannot read the store: {0}")]
    Store(#[from] StoreError),
}

/// Checks the stores of the data directory `data`. Changes nothing.
pub async fn check_data_dir(data: &Path) -> Result<ConsistencyReport, CheckError> {
    let (meta_path, blob_dir) = (data.join(META_FILE), data.join(BLOB_DIR));
    if !meta_path.is_file() || !blob_dir.is_dir() {
        return Err(CheckError::NoStore(data.display().to_string()));
    }
    let meta = MetaStore::open_sqlite_read_only(&meta_path).await?;
    let blobs = BlobStore::open_local(&blob_dir)?;
    let report = coffer_store::check_consistency(&meta, &blobs).await;
    meta.close().await;
    Ok(report?)
}

/// The report for people: counts, then each error on a line of its own, then the verdict.
pub fn render_text(report: &ConsistencyReport) -> String {
    let (c, g, p) = (&report.counts, &report.garbage, &report.pending_deletion);
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "accounts {}, folders {}, files {}, open uploads {}",
        c.accounts, c.folders, c.files, c.open_uploads
    );
    let _ = writeln!(
        out,
        "live versions {}, chunk rows {}, blobs {}",
        c.live_versions,
        c.chunk_rows,
        tally(c.blobs)
    );
    let _ = writeln!(
        out,
        "pending deletion: versions {}, chunk rows {}, blobs {}",
        p.versions,
        p.chunk_rows,
        tally(p.blobs)
    );
    let _ = writeln!(
        out,
        "garbage: unreferenced blobs {}, stray blobs {}, unreferenced chunk rows {}, \
         unrecognised objects {}",
        tally(g.unreferenced_blobs),
        tally(g.stray_blobs),
        g.unreferenced_chunk_rows,
        tally(g.unrecognised_objects)
    );
    for error in &report.errors {
        let _ = writeln!(out, "error: {error} [{}]", error.code());
    }
    let unlisted = report.error_count - report.errors.len() as u64;
    if unlisted > 0 {
        let _ = writeln!(out, "error: ... and {unlisted} more");
    }
    match report.error_count {
        0 => out.push_str("consistent\n"),
        1 => out.push_str("INCONSISTENT: 1 error\n"),
        n => {
            let _ = writeln!(out, "INCONSISTENT: {n} errors");
        }
    }
    out
}

fn tally(t: Tally) -> String {
    format!("{} ({} bytes)", t.count, t.bytes)
}

/// The report for scripts. `errors` lists at most `coffer_store::MAX_LISTED_ERRORS`;
/// `error_count` counts them all.
pub fn render_json(report: &ConsistencyReport) -> Value {
    let (c, g, p) = (&report.counts, &report.garbage, &report.pending_deletion);
    let tally = |t: Tally| json!({ "count": t.count, "bytes": t.bytes });
    let errors: Vec<Value> = report
        .errors
        .iter()
        .map(|e| json!({ "code": e.code(), "message": e.to_string() }))
        .collect();
    json!({
        "consistent": report.is_consistent(),
        "counts": {
            "accounts": c.accounts,
            "folders": c.folders,
            "files": c.files,
            "open_uploads": c.open_uploads,
            "live_versions": c.live_versions,
            "chunk_rows": c.chunk_rows,
            "blobs": tally(c.blobs),
        },
        "error_count": report.error_count,
        "errors": errors,
        "garbage": {
            "unreferenced_blobs": tally(g.unreferenced_blobs),
            "stray_blobs": tally(g.stray_blobs),
            "unreferenced_chunk_rows": g.unreferenced_chunk_rows,
            "unrecognised_objects": tally(g.unrecognised_objects),
        },
        "pending_deletion": {
            "versions": p.versions,
            "chunk_rows": p.chunk_rows,
            "blobs": tally(p.blobs),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_store::{Id, Inconsistency, VersionOwner};

    fn broken() -> ConsistencyReport {
        let mut report = ConsistencyReport::default();
        report.counts.blobs = Tally {
            count: 2,
            bytes: 70,
        };
        report.errors.push(Inconsistency::BlobMissing {
            owner: VersionOwner::File(Id([1; 16])),
            version: Id([2; 16]),
            index: 4,
        });
        report.error_count = 3;
        report.garbage.stray_blobs = Tally { count: 1, bytes: 7 };
        report
    }

    #[test]
    fn text_has_one_line_per_error_and_a_verdict() {
        let text = render_text(&broken());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[1],
            "live versions 0, chunk rows 0, blobs 2 (70 bytes)"
        );
        assert!(lines[3].contains("stray blobs 1 (7 bytes)"), "{text}");
        assert!(lines[4].starts_with("error: file 0101"), "{text}");
        assert!(
            lines[4].ends_with("chunk 4 is missing [blob_missing]"),
            "{text}"
        );
        assert_eq!(lines[5], "error: ... and 2 more");
        assert_eq!(lines[6], "INCONSISTENT: 3 errors");
        let clean = render_text(&ConsistencyReport::default());
        assert_eq!(clean.lines().last(), Some("consistent"));
        assert!(!clean.contains("error"));
    }

    #[test]
    fn json_names_every_count_and_error() {
        let value = render_json(&broken());
        assert_eq!(value["consistent"], false);
        assert_eq!(value["error_count"], 3);
        assert_eq!(value["errors"][0]["code"], "blob_missing");
        assert_eq!(value["counts"]["blobs"]["bytes"], 70);
        assert_eq!(value["garbage"]["stray_blobs"]["count"], 1);
        assert_eq!(value["pending_deletion"]["versions"], 0);
        assert_eq!(
            render_json(&ConsistencyReport::default())["consistent"],
            true
        );
    }
}
