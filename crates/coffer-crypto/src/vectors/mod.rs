//! The cross-language test vectors of `testdata/vectors/`: their model, their deterministic
//! generation and their checking against this implementation (PROTOCOL.md §1.1).
//!
//! Pure like the rest of the crate: [`generate_all`] returns file contents, [`check_file`] judges
//! one file's contents; the `gen-vectors` binary and `tests/vectors.rs` do the file I/O.
//!
//! Every input that would be random in real use is derived from a label with
//! [`fixed_bytes`], so the vectors are reproducible byte for byte in any language. Each file is
//! one JSON object: `description`, `valid`, the inputs, then the expected outputs (valid
//! vectors) or the expected error kind `error` (failure vectors, see [`CryptoError::kind`]).
//! Binary values are lowercase hex.

/// Implements the `valid`/`error` accessors of [`Construction`] for a vector struct.
macro_rules! vector_meta {
    () => {
        fn valid(&self) -> bool {
            self.valid
        }
        fn error(&self) -> Option<&str> {
            self.error.as_deref()
        }
    };
}

mod attributes;
mod content;
mod fingerprint;
mod key_container;
mod link;
mod names;
mod node_key;
mod node_signature;
mod seal;
mod share;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::CryptoError;
use crate::keys::SymmetricKey;

/// One generated vector file: its path relative to `testdata/vectors/` and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorFile {
    /// E.g. `seal/valid-master-key.json`.
    pub path: String,
    /// Pretty-printed JSON with a final newline.
    pub contents: String,
}

/// The folders, one per construction.
pub const FOLDERS: [&str; 11] = [
    "seal",
    "node-key",
    "attributes",
    "name-tag",
    "content",
    "node-signature",
    "key-container",
    "password-kek",
    "link",
    "share",
    "fingerprint",
];

/// `N` bytes named by `label`: the first `N` bytes of the BLAKE3 extendable output of
/// `"coffer/v1/test-vector/" ‖ label`. Stands in for every random input in the vectors.
pub fn fixed_bytes<const N: usize>(label: &str) -> [u8; N] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"coffer/v1/test-vector/");
    hasher.update(label.as_bytes());
    let mut out = [0u8; N];
    hasher.finalize_xof().fill(&mut out);
    out
}

/// A key named by `label` (see [`fixed_bytes`]).
fn fixed_key(label: &str) -> SymmetricKey {
    SymmetricKey::from_bytes(fixed_bytes(label))
}

/// The plaintext of the content vectors: byte `i` is `i mod 251`.
pub fn plaintext_pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// Every vector, in a stable order.
pub fn generate_all() -> Vec<VectorFile> {
    let mut files = Vec::new();
    emit::<seal::SealVector>(&mut files);
    emit::<node_key::NodeKeyVector>(&mut files);
    emit::<attributes::AttributesVector>(&mut files);
    emit::<names::NameTagVector>(&mut files);
    emit::<content::ContentVector>(&mut files);
    emit::<node_signature::NodeSignatureVector>(&mut files);
    emit::<key_container::KeyContainerVector>(&mut files);
    emit::<names::PasswordKekVector>(&mut files);
    emit::<link::LinkVector>(&mut files);
    emit::<share::ShareVector>(&mut files);
    emit::<fingerprint::FingerprintVector>(&mut files);
    files
}

/// Checks one vector file (path relative to `testdata/vectors/`) against the implementation:
/// a valid vector must produce exactly its outputs, a failure vector must fail with its error.
pub fn check_file(path: &str, contents: &str) -> Result<(), String> {
    let folder = path.split('/').next().unwrap_or_default();
    match folder {
        "seal" => check::<seal::SealVector>(contents),
        "node-key" => check::<node_key::NodeKeyVector>(contents),
        "attributes" => check::<attributes::AttributesVector>(contents),
        "name-tag" => check::<names::NameTagVector>(contents),
        "content" => check::<content::ContentVector>(contents),
        "node-signature" => check::<node_signature::NodeSignatureVector>(contents),
        "key-container" => check::<key_container::KeyContainerVector>(contents),
        "password-kek" => check::<names::PasswordKekVector>(contents),
        "link" => check::<link::LinkVector>(contents),
        "share" => check::<share::ShareVector>(contents),
        "fingerprint" => check::<fingerprint::FingerprintVector>(contents),
        other => Err(format!("unknown vector folder {other:?}")),
    }
}

/// One construction's vectors.
trait Construction: Serialize + DeserializeOwned {
    /// The folder under `testdata/vectors/`.
    const FOLDER: &'static str;
    /// `(file stem, vector)` pairs.
    fn generate() -> Vec<(&'static str, Self)>;
    /// `valid`, `error` and the check itself.
    fn valid(&self) -> bool;
    fn error(&self) -> Option<&str>;
    fn check(&self) -> Result<(), String>;
}

fn emit<C: Construction>(files: &mut Vec<VectorFile>) {
    for (stem, vector) in C::generate() {
        let json = serde_json::to_string_pretty(&vector).expect("vectors serialize to JSON");
        files.push(VectorFile {
            path: format!("{}/{stem}.json", C::FOLDER),
            contents: json + "\n",
        });
    }
}

fn check<C: Construction>(contents: &str) -> Result<(), String> {
    let vector: C = serde_json::from_str(contents).map_err(|e| format!("bad JSON: {e}"))?;
    match (vector.valid(), vector.error()) {
        (true, None) | (false, Some(_)) => vector.check(),
        (true, Some(_)) => Err("a valid vector has an error".into()),
        (false, None) => Err("a failure vector names no error".into()),
    }
}

/// Compares an actual output with the expected one.
fn expect_eq<T: PartialEq + std::fmt::Debug>(
    what: &str,
    actual: T,
    expected: T,
) -> Result<(), String> {
    if actual == expected {
        Ok(())
    } else {
        Err(format!("{what}: got {actual:?}, expected {expected:?}"))
    }
}

/// A failure vector's result must be an error of the named kind.
fn expect_error<T>(result: Result<T, CryptoError>, expected: Option<&str>) -> Result<(), String> {
    match (result, expected) {
        (Err(e), Some(kind)) if e.kind() == kind => Ok(()),
        (Err(e), _) => Err(format!("failed with {}, expected {expected:?}", e.kind())),
        (Ok(_), _) => Err(format!("succeeded, expected {expected:?}")),
    }
}

/// A required field of a valid vector.
fn required<'a, T>(field: &'a Option<T>, name: &str) -> Result<&'a T, String> {
    field
        .as_ref()
        .ok_or_else(|| format!("missing field {name}"))
}

/// Bytes written as lowercase hex in the JSON files.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hex(pub Vec<u8>);

impl Hex {
    fn array<const N: usize>(&self, what: &str) -> Result<[u8; N], String> {
        self.0
            .as_slice()
            .try_into()
            .map_err(|_| format!("{what}: expected {N} bytes, got {}", self.0.len()))
    }
}

impl From<&[u8]> for Hex {
    fn from(bytes: &[u8]) -> Self {
        Hex(bytes.to_vec())
    }
}

impl<const N: usize> From<[u8; N]> for Hex {
    fn from(bytes: [u8; N]) -> Self {
        Hex(bytes.to_vec())
    }
}

impl From<Vec<u8>> for Hex {
    fn from(bytes: Vec<u8>) -> Self {
        Hex(bytes)
    }
}

impl Serialize for Hex {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Hex {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(serde::de::Error::custom("hex must be lowercase"));
        }
        hex::decode(&text)
            .map(Hex)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_bytes_is_a_prefix_of_one_stream() {
        let long: [u8; 64] = fixed_bytes("x");
        let short: [u8; 12] = fixed_bytes("x");
        assert_eq!(&long[..12], &short);
        assert_ne!(fixed_bytes::<32>("x"), fixed_bytes::<32>("y"));
        let mut expected = [0u8; 32];
        blake3::Hasher::new()
            .update(b"coffer/v1/test-vector/x")
            .finalize_xof()
            .fill(&mut expected);
        assert_eq!(fixed_bytes::<32>("x"), expected);
    }

    #[test]
    fn every_generated_vector_checks_and_paths_are_unique() {
        let files = generate_all();
        let mut paths: Vec<_> = files.iter().map(|f| f.path.as_str()).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), files.len());
        for folder in FOLDERS {
            assert!(
                files
                    .iter()
                    .any(|f| f.path.starts_with(&format!("{folder}/"))),
                "{folder}"
            );
        }
        for file in &files {
            check_file(&file.path, &file.contents).unwrap_or_else(|e| panic!("{}: {e}", file.path));
        }
        assert_eq!(generate_all(), files, "generation is deterministic");
    }

    #[test]
    fn hex_is_lowercase_both_ways() {
        let json = serde_json::to_string(&Hex(vec![0xab, 0x01])).unwrap();
        assert_eq!(json, "\"ab01\"");
        assert!(serde_json::from_str::<Hex>("\"AB01\"").is_err());
        assert!(serde_json::from_str::<Hex>("\"abc\"").is_err());
    }
}
