//! Quotas at the edge: the calendar month a transfer counts in, charging a served chunk to the
//! right account, and the error details that say how much is left.
//!
//! The store enforces (storage inside its write transactions, transfer in one statement); this
//! module only picks the account and the month and words the refusal.

use crate::admin::report::civil_date;
use crate::error::ApiError;
use crate::sizes::human_size;
use crate::state::{AppState, now_ms};
use coffer_api::{ErrorCode, Id};

/// The month (yyyymm, UTC) of Unix milliseconds `ms`: the transfer counter's key.
pub fn month_key(ms: i64) -> u32 {
    let (year, month, _) = civil_date(ms);
    u32::try_from(year.clamp(0, 9999)).unwrap_or(0) * 100 + month
}

/// The first day of the month after the one of `ms`, as `2026-12-01`.
pub fn next_month(ms: i64) -> String {
    let (year, month, _) = civil_date(ms);
    let (year, month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    format!("{year:04}-{month:02}-01")
}

/// Counts `bytes` of chunk download against `account`'s transfer this month, or refuses with
/// `403 transfer_quota_exceeded` (nothing counted).
pub async fn charge_download(state: &AppState, account: Id, bytes: u64) -> Result<(), ApiError> {
    let month = month_key(now_ms());
    Ok(state.meta.charge_transfer(account, month, bytes).await?)
}

/// `507 quota_exceeded`: "needs 1.2 GiB, 300 MiB left of 50 GiB".
pub fn storage_exceeded(needed: u64, left: u64, quota: u64) -> ApiError {
    ApiError::new(
        ErrorCode::QuotaExceeded,
        format!(
            "storage quota exceeded: needs {}, {} left of {}",
            human_size(needed),
            human_size(left),
            human_size(quota)
        ),
    )
}

/// `403 transfer_quota_exceeded`: "200 GiB used of 200 GiB this month; resets on 2026-12-01".
pub fn transfer_exceeded(used: u64, quota: u64, now: i64) -> ApiError {
    ApiError::new(
        ErrorCode::TransferQuotaExceeded,
        format!(
            "transfer quota exceeded: {} used of {} this month; resets on {}",
            human_size(used),
            human_size(quota),
            next_month(now)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_utc_calendar_months() {
        // 2026-11-30 23:59:59.999 and the next millisecond.
        assert_eq!(month_key(1_796_083_199_999), 202611);
        assert_eq!(month_key(1_796_083_200_000), 202612);
        assert_eq!(next_month(1_796_083_199_999), "2026-12-01");
        // December rolls into January.
        assert_eq!(next_month(1_796_083_200_000), "2027-01-01");
    }

    #[test]
    fn details_say_how_much_is_left() {
        let e = storage_exceeded((12 << 30) / 10, 300 << 20, 50 << 30);
        assert_eq!(e.code(), ErrorCode::QuotaExceeded);
        let e = transfer_exceeded(200 << 30, 200 << 30, 1_796_083_199_999);
        assert_eq!(e.code(), ErrorCode::TransferQuotaExceeded);
    }
}
