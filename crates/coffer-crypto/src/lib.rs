//! The cryptographic core of coffer: every key, seal, signature and content format of
//! `docs/PROTOCOL.md`, and nothing else.
//!
//! The crate is pure: no I/O, no async, no files, no clock. Every random value (key, nonce,
//! salt) is an explicit argument — callers take them from [`random_bytes`] — which is what makes
//! the test vectors in `testdata/vectors/` deterministic. Only OPAQUE takes an RNG, because its
//! randomness is internal to the protocol.
//!
//! | module | PROTOCOL.md | what |
//! |---|---|---|
//! | [`keys`] | §2 | [`SymmetricKey`], [`ExportKey`], [`password_kek`] |
//! | [`opaque`] | §3 | OPAQUE registration and login, client and server side |
//! | [`seal`](mod@seal) | §4 | key-committing AES-256-GCM for small values |
//! | [`tree`] | §4, §6 | node keys, attributes, name tags, name rules |
//! | [`content`] | §5 | the content header and STREAM chunk encryption, chunk hashes |
//! | [`sign`] | §7 | Ed25519 node record signatures, one at a time or in batches |
//! | [`account`] | §8 | the identity and the signed key container |
//! | [`link`] | §10, §11 | public links: secret, link key, access token, sealed key, abuse check |
//! | [`fingerprint`](mod@fingerprint) | §12.1 | the 30-digit fingerprint two people compare to check a key lookup |
//! | [`share`] | §12.2 | sharing with another account: the folder key sealed by HPKE, the signed grant |
//! | [`vectors`] | — | generation and checking of the cross-language test vectors |
//!
//! Errors are one coarse enum, [`CryptoError`]: a failed check never says which check failed.
//!
//! # Example: a file, from its keys to its chunks and back
//!
//! ```
//! use coffer_crypto::*;
//!
//! # fn main() -> Result<(), CryptoError> {
//! let master = SymmetricKey::from_bytes(random_bytes());
//! let (root_id, file_id, version_id) = (random_bytes(), random_bytes(), random_bytes());
//!
//! // The root's key is wrapped by the master key, the file's by the root's.
//! let root_key = SymmetricKey::from_bytes(random_bytes());
//! let wrapped_root = wrap_node_key(&master, &root_id, &[0; 16], &root_key, random_bytes());
//! let file_key = SymmetricKey::from_bytes(random_bytes());
//! let wrapped_file = wrap_node_key(&root_key, &file_id, &root_id, &file_key, random_bytes());
//!
//! // Name and size, sealed for this node only; the name tag lets the server find it by name.
//! let content = b"hello, coffer".to_vec();
//! let attrs = Attributes { name: "hello.txt".into(), size: Some(content.len() as u64), ..Default::default() };
//! validate_name(&attrs.name)?;
//! let sealed_attrs = seal_attributes(&file_key, &file_id, &attrs, random_bytes());
//! let tag = name_tag(&root_key, &attrs.name);
//!
//! // Content: a header, then chunks (here a single, final one).
//! let (header, encryptor) =
//!     ContentEncryptor::new(&file_key, &file_id, &version_id, random_bytes(), DEFAULT_CHUNK_SIZE)?;
//! let mut chunk = content.clone();
//! encryptor.encrypt_chunk(0, true, &mut chunk)?;
//! let hashes = [chunk_hash(&chunk)];
//!
//! // The author signs the record; a reader verifies it before anything else.
//! let identity = Identity::from_seeds(random_bytes(), random_bytes());
//! let record = NodeRecord {
//!     node_id: file_id, parent_id: root_id, kind: sign::KIND_FILE,
//!     author_key: identity.signing_public(), name_tag: &tag, wrapped_key: &wrapped_file,
//!     encrypted_attributes: &sealed_attrs, version_id, content_header: &header,
//!     ciphertext_size: ciphertext_size(content.len() as u64, DEFAULT_CHUNK_SIZE),
//!     chunk_count: 1, chunk_list_hash: chunk_list_hash(&hashes),
//! };
//! let signature = record.sign(identity.signing_key());
//!
//! // Reading it back, in the order PROTOCOL.md §7 prescribes.
//! record.verify(&signature)?;
//! let root_key = unwrap_node_key(&master, &root_id, &[0; 16], &wrapped_root)?;
//! let file_key = unwrap_node_key(&root_key, &file_id, &root_id, record.wrapped_key)?;
//! let attrs = open_attributes(&file_key, &file_id, record.encrypted_attributes)?;
//! let decryptor = ContentDecryptor::new(&file_key, &file_id, &version_id, record.content_header)?;
//! assert_eq!(chunk_hash(&chunk), hashes[0]);
//! decryptor.decrypt_chunk(0, true, &mut chunk)?;
//! assert_eq!((attrs.name.as_str(), chunk), ("hello.txt", content));
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod account;
pub mod content;
pub mod error;
pub mod fingerprint;
pub mod keys;
pub mod link;
pub mod opaque;
pub mod seal;
pub mod share;
pub mod sign;
pub mod tree;
pub mod vectors;

pub use account::{Identity, KeyContainerParts, create_key_container, open_key_container};
pub use content::{
    ContentDecryptor, ContentEncryptor, DEFAULT_CHUNK_SIZE, HEADER_LEN, HeaderFields,
    MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, TAG_LEN, chunk_count, chunk_hash, chunk_list_hash,
    ciphertext_size, parse_header, plaintext_chunk_len,
};
pub use error::CryptoError;
pub use fingerprint::{Fingerprint, fingerprint};
pub use keys::{ExportKey, SymmetricKey, password_kek};
pub use link::{
    LINK_SALT_LEN, LINK_SECRET_LEN, LinkAccess, LinkKeys, LinkPasswordParams, LinkSecret,
    derive_link_keys, link_password_key, open_link_key, seal_link_key, verify_reported_link,
};
pub use opaque::{
    ClientLoginState, ClientRegistrationState, ServerSetup, client_login_finish,
    client_login_start, client_registration_finish, client_registration_start, server_login_finish,
    server_login_start, server_registration_finish, server_registration_start,
};
pub use rand_core::OsRng;
pub use seal::{Purpose, open, seal};
pub use share::{SealedShare, ShareGrant, SharePermission, open_share, seal_share, verify_share};
pub use sign::{NodeRecord, SigningKey, verify_records};
pub use tree::{
    Attributes, name_tag, open_attributes, seal_attributes, unwrap_node_key, validate_name,
    wrap_node_key,
};

/// `N` bytes from the operating system's CSPRNG, for keys, nonces, salts and ids.
///
/// # Panics
/// If the operating system has no working random source (`getrandom` fails), which is not a
/// state any caller can recover from safely.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    use rand_core::RngCore;
    let mut bytes = [0u8; N];
    OsRng.fill_bytes(&mut bytes);
    bytes
}
