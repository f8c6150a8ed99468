//! `coffer-server admin quota EMAIL [--storage SIZE|none|default] [--transfer SIZE|none|default]
//! [--bandwidth RATE|none|default]`: shows and sets an account's quotas and bandwidth limit.
//!
//! `none` means no limit for this account whatever the server's default; `default` makes the
//! account follow the configured default again. The store applies a change at once: storage is
//! checked inside every write transaction, transfer on every chunk served, and the bandwidth
//! limit is re-read by a running server within a second.

use super::{Admin, AdminError};
use crate::incoming::normalize_email;
use crate::quota::month_key;
use crate::sizes::{human_size, parse_rate, parse_size};
use crate::state::now_ms;
use coffer_api::Id;
use coffer_store::{Limit, LimitChange, LimitSettings};
use serde::Serialize;

/// The slowest bandwidth limit accepted: below it a 16 MiB chunk could not pass within the
/// chunk deadline anyway.
pub const MIN_BANDWIDTH: u64 = 64 * 1024;

/// Parses `50GiB`, `none` or `default` (a rate such as `20MiB/s` when `rate`).
pub fn parse_limit(what: &str, text: &str, rate: bool) -> Result<Limit, AdminError> {
    let text = text.trim();
    let bytes = match text.to_ascii_lowercase().as_str() {
        "none" | "unlimited" => return Ok(Limit::Unlimited),
        "default" => return Ok(Limit::Default),
        _ if rate => parse_rate(text),
        _ => parse_size(text),
    };
    let example = if rate { "20MiB/s" } else { "50GiB" };
    let bytes = bytes.ok_or_else(|| {
        AdminError::Invalid(format!(
            "{what} must be a size like {example}, none or default"
        ))
    })?;
    if rate && bytes < MIN_BANDWIDTH {
        return Err(AdminError::Invalid(format!(
            "{what} must be at least {}/s",
            human_size(MIN_BANDWIDTH)
        )));
    }
    Ok(Limit::Bytes(bytes))
}

/// One limit as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LimitView {
    /// `own`: set for this account; `none`: unlimited for this account; `default`: the
    /// server's default applies.
    pub setting: &'static str,
    /// The limit in force (bytes, or bytes per second); `null`: unlimited.
    pub limit: Option<u64>,
}

/// An account's quotas, limits and usage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotaView {
    pub account_id: Id,
    pub email: String,
    pub storage: LimitView,
    /// Bytes the storage quota counts: files plus open uploads' reservations.
    pub storage_used: u64,
    pub transfer: LimitView,
    /// `2026-11`
    pub month: String,
    pub transfer_used_this_month: u64,
    pub bandwidth: LimitView,
}

fn view(own: Limit, effective: Option<u64>) -> LimitView {
    let setting = match own {
        Limit::Default => "default",
        Limit::Unlimited => "none",
        Limit::Bytes(_) => "own",
    };
    LimitView {
        setting,
        limit: effective,
    }
}

impl Admin {
    /// Applies `change` to the account registered under `email` (nothing when it changes
    /// nothing) and returns its quotas and usage afterwards.
    pub async fn quota(&self, email: &str, change: &LimitChange) -> Result<QuotaView, AdminError> {
        let email = normalize_email(email)
            .map_err(|_| AdminError::Invalid(format!("{email:?} is not an email address")))?;
        let account = (self.meta.account_by_email(&email).await?)
            .ok_or_else(|| AdminError::Invalid(format!("no account with the email {email}")))?;
        let settings: LimitSettings = match *change == LimitChange::default() {
            true => self.meta.limit_settings(account.id).await?,
            false => self.meta.set_limits(account.id, change).await?,
        };
        let limits = settings.effective(&self.meta.default_limits());
        let now = now_ms();
        let month = month_key(now);
        Ok(QuotaView {
            account_id: account.id,
            email,
            storage: view(settings.storage, limits.storage),
            storage_used: self.meta.storage_charged(account.id, now).await?,
            transfer: view(settings.transfer, limits.transfer),
            month: format!("{:04}-{:02}", month / 100, month % 100),
            transfer_used_this_month: self.meta.transfer_used(account.id, month).await?,
            bandwidth: view(settings.bandwidth, limits.bandwidth),
        })
    }
}

impl std::fmt::Display for QuotaView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let of = |v: &LimitView, unit: &str| match v.limit {
            Some(bytes) => format!("{}{unit} ({})", human_size(bytes), v.setting),
            None => format!("unlimited ({})", v.setting),
        };
        writeln!(f, "account    {} ({})", self.email, self.account_id)?;
        writeln!(
            f,
            "storage    {} used of {}",
            human_size(self.storage_used),
            of(&self.storage, "")
        )?;
        writeln!(
            f,
            "transfer   {} used in {} of {}",
            human_size(self.transfer_used_this_month),
            self.month,
            of(&self.transfer, "")
        )?;
        writeln!(f, "bandwidth  {}", of(&self.bandwidth, "/s"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_as_sizes_none_or_default() {
        assert_eq!(
            parse_limit("--storage", "50GiB", false).unwrap(),
            Limit::Bytes(50 << 30)
        );
        assert_eq!(
            parse_limit("--storage", "none", false).unwrap(),
            Limit::Unlimited
        );
        assert_eq!(
            parse_limit("--transfer", "Default", false).unwrap(),
            Limit::Default
        );
        assert_eq!(
            parse_limit("--bandwidth", "20MiB/s", true).unwrap(),
            Limit::Bytes(20 << 20)
        );
        assert!(parse_limit("--bandwidth", "1KiB/s", true).is_err());
        assert!(parse_limit("--storage", "lots", false).is_err());
    }
}
