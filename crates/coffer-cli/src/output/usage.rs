//! `df`: storage use, quota, transfer this month and bandwidth limit, as lines and as the
//! `--json` shape (pure formatting).

use super::human_size;
use coffer_client::Usage;
use serde::Serialize;

/// `df --json` (stable: every member always present; `null` limits are unlimited).
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct DfJson {
    pub bytes_used: u64,
    pub files: u64,
    pub folders: u64,
    pub pending_upload_bytes: u64,
    /// What the storage quota counts: files plus the size reserved by unfinished uploads.
    pub storage_charged: u64,
    pub storage_quota: Option<u64>,
    pub transfer_used_this_month: u64,
    pub transfer_quota: Option<u64>,
    pub bandwidth_limit: Option<u64>,
}

pub fn df_json(usage: &Usage) -> DfJson {
    DfJson {
        bytes_used: usage.bytes_used,
        files: usage.files,
        folders: usage.folders,
        pending_upload_bytes: usage.pending_upload_bytes,
        storage_charged: usage.storage_charged,
        storage_quota: usage.storage_quota,
        transfer_used_this_month: usage.transfer_used_this_month,
        transfer_quota: usage.transfer_quota,
        bandwidth_limit: usage.bandwidth_limit,
    }
}

/// The lines `df` prints.
pub fn df_lines(usage: &Usage) -> Vec<String> {
    let mut lines = vec![format!(
        "{} used by {} files in {} folders",
        human_size(usage.bytes_used),
        usage.files,
        usage.folders
    )];
    if usage.pending_upload_bytes > 0 {
        lines.push(format!(
            "{} held by unfinished uploads",
            human_size(usage.pending_upload_bytes)
        ));
    }
    lines.push(match usage.storage_quota {
        Some(quota) => format!(
            "quota: {} of {} used, {} left",
            human_size(usage.storage_charged),
            human_size(quota),
            human_size(quota.saturating_sub(usage.storage_charged))
        ),
        None => "quota: unlimited".to_string(),
    });
    let transfer = human_size(usage.transfer_used_this_month);
    lines.push(match usage.transfer_quota {
        Some(quota) => format!("transfer this month: {transfer} of {}", human_size(quota)),
        None => format!("transfer this month: {transfer} (unlimited)"),
    });
    if let Some(rate) = usage.bandwidth_limit {
        lines.push(format!("bandwidth limit: {}/s", human_size(rate)));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage() -> Usage {
        serde_json::from_str(
            r#"{"bytes_used": 1536, "files": 2, "folders": 1, "pending_upload_bytes": 0}"#,
        )
        .unwrap()
    }

    #[test]
    fn an_old_server_or_no_limits_reads_as_unlimited() {
        let lines = df_lines(&usage());
        assert_eq!(
            lines,
            [
                "1.5 KiB used by 2 files in 1 folders",
                "quota: unlimited",
                "transfer this month: 0 B (unlimited)",
            ]
        );
        let json = serde_json::to_value(df_json(&usage())).unwrap();
        assert!(json["storage_quota"].is_null() && json["transfer_quota"].is_null());
    }

    #[test]
    fn limits_show_what_is_used_and_left() {
        let mut limited = usage();
        limited.storage_charged = 3 << 30;
        limited.storage_quota = Some(50 << 30);
        limited.transfer_used_this_month = 1 << 30;
        limited.transfer_quota = Some(200 << 30);
        limited.bandwidth_limit = Some(20 << 20);
        assert_eq!(
            df_lines(&limited)[1..],
            [
                "quota: 3.0 GiB of 50.0 GiB used, 47.0 GiB left",
                "transfer this month: 1.0 GiB of 200.0 GiB",
                "bandwidth limit: 20.0 MiB/s",
            ]
        );
    }
}
