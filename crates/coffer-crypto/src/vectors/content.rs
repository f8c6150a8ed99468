//! `content/` vectors: content header and STREAM chunks (PROTOCOL.md §5).
//!
//! A vector is read the way a client reads a file version: check the header against the
//! expected node and version ids, derive `n = chunk_count(size, chunk_size)` from the signed
//! size, refuse any other number of chunks (`integrity`), then decrypt chunk `i` with the final
//! flag exactly on `i = n − 1`.

use serde::{Deserialize, Serialize};

use super::{Construction, Hex, expect_eq, expect_error, fixed_bytes, plaintext_pattern, required};
use crate::content::{
    ContentDecryptor, ContentEncryptor, ContentKeys, chunk_count, chunk_hash, chunk_list_hash,
    ciphertext_size, plaintext_chunk_len,
};
use crate::error::CryptoError;
use crate::keys::SymmetricKey;

/// What `plaintext_pattern` says in every valid vector.
const PATTERN: &str = "byte i is i mod 251";
const CHUNK_SIZE: u32 = 65536;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ContentVector {
    description: String,
    valid: bool,
    node_key: Hex,
    /// The node and version the reader expects (from the signed record).
    node_id: Hex,
    version_id: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    salt: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chunk_size: Option<u32>,
    /// Plaintext size as the signed attributes state it.
    size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    plaintext_pattern: Option<String>,
    header: Hex,
    chunks: Vec<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chunk_hashes: Option<Vec<Hex>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chunk_list_hash: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chunk_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ciphertext_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The writer's inputs for one version, all derived from labels.
struct Version {
    node_key: SymmetricKey,
    node_id: [u8; 16],
    version_id: [u8; 16],
    salt: [u8; 32],
}

impl Version {
    fn new(node: &str, version: &str) -> Version {
        Version {
            node_key: SymmetricKey::from_bytes(fixed_bytes(&format!("content/{node}/node-key"))),
            node_id: fixed_bytes(&format!("content/{node}/node-id")),
            version_id: fixed_bytes(&format!("content/{node}/{version}/version-id")),
            salt: fixed_bytes(&format!("content/{node}/{version}/salt")),
        }
    }

    /// Header and chunks of the pattern plaintext of `size` bytes.
    fn encrypt(&self, size: u64) -> (Vec<u8>, Vec<Vec<u8>>) {
        let (header, enc) = ContentEncryptor::new(
            &self.node_key,
            &self.node_id,
            &self.version_id,
            self.salt,
            CHUNK_SIZE,
        )
        .expect("the chunk size is in bounds");
        let plain = plaintext_pattern(size as usize);
        let n = chunk_count(size, CHUNK_SIZE);
        let chunks = (0..n)
            .map(|i| {
                let start = (i * u64::from(CHUNK_SIZE)) as usize;
                let len = plaintext_chunk_len(size, CHUNK_SIZE, i) as usize;
                let mut buf = plain[start..start + len].to_vec();
                enc.encrypt_chunk(i, i == n - 1, &mut buf)
                    .expect("lengths follow §5.2");
                buf
            })
            .collect();
        (header, chunks)
    }

    fn valid(&self, description: &str, size: u64) -> ContentVector {
        let (header, chunks) = self.encrypt(size);
        let hashes: Vec<[u8; 32]> = chunks.iter().map(|c| chunk_hash(c)).collect();
        ContentVector {
            salt: Some(self.salt.into()),
            chunk_size: Some(CHUNK_SIZE),
            plaintext_pattern: Some(PATTERN.into()),
            chunk_hashes: Some(hashes.iter().map(|h| Hex::from(*h)).collect()),
            chunk_list_hash: Some(chunk_list_hash(&hashes).into()),
            chunk_count: Some(chunks.len() as u64),
            ciphertext_size: Some(ciphertext_size(size, CHUNK_SIZE)),
            valid: true,
            error: None,
            ..self.reading(description, size, header, chunks)
        }
    }

    /// A failure vector: this version's reader given `header` and `chunks`.
    fn failing(
        &self,
        description: &str,
        error: &str,
        size: u64,
        header: Vec<u8>,
        chunks: Vec<Vec<u8>>,
    ) -> ContentVector {
        ContentVector {
            error: Some(error.into()),
            ..self.reading(description, size, header, chunks)
        }
    }

    fn reading(
        &self,
        description: &str,
        size: u64,
        header: Vec<u8>,
        chunks: Vec<Vec<u8>>,
    ) -> ContentVector {
        ContentVector {
            description: description.into(),
            valid: false,
            node_key: self.node_key.as_bytes().to_vec().into(),
            node_id: self.node_id.into(),
            version_id: self.version_id.into(),
            salt: None,
            chunk_size: None,
            size,
            plaintext_pattern: None,
            header: header.into(),
            chunks: chunks.into_iter().map(Hex).collect(),
            chunk_hashes: None,
            chunk_list_hash: None,
            chunk_count: None,
            ciphertext_size: None,
            error: None,
        }
    }

    /// A header with a valid MAC for any chunk size, even one out of bounds.
    fn header_with_chunk_size(&self, chunk_size: u32) -> Vec<u8> {
        ContentKeys::derive(&self.node_key, &self.node_id, &self.version_id, &self.salt).header(
            chunk_size,
            &self.node_id,
            &self.version_id,
            &self.salt,
        )
    }
}

fn changed(mut bytes: Vec<u8>, change: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    change(&mut bytes);
    bytes
}

impl Construction for ContentVector {
    const FOLDER: &'static str = "content";

    fn generate() -> Vec<(&'static str, Self)> {
        let valid = |stem, description, size: u64| {
            (
                stem,
                Version::new("a", &format!("v{size}")).valid(description, size),
            )
        };
        let mut all = vec![
            valid("valid-empty", "empty file: one empty final chunk", 0),
            valid("valid-1-byte", "one byte", 1),
            valid(
                "valid-one-full-chunk",
                "exactly one chunk: one full final chunk",
                65536,
            ),
            valid(
                "valid-chunk-plus-1",
                "one full chunk and a final chunk of one byte",
                65537,
            ),
            valid(
                "valid-three-chunks",
                "two full chunks and a partial final chunk",
                150_000,
            ),
        ];

        let f = Version::new("a", "failures");
        let (h, two) = f.encrypt(65537);
        let (_, one_full) = f.encrypt(65536);
        let (_, three) = f.encrypt(150_000);
        let (_, small) = f.encrypt(1);
        let (_, empty) = f.encrypt(0);
        let other_version = Version::new("a", "other");
        let (h_other_version, small_other_version) = other_version.encrypt(1);
        let other_node = Version::new("b", "failures");
        let (h_other_node, small_other_node) = other_node.encrypt(1);
        let s0 = small[0].clone();
        let df = "decryption_failed";
        let bad_format = "invalid_format";
        let mut wrong_key = f.failing(
            "read with another node key",
            df,
            1,
            h.clone(),
            small.clone(),
        );
        wrong_key.node_key = Hex(fixed_bytes::<32>("content/other-node-key").to_vec());

        all.extend([
            ("invalid-final-chunk-dropped", f.failing("final chunk dropped, size claims one full chunk: the non-final chunk 0 read as final", df, 65536, h.clone(), vec![two[0].clone()])),
            ("invalid-final-flag-on-non-final", f.failing("a full final chunk (of a 65536-byte file) read as non-final chunk 0 of a 65537-byte file", df, 65537, h.clone(), vec![one_full[0].clone(), two[1].clone()])),
            ("invalid-reordered", f.failing("chunks 0 and 1 swapped", df, 150_000, h.clone(), vec![three[1].clone(), three[0].clone(), three[2].clone()])),
            ("invalid-extra-chunk", f.failing("a chunk after the final one", "integrity", 1, h.clone(), vec![s0.clone(), s0.clone()])),
            ("invalid-missing-chunk", f.failing("no chunk at all for a 1-byte file", "integrity", 1, h.clone(), vec![])),
            ("invalid-trailing-garbage", f.failing("a zero byte appended to the final chunk", df, 1, h.clone(), vec![changed(s0.clone(), |c| c.push(0))])),
            ("invalid-flipped-chunk-byte", f.failing("first ciphertext byte flipped", df, 1, h.clone(), vec![changed(s0.clone(), |c| c[0] ^= 1)])),
            ("invalid-flipped-tag", f.failing("last tag byte flipped", df, 1, h.clone(), vec![changed(s0.clone(), |c| c[16] ^= 1)])),
            ("invalid-empty-chunk-without-tag", f.failing("an empty file whose chunk lacks its tag", "integrity", 0, h.clone(), vec![changed(empty[0].clone(), |c| c.clear())])),
            ("invalid-chunk-from-other-version", f.failing("the chunk of another version of the same node", df, 1, h.clone(), small_other_version)),
            ("invalid-chunk-from-other-file", f.failing("the chunk of another node", df, 1, h.clone(), small_other_node)),
            ("invalid-header-of-other-version", f.failing("the header (and chunk) of another version of this node", "integrity", 1, h_other_version, vec![s0.clone()])),
            ("invalid-header-of-other-node", f.failing("the header (and chunk) of another node", "integrity", 1, h_other_node, vec![s0.clone()])),
            ("invalid-header-mac-flipped", f.failing("last header MAC byte flipped", df, 1, changed(h.clone(), |h| h[105] ^= 1), small.clone())),
            ("invalid-header-salt-flipped", f.failing("a salt byte flipped", df, 1, changed(h.clone(), |h| h[42] ^= 1), small.clone())),
            ("invalid-header-chunk-size-changed", f.failing("chunk size changed to 131072 without the key", df, 1, changed(h.clone(), |h| h[6..10].copy_from_slice(&131072u32.to_be_bytes())), small.clone())),
            ("invalid-wrong-node-key", wrong_key),
            ("invalid-chunk-size-too-small", f.failing("chunk size 65535, with a valid MAC", bad_format, 1, f.header_with_chunk_size(65535), small.clone())),
            ("invalid-chunk-size-too-large", f.failing("chunk size 16777217, with a valid MAC", bad_format, 1, f.header_with_chunk_size(16_777_217), small.clone())),
            ("invalid-header-bad-magic", f.failing("magic \"CFRD\"", bad_format, 1, changed(h.clone(), |h| h[3] = b'D'), small.clone())),
            ("invalid-header-bad-version", f.failing("format version 2", bad_format, 1, changed(h.clone(), |h| h[4] = 2), small.clone())),
            ("invalid-header-bad-suite", f.failing("cipher suite 2", bad_format, 1, changed(h.clone(), |h| h[5] = 2), small.clone())),
            ("invalid-header-truncated", f.failing("header of 105 bytes", bad_format, 1, changed(h.clone(), |h| { h.pop(); }), small.clone())),
        ]);
        all
    }

    vector_meta!();

    fn check(&self) -> Result<(), String> {
        let read = self.read();
        if !self.valid {
            return expect_error(read, self.error.as_deref());
        }
        let plain = read.map_err(|e| format!("reading failed: {e}"))?;
        expect_eq(
            "pattern",
            required(&self.plaintext_pattern, "plaintext_pattern")?.as_str(),
            PATTERN,
        )?;
        expect_eq(
            "plaintext",
            plain == plaintext_pattern(self.size as usize),
            true,
        )?;
        let version = Version {
            node_key: SymmetricKey::from_bytes(self.node_key.array("node_key")?),
            node_id: self.node_id.array("node_id")?,
            version_id: self.version_id.array("version_id")?,
            salt: required(&self.salt, "salt")?.array("salt")?,
        };
        expect_eq(
            "chunk_size",
            *required(&self.chunk_size, "chunk_size")?,
            CHUNK_SIZE,
        )?;
        let (header, chunks) = version.encrypt(self.size);
        expect_eq("header", Hex(header), self.header.clone())?;
        expect_eq(
            "chunks",
            chunks.into_iter().map(Hex).collect::<Vec<_>>() == self.chunks,
            true,
        )?;
        let hashes: Vec<[u8; 32]> = self.chunks.iter().map(|c| chunk_hash(&c.0)).collect();
        let expected_hashes = required(&self.chunk_hashes, "chunk_hashes")?;
        expect_eq(
            "chunk_hashes",
            hashes.iter().map(|h| Hex::from(*h)).collect::<Vec<_>>(),
            expected_hashes.clone(),
        )?;
        expect_eq(
            "chunk_list_hash",
            Hex::from(chunk_list_hash(&hashes)),
            required(&self.chunk_list_hash, "chunk_list_hash")?.clone(),
        )?;
        expect_eq(
            "chunk_count",
            chunk_count(self.size, CHUNK_SIZE),
            *required(&self.chunk_count, "chunk_count")?,
        )?;
        expect_eq(
            "ciphertext_size",
            ciphertext_size(self.size, CHUNK_SIZE),
            *required(&self.ciphertext_size, "ciphertext_size")?,
        )?;
        let total: u64 = self.chunks.iter().map(|c| c.0.len() as u64).sum();
        expect_eq(
            "sum of chunk lengths",
            total,
            ciphertext_size(self.size, CHUNK_SIZE),
        )
    }
}

impl ContentVector {
    /// Reads the version like a client (see the module doc).
    fn read(&self) -> Result<Vec<u8>, CryptoError> {
        let key = SymmetricKey::from_bytes(
            self.node_key
                .array("node_key")
                .map_err(|_| CryptoError::InvalidFormat)?,
        );
        let node_id = self
            .node_id
            .array("node_id")
            .map_err(|_| CryptoError::InvalidFormat)?;
        let version_id = self
            .version_id
            .array("version_id")
            .map_err(|_| CryptoError::InvalidFormat)?;
        let dec = ContentDecryptor::new(&key, &node_id, &version_id, &self.header.0)?;
        let n = chunk_count(self.size, dec.chunk_size());
        if self.chunks.len() as u64 != n {
            return Err(CryptoError::Integrity("chunk count"));
        }
        let mut plain = Vec::new();
        for (i, chunk) in self.chunks.iter().enumerate() {
            let mut buf = chunk.0.clone();
            dec.decrypt_chunk(i as u64, i as u64 == n - 1, &mut buf)?;
            plain.extend_from_slice(&buf);
        }
        Ok(plain)
    }
}
