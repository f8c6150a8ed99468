//! The one error type of the crypto core.
//!
//! Error policy:
//! - Errors are **coarse on purpose**. Every failure to open a seal, a content header or a chunk
//!   (short input, bad version byte, commitment mismatch, bad tag) is the single
//!   [`CryptoError::DecryptionFailed`], so a hostile server learns nothing about which check
//!   failed (no padding-oracle style attacks, see the 2022 attacks cited in DESIGN.md).
//! - [`CryptoError::InvalidFormat`] is for public, unauthenticated structure that a peer can see
//!   anyway (lengths, magic, version and suite bytes, chunk-size bounds), or for authenticated
//!   plaintext that does not have the shape the protocol requires.
//! - [`CryptoError::Integrity`] names a structural mismatch between values that must agree (ids
//!   in a content header against the signed record, chunk lengths, derived public keys); the
//!   message is a fixed string and never contains secret material.
//! - Every error is **permanent**: retrying the same operation with the same inputs fails the same
//!   way. A client that sees one refuses the data and reports it; it must not fall back to
//!   showing unverified content.
//! - No error ever carries a key, a plaintext or a file name.

/// Everything that can go wrong in `coffer-crypto`.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CryptoError {
    /// A seal, a content header MAC, a chunk tag or a key commitment did not verify.
    #[error("decryption failed")]
    DecryptionFailed,
    /// An Ed25519 signature (or the public key it is checked against) is not valid.
    #[error("invalid signature")]
    InvalidSignature,
    /// Wrong length, magic, version, cipher suite or out-of-bounds parameter.
    #[error("invalid format")]
    InvalidFormat,
    /// A file or folder name breaks the rules of PROTOCOL.md §6.
    #[error("invalid name")]
    InvalidName,
    /// OPAQUE: wrong password, or a server other than the one registered with.
    #[error("authentication failed")]
    AuthenticationFailed,
    /// Values that must agree do not (ids in a header, chunk lengths, derived public keys).
    #[error("integrity check failed: {0}")]
    Integrity(&'static str),
}

impl CryptoError {
    /// A stable snake_case name of the error kind, as used in the test vectors
    /// (`"error"` field of failure vectors) and suitable for logs and error codes.
    pub fn kind(&self) -> &'static str {
        match self {
            CryptoError::DecryptionFailed => "decryption_failed",
            CryptoError::InvalidSignature => "invalid_signature",
            CryptoError::InvalidFormat => "invalid_format",
            CryptoError::InvalidName => "invalid_name",
            CryptoError::AuthenticationFailed => "authentication_failed",
            CryptoError::Integrity(_) => "integrity",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_distinct_and_messages_carry_no_detail() {
        let all = [
            CryptoError::DecryptionFailed,
            CryptoError::InvalidSignature,
            CryptoError::InvalidFormat,
            CryptoError::InvalidName,
            CryptoError::AuthenticationFailed,
            CryptoError::Integrity("chunk length"),
        ];
        let mut kinds: Vec<_> = all.iter().map(CryptoError::kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), all.len());
        assert_eq!(
            CryptoError::DecryptionFailed.to_string(),
            "decryption failed"
        );
        assert_eq!(
            CryptoError::Integrity("chunk length").to_string(),
            "integrity check failed: chunk length"
        );
    }
}
