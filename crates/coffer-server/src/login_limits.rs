//! Rate limiting of logins, per email and per client address (IPv6: per /64), in the spirit of
//! `link_access.rs`: failures counted in fixed windows in the database (`login_failures`), plus
//! the checks in flight in this process (`link_attempts.rs`, under keys of their own), so that
//! a burst of parallel guesses cannot pass the limit.
//!
//! What counts as a failure: a login that reaches `finish` and fails (wrong password, unknown
//! email, wrong second-factor code). A success clears nothing: an attacker who knows one
//! password must not reset their address's budget with it. The email's key is a hash of the
//! normalised email whether or not an account has it, so a locked-out unknown email answers
//! exactly like a locked-out account: the limit reveals nothing about registration. A locked
//! key is refused at `start` and at `finish`, even with the right password, so the answer never
//! tells a guess was right while locked.

use crate::error::ApiError;
use crate::link_access::{ClientAddress, address_key};
use crate::link_attempts::AttemptSlot;
use crate::state::{AppState, now_ms};
use coffer_store::FailureWindow;

/// The rate-limit keys of one login: its email's, and its client address's when known.
#[derive(Debug, Clone)]
pub struct LoginKeys {
    keys: Vec<String>,
}

/// The key of a normalised email: a hash, so the table holds no addresses.
pub fn email_key(email: &str) -> String {
    let hash = blake3::derive_key("coffer/v1/login-rate-limit", email.as_bytes());
    format!("login:{}", hex::encode(&hash[..16]))
}

impl LoginKeys {
    /// The keys of a login for `email_key` (see [`email_key`]) from `client`.
    pub fn new(email_key: Option<String>, client: ClientAddress) -> LoginKeys {
        let address = client.0.map(|ip| format!("login-{}", address_key(ip)));
        LoginKeys {
            keys: email_key.into_iter().chain(address).collect(),
        }
    }

    /// The limit of each key, in the order of the keys.
    fn limits(&self, state: &AppState) -> Vec<u32> {
        let settings = &state.settings;
        self.keys
            .iter()
            .map(|key| match key.starts_with("login-ip:") {
                true => settings.login_failures_per_address,
                false => settings.login_failures_per_account,
            })
            .collect()
    }
}

fn window_ms(state: &AppState) -> i64 {
    i64::try_from(state.settings.login_failure_window.as_millis()).unwrap_or(i64::MAX)
}

/// Refuses with `429 rate_limited` (and when to retry) if a key used up its failures, counting
/// the checks in flight; otherwise returns a slot to hold until the login's outcome is known.
pub async fn check(state: &AppState, keys: &LoginKeys) -> Result<AttemptSlot, ApiError> {
    let now = now_ms();
    let window = window_ms(state);
    let (slot, in_flight) = state.link_attempts.begin(&keys.keys);
    let counted = futures::future::try_join_all(
        keys.keys
            .iter()
            .map(|key| state.meta.login_failures_in_window(key, now, window)),
    )
    .await?;
    let locked_until = counted
        .iter()
        .zip(in_flight)
        .zip(keys.limits(state))
        .filter(|((counted, others), limit)| {
            u64::from(counted.failures).saturating_add(*others) >= u64::from(*limit)
        })
        .map(|((counted, _), _)| until(counted, now, window))
        .max();
    match locked_until {
        None => Ok(slot),
        Some(until) => {
            let millis = u64::try_from(until.saturating_sub(now)).unwrap_or(0);
            let seconds = millis.div_ceil(1000).max(1);
            Err(ApiError::rate_limited_because(
                seconds,
                format!("too many failed logins; retry in {seconds} seconds"),
            ))
        }
    }
}

/// When a locked key frees: the end of its window (a key locked only by checks in flight has
/// none yet: a second).
fn until(counted: &FailureWindow, now: i64, window: i64) -> i64 {
    if counted.failures == 0 {
        now.saturating_add(1000)
    } else {
        counted.window_start.saturating_add(window)
    }
}

/// Counts one failed login against every key.
pub async fn record_failure(state: &AppState, keys: &LoginKeys) -> Result<(), ApiError> {
    let keys: Vec<&str> = keys.keys.iter().map(String::as_str).collect();
    state
        .meta
        .record_login_failures(&keys, now_ms(), window_ms(state))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    #[test]
    fn keys_hash_the_email_and_group_ipv6_by_slash_64() {
        let key = email_key("a@example.org");
        assert_eq!(key, email_key("a@example.org"));
        assert_ne!(key, email_key("b@example.org"));
        assert!(key.starts_with("login:") && !key.contains("example"));
        let ip: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let keys = LoginKeys::new(Some(key.clone()), ClientAddress(Some(ip)));
        assert_eq!(
            keys.keys,
            [key.clone(), "login-ip:2001:db8:1:2::/64".into()]
        );
        assert_eq!(LoginKeys::new(Some(key), ClientAddress(None)).keys.len(), 1);
        assert_eq!(LoginKeys::new(None, ClientAddress(Some(ip))).keys.len(), 1);
    }
}
