//! Why a public link cannot be read. Each server code of PROTOCOL.md §10.4 is its own variant,
//! so the CLI can say which in one line; none of them carries the link's secret or password.

use crate::error::ClientError;
use coffer_api::ErrorCode;

/// Why a link cannot be read (or created from a URL).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// The text is not a link URL; the reason never quotes the URL (it holds the secret).
    #[error("invalid link: {0}")]
    InvalidUrl(&'static str),
    /// The server knows no such link (or the address is mistyped).
    #[error("no such link on this server (check the address)")]
    Unknown,
    #[error("this link was revoked by its owner")]
    Revoked,
    #[error("this link was taken down by the operator")]
    TakenDown,
    /// Expired, at this Unix millisecond time when the client knew it.
    #[error("this link expired{}", on_date(*.0))]
    Expired(Option<i64>),
    #[error("this link reached its download limit")]
    Exhausted,
    #[error("the file or folder of this link no longer exists")]
    Gone,
    /// Something inside a folder link was taken down by the operator.
    #[error("this content was taken down by the operator")]
    ContentTakenDown,
    /// The link has a password and none was given.
    #[error("this link needs a password")]
    PasswordRequired,
    /// The server refused the access token: the key in the URL or the password is wrong
    /// (indistinguishable on purpose).
    #[error("wrong link key or password")]
    WrongKeyOrPassword,
    /// Too many wrong attempts on this link or from this address.
    #[error("too many wrong attempts, retry in {0} s")]
    TooManyAttempts(u64),
}

impl LinkError {
    /// The link error an API error stands for (else the error unchanged). `expires_at` is the
    /// link's expiry when the client knows it, for the message.
    pub(crate) fn from_api(error: ClientError, expires_at: Option<i64>) -> ClientError {
        let ClientError::Api {
            code, retry_after, ..
        } = &error
        else {
            return error;
        };
        let link = match code {
            ErrorCode::NotFound => LinkError::Unknown,
            ErrorCode::LinkRevoked => LinkError::Revoked,
            ErrorCode::LinkTakenDown => LinkError::TakenDown,
            ErrorCode::LinkExpired => LinkError::Expired(expires_at),
            ErrorCode::LinkExhausted => LinkError::Exhausted,
            ErrorCode::LinkGone => LinkError::Gone,
            ErrorCode::ContentTakenDown => LinkError::ContentTakenDown,
            ErrorCode::LinkKeyWrong => LinkError::WrongKeyOrPassword,
            ErrorCode::RateLimited => LinkError::TooManyAttempts(retry_after.unwrap_or(60)),
            _ => return error,
        };
        ClientError::Link(link)
    }
}

/// ` on 2026-11-23 10:15 UTC`, or nothing when the time is unknown.
fn on_date(ms: Option<i64>) -> String {
    ms.map_or_else(String::new, |ms| format!(" on {}", utc_minutes(ms)))
}

/// `YYYY-MM-DD HH:MM UTC` of a Unix millisecond time (proleptic Gregorian calendar; H. Hinnant's
/// days-to-civil algorithm), so the SDK needs no calendar crate for one message.
fn utc_minutes(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_minutes() {
        assert_eq!(utc_minutes(0), "1970-01-01 00:00 UTC");
        // 2026-11-23 10:15:59.999 UTC
        assert_eq!(utc_minutes(1_795_428_959_999), "2026-11-23 10:15 UTC");
        assert_eq!(utc_minutes(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(utc_minutes(-1), "1969-12-31 23:59 UTC");
    }

    #[test]
    fn api_codes_become_link_errors_with_their_messages() {
        let api = |code: ErrorCode| {
            ClientError::from_problem(code.status(), code, None)
                .with_retry_after(Some(std::time::Duration::from_secs(42)))
        };
        let message = |code, at| LinkError::from_api(api(code), at).to_string();
        assert_eq!(
            message(ErrorCode::LinkRevoked, None),
            "this link was revoked by its owner"
        );
        assert_eq!(
            message(ErrorCode::LinkTakenDown, None),
            "this link was taken down by the operator"
        );
        assert_eq!(
            message(ErrorCode::LinkExpired, Some(0)),
            "this link expired on 1970-01-01 00:00 UTC"
        );
        assert_eq!(message(ErrorCode::LinkExpired, None), "this link expired");
        assert_eq!(
            message(ErrorCode::LinkExhausted, None),
            "this link reached its download limit"
        );
        assert_eq!(
            message(ErrorCode::LinkKeyWrong, None),
            "wrong link key or password"
        );
        assert_eq!(
            message(ErrorCode::RateLimited, None),
            "too many wrong attempts, retry in 42 s"
        );
        let other = LinkError::from_api(api(ErrorCode::Internal), None);
        assert!(matches!(other, ClientError::Api { .. }));
    }
}
