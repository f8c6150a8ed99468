//! 16-byte identifiers chosen by clients, written as 32 lowercase hex characters.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A node, version or upload id. Random, 128 bits; the server refuses duplicates.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Id(pub [u8; 16]);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseIdError;

impl fmt::Display for ParseIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id is 32 lowercase hexadecimal characters")
    }
}
impl std::error::Error for ParseIdError {}

impl Id {
    /// The all-zero id: the parent of a root node in signatures and AADs.
    pub const ZERO: Id = Id([0; 16]);

    pub fn random() -> Id {
        Id(*uuid::Uuid::new_v4().as_bytes())
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The 32 lowercase hex characters, without formatting machinery: listings write two ids
    /// per node, and `write!` per byte was a visible share of a listing's serialization.
    fn hex(&self) -> [u8; 32] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 32];
        for (pair, b) in out.chunks_exact_mut(2).zip(self.0) {
            pair[0] = DIGITS[usize::from(b >> 4)];
            pair[1] = DIGITS[usize::from(b & 0x0f)];
        }
        out
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.hex();
        f.write_str(std::str::from_utf8(&hex).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({self})")
    }
}

impl FromStr for Id {
    type Err = ParseIdError;
    fn from_str(s: &str) -> Result<Id, ParseIdError> {
        let b = s.as_bytes();
        if b.len() != 32 {
            return Err(ParseIdError);
        }
        let mut out = [0u8; 16];
        for (i, pair) in b.chunks_exact(2).enumerate() {
            let hi = hex_val(pair[0]).ok_or(ParseIdError)?;
            let lo = hex_val(pair[1]).ok_or(ParseIdError)?;
            out[i] = hi << 4 | lo;
        }
        Ok(Id(out))
    }
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let hex = self.hex();
        s.serialize_str(std::str::from_utf8(&hex).map_err(serde::ser::Error::custom)?)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for Id {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[0-9a-f]{32}$"))
            .into()
    }
}
impl utoipa::ToSchema for Id {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_prints() {
        let id = Id::random();
        assert_eq!(id.to_string().parse::<Id>().unwrap(), id);
        let id = Id([
            0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0, 0x0f, 0xf0, 0xff, 1, 2, 3, 4,
        ]);
        assert_eq!(id.to_string(), "0123456789abcdef000ff0ff01020304");
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"0123456789abcdef000ff0ff01020304\""
        );
        assert_eq!(format!("{id:?}"), "Id(0123456789abcdef000ff0ff01020304)");
    }

    #[test]
    fn refuses_uppercase_short_and_junk() {
        assert!("00112233445566778899AABBCCDDEEFF".parse::<Id>().is_err());
        assert!("0011".parse::<Id>().is_err());
        assert!("zz112233445566778899aabbccddeeff".parse::<Id>().is_err());
        assert!("ü0112233445566778899aabbccddeef".parse::<Id>().is_err());
    }
}
