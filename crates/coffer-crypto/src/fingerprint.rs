//! Identity fingerprints: 30 decimal digits two people compare out of band, like Signal's
//! safety numbers, to check that the server answered a key lookup honestly (PROTOCOL.md §12.1).
//!
//! ```text
//! fp     = BLAKE3("coffer/v1/fingerprint" ‖ 0x00 ‖ lp(email) ‖ signing_public ‖ agreement_public)
//! digits = for each 5-byte group g of fp[0..30]: u40(g) mod 100000, as 5 decimal digits
//! ```
//!
//! 30 digits carry about 100 bits; a 5-byte group reduced mod 10^5 is uniform to within 10^-7,
//! so the reduction costs nothing measurable. The email (already normalised by the caller) is
//! in the hash so that one account's keys shown under another address do not match.

use std::fmt;

/// Label of the fingerprint hash (PROTOCOL.md §12.1).
const FINGERPRINT_LABEL: &[u8] = b"coffer/v1/fingerprint";

/// Number of 5-digit groups.
const GROUPS: usize = 6;

/// The first 30 bytes of an identity's fingerprint hash. A public value: `Debug`, `Copy` and
/// ordinary comparison are fine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint([u8; 30]);

impl Fingerprint {
    /// The 30 hash bytes the digits come from.
    pub fn as_bytes(&self) -> &[u8; 30] {
        &self.0
    }

    /// The six 5-digit numbers.
    fn groups(&self) -> [u32; GROUPS] {
        let mut groups = [0u32; GROUPS];
        for (group, bytes) in groups.iter_mut().zip(self.0.chunks_exact(5)) {
            let value = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
            // Below 100000, so it fits a u32.
            *group = (value % 100_000) as u32;
        }
        groups
    }

    /// The digits as shown: six groups of five, separated by one space
    /// (`"04213 99871 00012 55555 12345 67890"`); the same as `Display`.
    pub fn digits(&self) -> String {
        self.to_string()
    }

    /// Whether `typed` is this fingerprint's 30 digits, ignoring any white space (so grouped,
    /// ungrouped and line-broken input all match). Never panics.
    pub fn matches_digits(&self, typed: &str) -> bool {
        let expected = self.digits().replace(' ', "");
        let mut typed = typed.chars().filter(|c| !c.is_whitespace());
        expected.chars().all(|e| typed.next() == Some(e)) && typed.next().is_none()
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, group) in self.groups().iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{group:05}")?;
        }
        Ok(())
    }
}

/// The fingerprint of an identity under an email address (already normalised by the caller).
///
/// An email longer than `u32::MAX` bytes has no `lp` encoding (§1); its length is then taken as
/// `u32::MAX`, which no real address reaches.
pub fn fingerprint(
    email: &str,
    signing_public: &[u8; 32],
    agreement_public: &[u8; 32],
) -> Fingerprint {
    let len = u32::try_from(email.len()).unwrap_or(u32::MAX);
    let mut hasher = blake3::Hasher::new();
    hasher.update(FINGERPRINT_LABEL);
    hasher.update(&[0x00]);
    hasher.update(&len.to_be_bytes());
    hasher.update(email.as_bytes());
    hasher.update(signing_public);
    hasher.update(agreement_public);
    let hash = hasher.finalize();
    let mut bytes = [0u8; 30];
    bytes.copy_from_slice(&hash.as_bytes()[..30]);
    Fingerprint(bytes)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn digits_are_big_endian_groups_mod_100000() {
        let mut bytes = [0u8; 30];
        // 0x00000186a0 = 100000 → 00000; 0x0000000001 → 00001; 0xffffffffff = 1099511627775.
        bytes[..5].copy_from_slice(&[0x00, 0x00, 0x01, 0x86, 0xa0]);
        bytes[9] = 1;
        bytes[10..15].copy_from_slice(&[0xff; 5]);
        bytes[15..20].copy_from_slice(&[0x00, 0x00, 0x01, 0x86, 0x9f]);
        let fp = Fingerprint(bytes);
        assert_eq!(fp.digits(), "00000 00001 27775 99999 00000 00000");
        assert_eq!(fp.to_string(), fp.digits());
    }

    #[test]
    fn hash_layout() {
        let (s, a) = ([1u8; 32], [2u8; 32]);
        let mut m = b"coffer/v1/fingerprint\0".to_vec();
        m.extend_from_slice(&5u32.to_be_bytes());
        m.extend_from_slice(b"a@b.c");
        m.extend_from_slice(&s);
        m.extend_from_slice(&a);
        let fp = fingerprint("a@b.c", &s, &a);
        assert_eq!(fp.as_bytes()[..], blake3::hash(&m).as_bytes()[..30]);
    }

    #[test]
    fn every_input_changes_the_digits() {
        let base = fingerprint("alice@example.com", &[1; 32], &[2; 32]);
        assert_ne!(base, fingerprint("alice@example.org", &[1; 32], &[2; 32]));
        assert_ne!(base, fingerprint("alice@example.com", &[3; 32], &[2; 32]));
        assert_ne!(base, fingerprint("alice@example.com", &[1; 32], &[3; 32]));
        // The length prefix: moving a byte from the email into the key is another input.
        assert_ne!(
            fingerprint("a", &[0x62; 32], &[0; 32]),
            fingerprint("ab", &[0x62; 32], &[0; 32])
        );
    }

    #[test]
    fn matching_typed_digits() {
        let fp = fingerprint("alice@example.com", &[1; 32], &[2; 32]);
        let digits = fp.digits();
        assert_eq!(digits.len(), 35);
        assert!(fp.matches_digits(&digits));
        assert!(fp.matches_digits(&digits.replace(' ', "")));
        assert!(fp.matches_digits(&format!("  {}\n", digits.replace(' ', "\t\n"))));
        assert!(!fp.matches_digits(&digits[..34]));
        assert!(!fp.matches_digits(&format!("{digits}0")));
        assert!(!fp.matches_digits(""));
        assert!(!fp.matches_digits(&digits.replace(' ', "-")));
        let mut wrong = digits.into_bytes();
        wrong[0] = if wrong[0] == b'9' { b'8' } else { wrong[0] + 1 };
        assert!(!fp.matches_digits(&String::from_utf8(wrong).unwrap()));
    }

    proptest! {
        #[test]
        fn digits_shape_and_no_panic(
            email in ".{0,40}",
            s in any::<[u8; 32]>(),
            a in any::<[u8; 32]>(),
            typed in "\\PC{0,50}",
        ) {
            let fp = fingerprint(&email, &s, &a);
            let digits = fp.digits();
            prop_assert_eq!(digits.len(), 35);
            prop_assert!(digits.split(' ').all(|g| g.len() == 5 && g.bytes().all(|b| b.is_ascii_digit())));
            prop_assert!(fp.matches_digits(&digits));
            let _ = fp.matches_digits(&typed);
        }
    }
}
