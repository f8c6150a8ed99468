//! The password of a public link: Argon2id v1.3 (RFC 9106) with parameters that travel with the
//! link (PROTOCOL.md §10.2).
//!
//! The parameters come from the server, which may be hostile, so a reader checks them against
//! fixed bounds before spending any memory or time: a server can then only break a link by
//! changing them (they change `pw_key`), never make a reader allocate gigabytes.

use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::keys::SymmetricKey;

/// Length of the per-link Argon2id salt.
pub const LINK_SALT_LEN: usize = 16;

/// Bounds a reader accepts (PROTOCOL.md §10.2); anything else is `invalid_format`.
const ITERATIONS: std::ops::RangeInclusive<u32> = 1..=10;
const MEMORY_KIB: std::ops::RangeInclusive<u32> = 8192..=1_048_576;
const PARALLELISM: std::ops::RangeInclusive<u32> = 1..=16;

/// Argon2id parameters of a password link (PROTOCOL.md §10.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkPasswordParams {
    /// Random per link, chosen by the creating client.
    pub salt: [u8; LINK_SALT_LEN],
    /// Argon2 `t`: passes over memory.
    pub iterations: u32,
    /// Argon2 `m`: memory in KiB.
    pub memory_kib: u32,
    /// Argon2 `p`: lanes.
    pub parallelism: u32,
}

impl LinkPasswordParams {
    /// The reference parameters (t = 3, m = 65536, p = 4, those of OPAQUE in §3) with this salt.
    pub fn recommended(salt: [u8; LINK_SALT_LEN]) -> LinkPasswordParams {
        LinkPasswordParams {
            salt,
            iterations: 3,
            memory_kib: 65536,
            parallelism: 4,
        }
    }

    /// Bounds of §10.2 (t 1..=10, m 8192..=1048576, p 1..=16), else
    /// [`CryptoError::InvalidFormat`].
    pub fn check(&self) -> Result<(), CryptoError> {
        if ITERATIONS.contains(&self.iterations)
            && MEMORY_KIB.contains(&self.memory_kib)
            && PARALLELISM.contains(&self.parallelism)
        {
            Ok(())
        } else {
            Err(CryptoError::InvalidFormat)
        }
    }
}

/// `pw_key = Argon2id(password, salt, t, m, p, 32)`, version 1.3 (RFC 9106). Checks the bounds
/// first ([`LinkPasswordParams::check`]). The password is used as given, without normalisation.
pub fn link_password_key(
    password: &[u8],
    params: &LinkPasswordParams,
) -> Result<SymmetricKey, CryptoError> {
    params.check()?;
    let argon_params = argon2::Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(32),
    )
    .map_err(|_| CryptoError::InvalidFormat)?;
    let argon = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon_params,
    );
    let mut out = Zeroizing::new([0u8; 32]);
    // Fails only for a password over 2^32 − 1 bytes, which is not a password.
    argon
        .hash_password_into(password, &params.salt, &mut *out)
        .map_err(|_| CryptoError::InvalidFormat)?;
    Ok(SymmetricKey::from_bytes(*out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small parameters: a debug build runs Argon2id at opt-level 3, but 64 MiB still costs.
    fn small(salt: u8) -> LinkPasswordParams {
        LinkPasswordParams {
            salt: [salt; 16],
            iterations: 1,
            memory_kib: 8192,
            parallelism: 1,
        }
    }

    #[test]
    fn every_bound_is_inclusive_and_one_past_it_is_refused() {
        let ok = |change: fn(&mut LinkPasswordParams)| {
            let mut p = small(0);
            change(&mut p);
            p.check()
        };
        let bad = Err(CryptoError::InvalidFormat);
        assert_eq!(ok(|p| p.iterations = 1), Ok(()));
        assert_eq!(ok(|p| p.iterations = 0), bad);
        assert_eq!(ok(|p| p.iterations = 10), Ok(()));
        assert_eq!(ok(|p| p.iterations = 11), bad);
        assert_eq!(ok(|p| p.memory_kib = 8192), Ok(()));
        assert_eq!(ok(|p| p.memory_kib = 8191), bad);
        assert_eq!(ok(|p| p.memory_kib = 1_048_576), Ok(()));
        assert_eq!(ok(|p| p.memory_kib = 1_048_577), bad);
        assert_eq!(ok(|p| p.parallelism = 1), Ok(()));
        assert_eq!(ok(|p| p.parallelism = 0), bad);
        assert_eq!(ok(|p| p.parallelism = 16), Ok(()));
        assert_eq!(ok(|p| p.parallelism = 17), bad);
        assert_eq!(ok(|p| p.iterations = u32::MAX), bad);
        assert_eq!(LinkPasswordParams::recommended([0; 16]).check(), Ok(()));
    }

    #[test]
    fn out_of_bounds_params_are_refused_before_any_work() {
        let mut huge = small(0);
        huge.memory_kib = u32::MAX;
        assert!(matches!(
            link_password_key(b"pw", &huge),
            Err(CryptoError::InvalidFormat)
        ));
        let mut zero = small(0);
        zero.parallelism = 0;
        assert!(matches!(
            link_password_key(b"pw", &zero),
            Err(CryptoError::InvalidFormat)
        ));
    }

    #[test]
    fn key_depends_on_password_salt_and_every_parameter() {
        use subtle::ConstantTimeEq;
        let base = link_password_key(b"correct horse", &small(1)).unwrap();
        let same = link_password_key(b"correct horse", &small(1)).unwrap();
        assert!(bool::from(base.ct_eq(&same)));
        let mut variants = vec![
            link_password_key(b"correct horsE", &small(1)).unwrap(),
            link_password_key(b"correct horse", &small(2)).unwrap(),
        ];
        for change in [
            (|p: &mut LinkPasswordParams| p.iterations = 2) as fn(&mut LinkPasswordParams),
            |p| p.memory_kib = 8200,
            |p| p.parallelism = 2,
        ] {
            let mut params = small(1);
            change(&mut params);
            variants.push(link_password_key(b"correct horse", &params).unwrap());
        }
        for other in &variants {
            assert!(!bool::from(base.ct_eq(other)));
        }
    }

    /// Argon2id v1.3 itself, against an independent implementation (Python `cryptography`
    /// 48, OpenSSL's Argon2id: `Argon2id(salt=bytes([7]*16), length=32, iterations=1,
    /// lanes=1, memory_cost=8192).derive(b"password")`).
    #[test]
    fn matches_an_independent_argon2id() {
        let key = link_password_key(b"password", &small(7)).unwrap();
        assert_eq!(
            hex::encode(key.as_bytes()),
            "f7ff8309c5b730e9290f02b7fe1da817f037631ac327391b38e70a43ef5cdc17"
        );
    }

    /// The one test with the reference parameters (64 MiB, 3 passes): they must be accepted
    /// and work; about a second in a debug build.
    #[test]
    fn recommended_parameters_derive_a_key() {
        let params = LinkPasswordParams::recommended([3; 16]);
        let a = link_password_key(b"pw", &params).unwrap();
        let b = link_password_key(b"pw", &small(3)).unwrap();
        assert_ne!(a.as_bytes(), b.as_bytes());
    }
}
