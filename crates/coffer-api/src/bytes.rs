//! Binary fields as base64url (no padding) strings in JSON.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes that serialize as a base64url string without padding.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct B64(pub Vec<u8>);

impl B64 {
    pub fn encode(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
        URL_SAFE_NO_PAD.decode(text)
    }
}

impl std::fmt::Debug for B64 {
    // Lengths only: these fields are ciphertexts and protocol messages, never worth a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "B64({} bytes)", self.0.len())
    }
}

impl From<Vec<u8>> for B64 {
    fn from(v: Vec<u8>) -> Self {
        B64(v)
    }
}

impl std::ops::Deref for B64 {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Serialize for B64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&Self::encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for B64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::decode(&text)
            .map(B64)
            .map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for B64 {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("base64url without padding"))
            .into()
    }
}
impl utoipa::ToSchema for B64 {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_json() {
        let v = B64(vec![0, 1, 2, 250, 255]);
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, "\"AAEC-v8\"");
        assert_eq!(serde_json::from_str::<B64>(&json).unwrap(), v);
    }

    #[test]
    fn rejects_padding_and_std_alphabet() {
        assert!(serde_json::from_str::<B64>("\"AAEC+v8\"").is_err());
        assert!(serde_json::from_str::<B64>("\"AA==\"").is_err());
    }
}
