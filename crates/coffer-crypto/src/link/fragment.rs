//! The URL fragment of a public link: the 32-byte link secret as base64url without padding
//! (RFC 4648 §5), exactly 43 characters (PROTOCOL.md §10.1).
//!
//! Hand-written rather than taken from a base64 crate for two reasons: the alphabet mapping is
//! arithmetic without table lookups or data-dependent branches (the input is a secret, so no
//! cache-timing leak of it, the technique of the `base64ct` crate), and the format is one fixed
//! length, which makes strictness simple: no padding, no `+` or `/`, and the two bits the last
//! character carries beyond 256 must be zero, so each secret has exactly one fragment.

use zeroize::Zeroizing;

use crate::error::CryptoError;

/// Characters of a fragment: ⌈32 × 8 / 6⌉.
pub const FRAGMENT_LEN: usize = 43;

/// The base64url character of a 6-bit value, without branching on it.
fn encode_6(value: u8) -> u8 {
    let src = i16::from(value);
    let mut diff: i16 = 0x41; // 'A' - 0
    diff += ((25 - src) >> 8) & 6; // 26..: 'a' - 26
    diff -= ((51 - src) >> 8) & 75; // 52..: '0' - 52
    diff -= ((61 - src) >> 8) & 13; // 62: '-' - 62
    diff += ((62 - src) >> 8) & 49; // 63: '_' - 63
    (src + diff) as u8
}

/// The 6-bit value of a base64url character, or a negative number for any other byte; no
/// branch or table lookup depends on the character.
fn decode_6(byte: u8) -> i16 {
    let src = i16::from(byte);
    // `((lo - 1 - src) & (src - (hi + 1))) >> 8` is all ones exactly when lo <= src <= hi.
    let mut value: i16 = -1;
    value += (((0x40 - src) & (src - 0x5b)) >> 8) & (src - 64); // A-Z → 0..=25
    value += (((0x60 - src) & (src - 0x7b)) >> 8) & (src - 70); // a-z → 26..=51
    value += (((0x2f - src) & (src - 0x3a)) >> 8) & (src + 5); // 0-9 → 52..=61
    value += (((0x2c - src) & (src - 0x2e)) >> 8) & 63; // '-' → 62
    value += (((0x5e - src) & (src - 0x60)) >> 8) & 64; // '_' → 63
    value
}

/// The 43-character fragment of 32 bytes.
pub fn encode(bytes: &[u8; 32]) -> String {
    let mut out = Vec::with_capacity(FRAGMENT_LEN);
    // 10 groups of 3 bytes give 40 characters; the last 2 bytes give 3 more (16 bits, the
    // third character's two low bits zero).
    for group in bytes[..30].chunks_exact(3) {
        let n = u32::from(group[0]) << 16 | u32::from(group[1]) << 8 | u32::from(group[2]);
        for shift in [18, 12, 6, 0] {
            out.push(encode_6((n >> shift) as u8 & 0x3f));
        }
    }
    let n = u32::from(bytes[30]) << 16 | u32::from(bytes[31]) << 8;
    for shift in [18, 12, 6] {
        out.push(encode_6((n >> shift) as u8 & 0x3f));
    }
    String::from_utf8(out).expect("the base64url alphabet is ASCII")
}

/// The 32 bytes of a fragment; anything but 43 base64url characters whose last two spare bits
/// are zero is [`CryptoError::InvalidFormat`].
pub fn decode(text: &str) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    let chars = text.as_bytes();
    if chars.len() != FRAGMENT_LEN {
        return Err(CryptoError::InvalidFormat);
    }
    let mut out = Zeroizing::new([0u8; 32]);
    // Accumulates every character's sign bit, so the loop runs the same way for any input.
    let mut invalid: i16 = 0;
    let mut sextets = [0u32; 4];
    let mut next = 0;
    for group in chars.chunks(4) {
        for (slot, &c) in sextets.iter_mut().zip(group) {
            let v = decode_6(c);
            invalid |= v;
            *slot = (v & 0x3f) as u32;
        }
        let n = sextets[0] << 18 | sextets[1] << 12 | sextets[2] << 6 | sextets[3];
        if group.len() == 4 {
            out[next..next + 3].copy_from_slice(&n.to_be_bytes()[1..]);
            next += 3;
        } else {
            // The last 3 characters: 18 bits, of which the first 16 are the last two bytes.
            let n = sextets[0] << 12 | sextets[1] << 6 | sextets[2];
            out[30..].copy_from_slice(&((n >> 2) as u16).to_be_bytes());
            invalid |= ((n & 0b11) as i16).wrapping_neg();
        }
    }
    sextets.fill(0);
    if invalid < 0 {
        return Err(CryptoError::InvalidFormat);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    #[test]
    fn alphabet_maps_both_ways_and_nothing_else_decodes() {
        for (i, &c) in ALPHABET.iter().enumerate() {
            assert_eq!(encode_6(i as u8), c);
            assert_eq!(decode_6(c), i as i16);
        }
        for byte in 0..=255u8 {
            if !ALPHABET.contains(&byte) {
                assert!(decode_6(byte) < 0, "{byte:#x}");
            }
        }
    }

    #[test]
    fn known_values() {
        // RFC 4648 §10 style check with a value that uses both url-safe characters.
        let mut bytes = [0u8; 32];
        bytes[0] = 0xfb;
        bytes[1] = 0xff;
        bytes[31] = 0x01;
        let text = encode(&bytes);
        assert_eq!(text, format!("-_8{}E", "A".repeat(39)));
        assert_eq!(*decode(&text).unwrap(), bytes);
        assert_eq!(encode(&[0xff; 32]), format!("{}8", "_".repeat(42)));
    }

    #[test]
    fn non_canonical_last_character_is_refused() {
        let text = encode(&[0; 32]);
        assert!(text.ends_with('A'));
        for last in ['B', 'C', 'D'] {
            let bad = format!("{}{last}", &text[..42]);
            assert_eq!(decode(&bad).map(|_| ()), Err(CryptoError::InvalidFormat));
        }
        assert!(decode(&format!("{}E", &text[..42])).is_ok());
    }

    proptest! {
        #[test]
        fn round_trip(bytes in any::<[u8; 32]>()) {
            let text = encode(&bytes);
            prop_assert_eq!(text.len(), FRAGMENT_LEN);
            prop_assert!(text.bytes().all(|c| ALPHABET.contains(&c)));
            prop_assert_eq!(*decode(&text).unwrap(), bytes);
        }
    }
}
