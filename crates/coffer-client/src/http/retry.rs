//! When to retry a request, and how long to wait (pure).
//!
//! Only failures that may go away are retried: connection failures, broken connections and the
//! temporary API codes (`internal`, `unavailable`, `rate_limited`). A request that changes state
//! without being idempotent (creating a node, committing an upload) is retried only when it
//! surely never reached the server (the connection could not be opened); repeating it after an
//! ambiguous failure could apply it twice.

use std::time::Duration;

/// Attempts in all, the first included.
pub(crate) const MAX_ATTEMPTS: u32 = 5;
const BASE_DELAY: Duration = Duration::from_millis(100);
const MAX_DELAY: Duration = Duration::from_secs(10);

/// Whether a request may be sent again after an ambiguous failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Idempotence {
    /// Sending it twice has the effect of sending it once (GET, chunk PUT, upload DELETE).
    Idempotent,
    /// Retried only when the connection could not even be opened.
    Once,
}

/// How a failed attempt failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The connection could not be opened: the request never left.
    Connect,
    /// The connection broke or timed out after the request may have been sent.
    Transport,
    /// The server answered with a temporary error code.
    Temporary,
    /// A permanent error: never retried.
    Permanent,
}

/// The delay before attempt `attempt + 1` (attempts count from 0), or `None` to give up.
/// `server_hint` is a `retry-after` the server sent, honoured up to [`MAX_DELAY`].
pub(crate) fn next_delay(
    attempt: u32,
    failure: Failure,
    idempotence: Idempotence,
    server_hint: Option<Duration>,
) -> Option<Duration> {
    let retryable = match failure {
        Failure::Connect => true,
        Failure::Transport | Failure::Temporary => idempotence == Idempotence::Idempotent,
        Failure::Permanent => false,
    };
    if !retryable || attempt + 1 >= MAX_ATTEMPTS {
        return None;
    }
    let backoff = BASE_DELAY.saturating_mul(1 << attempt.min(16));
    Some(server_hint.unwrap_or(backoff).min(MAX_DELAY))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Failure::*;
    use Idempotence::*;

    #[test]
    fn retries_only_what_may_succeed_later() {
        assert!(next_delay(0, Connect, Once, None).is_some());
        assert!(next_delay(0, Transport, Once, None).is_none());
        assert!(next_delay(0, Temporary, Once, None).is_none());
        assert!(next_delay(0, Transport, Idempotent, None).is_some());
        assert!(next_delay(0, Temporary, Idempotent, None).is_some());
        assert!(next_delay(0, Permanent, Idempotent, None).is_none());
    }

    #[test]
    fn backs_off_exponentially_and_gives_up() {
        let delays: Vec<_> = (0..MAX_ATTEMPTS)
            .map(|a| next_delay(a, Transport, Idempotent, None))
            .collect();
        assert_eq!(delays[0], Some(Duration::from_millis(100)));
        assert_eq!(delays[1], Some(Duration::from_millis(200)));
        assert_eq!(delays[3], Some(Duration::from_millis(800)));
        assert_eq!(delays[MAX_ATTEMPTS as usize - 1], None);
    }

    #[test]
    fn honours_the_server_hint_within_bounds() {
        let hint = Some(Duration::from_secs(2));
        assert_eq!(
            next_delay(0, Temporary, Idempotent, hint),
            Some(Duration::from_secs(2))
        );
        let huge = Some(Duration::from_secs(3600));
        assert_eq!(next_delay(0, Temporary, Idempotent, huge), Some(MAX_DELAY));
    }
}
