//! TOTP (RFC 6238): the second factor a login may require. Pure: time and secret are inputs.
//!
//! HOTP (RFC 4226 §5.3): `HMAC-SHA-1(secret, u64(counter))`, dynamic truncation, modulo 10^6;
//! TOTP takes `counter = floor(unix_seconds / 30)` (the time step). A code is accepted for the
//! current step and one step either side (clock drift, RFC 6238 §5.2); the caller stores the
//! step accepted and refuses that step and earlier ones afterwards, so a code works once. This
//! is a server-side login check, not end-to-end cryptography, which is why it lives here and
//! not in coffer-crypto: the server must hold the secret to check codes.

use sha1::Sha1;
use subtle::ConstantTimeEq;
use totp_hmac::{Hmac, KeyInit, Mac};

/// Seconds per time step.
pub const STEP_SECONDS: u64 = 30;
/// Digits in a code.
pub const DIGITS: usize = 6;
/// Bytes of a secret (160 bits, RFC 4226 §4's recommendation).
pub const SECRET_LEN: usize = 20;
/// Steps accepted either side of the current one.
const DRIFT_STEPS: i64 = 1;

/// The time step of a moment given in Unix milliseconds.
pub fn step_at(unix_ms: i64) -> i64 {
    unix_ms.max(0) / 1000 / STEP_SECONDS as i64
}

/// The 6-digit code of `secret` for time step `step` (RFC 4226 §5.3 with RFC 6238's counter).
pub fn code(secret: &[u8], step: i64) -> String {
    // HMAC takes keys of any length: this cannot fail.
    let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(secret) else {
        unreachable!("HMAC accepts keys of every length")
    };
    mac.update(&(step.max(0) as u64).to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!(
        "{:0width$}",
        binary % 10u32.pow(DIGITS as u32),
        width = DIGITS
    )
}

/// The step, within one of `now_step`, whose code `given` is; `None` for a wrong or malformed
/// code. All candidates are computed and compared in constant time.
pub fn matching_step(secret: &[u8], given: &str, now_step: i64) -> Option<i64> {
    let given = given.trim();
    if given.len() != DIGITS || !given.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut found = None;
    for step in now_step - DRIFT_STEPS..=now_step + DRIFT_STEPS {
        let expected = code(secret, step);
        if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 (RFC 4648 §6) without padding: how authenticator apps take a secret.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes [`base32_encode`]'s output (case-insensitive, padding and spaces ignored).
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| *c != b'=' && *c != b' ') {
        let value = BASE32.iter().position(|b| *b == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | value as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// The `otpauth://` URI authenticator apps read (usually from a QR code).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        percent_encode(issuer),
        percent_encode(account),
        base32_encode(secret),
        percent_encode(issuer),
    )
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows (the 8-digit values, of which a 6-digit code is the last
    /// six digits: both are the same number modulo a power of ten).
    #[test]
    fn rfc_6238_appendix_b_sha1_vectors() {
        let seed = b"12345678901234567890";
        for (time, eight_digits) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            let step = step_at(time * 1000);
            assert_eq!(code(seed, step), eight_digits[2..], "T = {time}");
        }
    }

    #[test]
    fn codes_match_within_one_step_only() {
        let secret = [9u8; SECRET_LEN];
        let now = 1_000_000;
        for step in now - 1..=now + 1 {
            assert_eq!(
                matching_step(&secret, &code(&secret, step), now),
                Some(step)
            );
        }
        assert_eq!(matching_step(&secret, &code(&secret, now + 2), now), None);
        assert_eq!(matching_step(&secret, &code(&secret, now - 2), now), None);
        assert_eq!(matching_step(&secret, "12345", now), None);
        assert_eq!(matching_step(&secret, "12345a", now), None);
        let spaced = format!(" {} ", code(&secret, now));
        assert_eq!(matching_step(&secret, &spaced, now), Some(now));
    }

    #[test]
    fn base32_round_trips_rfc_4648_vectors() {
        for (bytes, text) in [
            (&b""[..], ""),
            (b"f", "MY"),
            (b"fo", "MZXQ"),
            (b"foo", "MZXW6"),
            (b"foob", "MZXW6YQ"),
            (b"fooba", "MZXW6YTB"),
            (b"foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32_encode(bytes), text);
            assert_eq!(base32_decode(text).unwrap(), bytes);
        }
        assert_eq!(base32_decode("mzxw6===").unwrap(), b"foo");
        assert!(base32_decode("MZ1").is_none());
        assert_eq!(base32_encode(&[0; SECRET_LEN]).len(), 32);
    }

    #[test]
    fn otpauth_uri_names_the_parameters_and_escapes_the_label() {
        let uri = otpauth_uri("coffer", "a b@example.org", b"foobar");
        assert_eq!(
            uri,
            "otpauth://totp/coffer:a%20b@example.org?secret=MZXW6YTBOI&issuer=coffer\
             &algorithm=SHA1&digits=6&period=30"
        );
    }
}
