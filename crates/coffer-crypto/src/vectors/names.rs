//! `name-tag/` vectors (name rules and name tags, PROTOCOL.md §6) and `password-kek/`
//! vectors (PROTOCOL.md §2).

use serde::{Deserialize, Serialize};

use super::{Construction, Hex, expect_eq, expect_error, fixed_bytes, fixed_key, required};
use crate::keys::{ExportKey, SymmetricKey, password_kek};
use crate::tree::{name_tag, validate_name};

/// `name-tag/`: PROTOCOL.md §6 (name rules) and §6.1 (name tags).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NameTagVector {
    description: String,
    valid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parent_key: Option<Hex>,
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name_tag: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl Construction for NameTagVector {
    const FOLDER: &'static str = "name-tag";

    fn generate() -> Vec<(&'static str, Self)> {
        let parent_key = fixed_key("name-tag/parent-key");
        let valid = |description: &str, name: String| NameTagVector {
            description: description.into(),
            valid: true,
            parent_key: Some(parent_key.as_bytes().to_vec().into()),
            name_tag: Some(name_tag(&parent_key, &name).into()),
            name,
            error: None,
        };
        let invalid = |description: &str, name: String| NameTagVector {
            description: description.into(),
            valid: false,
            parent_key: None,
            name,
            name_tag: None,
            error: Some("invalid_name".into()),
        };
        vec![
            (
                "valid-ascii",
                valid("a plain file name", "report.pdf".into()),
            ),
            (
                "valid-unicode",
                valid("non-ASCII letters and CJK", "Ünïcödé 文件.txt".into()),
            ),
            (
                "valid-nfc",
                valid(
                    "\"é\" precomposed (NFC): a different name from the NFD one",
                    "caf\u{e9}".into(),
                ),
            ),
            (
                "valid-nfd",
                valid(
                    "\"é\" decomposed (NFD): a different name from the NFC one",
                    "cafe\u{301}".into(),
                ),
            ),
            (
                "valid-dot-prefix",
                valid("a hidden-file name", ".hidden".into()),
            ),
            (
                "valid-three-dots",
                valid("three dots is a name", "...".into()),
            ),
            (
                "valid-255-bytes",
                valid("the longest name: 255 bytes", "x".repeat(255)),
            ),
            (
                "invalid-empty",
                invalid(
                    "the empty name (only the root's, which has no tag)",
                    String::new(),
                ),
            ),
            ("invalid-dot", invalid("\".\"", ".".into())),
            ("invalid-dot-dot", invalid("\"..\"", "..".into())),
            ("invalid-slash", invalid("contains \"/\"", "a/b".into())),
            ("invalid-nul", invalid("contains NUL", "a\u{0}b".into())),
            (
                "invalid-256-bytes",
                invalid("256 bytes (128 × \"é\")", "\u{e9}".repeat(128)),
            ),
        ]
    }

    vector_meta!();

    fn check(&self) -> Result<(), String> {
        let checked = validate_name(&self.name);
        if !self.valid {
            return expect_error(checked, self.error.as_deref());
        }
        checked.map_err(|e| format!("name refused: {e}"))?;
        let parent_key = SymmetricKey::from_bytes(
            required(&self.parent_key, "parent_key")?.array("parent_key")?,
        );
        expect_eq(
            "name_tag",
            Hex(name_tag(&parent_key, &self.name).to_vec()),
            required(&self.name_tag, "name_tag")?.clone(),
        )
    }
}

/// `password-kek/`: PROTOCOL.md §2. A pure derivation: valid vectors only.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PasswordKekVector {
    description: String,
    valid: bool,
    export_key: Hex,
    password_kek: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl Construction for PasswordKekVector {
    const FOLDER: &'static str = "password-kek";

    fn generate() -> Vec<(&'static str, Self)> {
        let vector = |description: &str, export_key: [u8; 64]| PasswordKekVector {
            description: description.into(),
            valid: true,
            password_kek: password_kek(&ExportKey::from_bytes(export_key))
                .as_bytes()
                .to_vec()
                .into(),
            export_key: export_key.into(),
            error: None,
        };
        vec![
            (
                "valid-derived",
                vector(
                    "a 64-byte export key",
                    fixed_bytes("password-kek/export-key"),
                ),
            ),
            ("valid-zeros", vector("64 zero bytes", [0; 64])),
        ]
    }

    vector_meta!();

    fn check(&self) -> Result<(), String> {
        if !self.valid {
            return Err("password-kek has no failure vectors".into());
        }
        let export_key = ExportKey::from_bytes(self.export_key.array("export_key")?);
        expect_eq(
            "password_kek",
            Hex(password_kek(&export_key).as_bytes().to_vec()),
            self.password_kek.clone(),
        )
    }
}
