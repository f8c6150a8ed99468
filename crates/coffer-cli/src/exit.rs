//! Exit codes and the one-line error message.
//!
//! 0 success, 1 any other error, 2 usage (clap), 3 not logged in or wrong password,
//! 4 integrity failure (the server served something that does not verify, or a contact's key is
//! not the pinned or confirmed one), 5 not found.

use coffer_api::ErrorCode;
use coffer_client::{ClientError, LinkError};

pub const FAILURE: u8 = 1;
pub const AUTH: u8 = 3;
pub const INTEGRITY: u8 = 4;
pub const NOT_FOUND: u8 = 5;
/// What a shell reports for a process stopped by Ctrl-C.
pub const INTERRUPTED: u8 = 130;

/// The exit code for `error`, from the first SDK error in its chain.
pub fn code(error: &anyhow::Error) -> u8 {
    let Some(client) = error.chain().find_map(|e| e.downcast_ref::<ClientError>()) else {
        return FAILURE;
    };
    match client {
        ClientError::NotLoggedIn
        | ClientError::Auth
        | ClientError::SecondFactorRequired
        | ClientError::SecondFactorWrong => AUTH,
        ClientError::Integrity { .. }
        | ClientError::Rollback { .. }
        | ClientError::KeyChanged { .. }
        | ClientError::FingerprintMismatch { .. } => INTEGRITY,
        ClientError::NotFound(_) | ClientError::UnknownAccount(_) => NOT_FOUND,
        ClientError::Api {
            code: ErrorCode::NotFound,
            ..
        } => NOT_FOUND,
        ClientError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            NOT_FOUND
        }
        ClientError::Cancelled => INTERRUPTED,
        ClientError::Link(LinkError::WrongKeyOrPassword | LinkError::PasswordRequired) => AUTH,
        ClientError::Link(LinkError::Unknown) => NOT_FOUND,
        _ => FAILURE,
    }
}

/// Writing to a closed pipe (`coffer ls | head`): exit quietly.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The whole chain on one line.
pub fn message(error: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string().replace(['\n', '\r'], " ");
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::anyhow;

    #[test]
    fn codes_follow_the_sdk_error() {
        assert_eq!(code(&anyhow!(ClientError::NotLoggedIn)), AUTH);
        assert_eq!(code(&anyhow!(ClientError::Auth)), AUTH);
        assert_eq!(
            code(&anyhow!(ClientError::NotFound("/x".into()))),
            NOT_FOUND
        );
        let wrapped = anyhow!(ClientError::NotLoggedIn).context("logged in elsewhere");
        assert_eq!(code(&wrapped), AUTH);
        assert_eq!(code(&anyhow!("plain")), FAILURE);
    }

    #[test]
    fn messages_are_one_line_without_repeats() {
        let e = anyhow!("line one\nline two").context("while doing it");
        assert_eq!(message(&e), "while doing it: line one line two");
    }
}
