//! Micro-benchmarks of the crypto core: what one chunk, one seal and one listed node cost on
//! one core. Run with `cargo bench -p coffer-bench` (never part of `cargo test`).
//!
//! - `chunk/encrypt_1MiB`, `chunk/decrypt_1MiB`: STREAM AES-256-GCM over one full chunk
//!   (PROTOCOL.md §5); the upper bound of a single-core transfer pipeline.
//! - `chunk/hash_1MiB`: BLAKE3 of one ciphertext chunk (the client hashes every chunk it sends;
//!   the server re-hashes every chunk it receives).
//! - `seal/seal_attributes`, `seal/open_attributes`: the key-committing seal of a typical
//!   attribute blob (§4).
//! - `node/verify_signature`: Ed25519 verification of one node record (§7).
//! - `node/verify_path`: everything a listing does per entry: signature, key unwrap,
//!   attributes, name tag (§7) — the cost that bounds a 100,000-entry listing.
//! - `node/verify_batch_2500`: the signatures of 2,500 records by one author verified at once
//!   (`verify_records`), as a listing verifies each half of a 5,000-entry page.

use coffer_crypto::{
    Attributes, ContentDecryptor, ContentEncryptor, DEFAULT_CHUNK_SIZE, Identity, NodeRecord,
    SymmetricKey, chunk_hash, name_tag, open_attributes, seal_attributes, unwrap_node_key,
    wrap_node_key,
};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

const NODE_ID: [u8; 16] = [7; 16];
const PARENT_ID: [u8; 16] = [8; 16];
const VERSION_ID: [u8; 16] = [9; 16];

fn plaintext_chunk() -> Vec<u8> {
    (0..DEFAULT_CHUNK_SIZE as usize)
        .map(|i| (i * 31 % 251) as u8)
        .collect()
}

fn chunk(c: &mut Criterion) {
    let key = SymmetricKey::from_bytes([1; 32]);
    let (header, encryptor) =
        ContentEncryptor::new(&key, &NODE_ID, &VERSION_ID, [2; 32], DEFAULT_CHUNK_SIZE)
            .expect("the default chunk size is valid");
    let decryptor = ContentDecryptor::new(&key, &NODE_ID, &VERSION_ID, &header)
        .expect("a header just made opens");
    let plain = plaintext_chunk();
    let mut sealed = plain.clone();
    encryptor
        .encrypt_chunk(0, false, &mut sealed)
        .expect("a full chunk encrypts");

    let mut group = c.benchmark_group("chunk");
    group.throughput(Throughput::Bytes(plain.len() as u64));
    group.bench_function("encrypt_1MiB", |b| {
        b.iter_batched_ref(
            || {
                let mut buf = plain.clone();
                buf.reserve_exact(coffer_crypto::TAG_LEN);
                buf
            },
            |buf| encryptor.encrypt_chunk(0, false, buf).expect("encrypts"),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("decrypt_1MiB", |b| {
        b.iter_batched_ref(
            || sealed.clone(),
            |buf| decryptor.decrypt_chunk(0, false, buf).expect("decrypts"),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("hash_1MiB", |b| b.iter(|| chunk_hash(black_box(&sealed))));
    group.finish();
}

fn attributes() -> Attributes {
    Attributes {
        name: "holiday-2025-photos-0042.jpg".into(),
        size: Some(3_456_789),
        mtime: Some(1_763_000_000_000),
        media_type: Some("image/jpeg".into()),
        ..Attributes::default()
    }
}

fn seal(c: &mut Criterion) {
    let key = SymmetricKey::from_bytes([3; 32]);
    let attrs = attributes();
    let sealed = seal_attributes(&key, &NODE_ID, &attrs, [4; 12]);
    let mut group = c.benchmark_group("seal");
    group.bench_function("seal_attributes", |b| {
        b.iter(|| seal_attributes(&key, &NODE_ID, black_box(&attrs), [4; 12]))
    });
    group.bench_function("open_attributes", |b| {
        b.iter(|| open_attributes(&key, &NODE_ID, black_box(&sealed)).expect("opens"))
    });
    group.finish();
}

/// A signed folder record as a listing receives it.
struct ListedNode {
    parent_key: SymmetricKey,
    author: [u8; 32],
    tag: [u8; 32],
    wrapped: Vec<u8>,
    sealed: Vec<u8>,
    signature: [u8; 64],
}

impl ListedNode {
    fn new() -> ListedNode {
        let identity = Identity::from_seeds([5; 32], [6; 32]);
        let parent_key = SymmetricKey::from_bytes([10; 32]);
        let key = SymmetricKey::from_bytes([11; 32]);
        let attrs = Attributes {
            name: "e012345".into(),
            mtime: Some(1_763_000_000_000),
            ..Attributes::default()
        };
        let wrapped = wrap_node_key(&parent_key, &NODE_ID, &PARENT_ID, &key, [12; 12]);
        let sealed = seal_attributes(&key, &NODE_ID, &attrs, [13; 12]);
        let tag = name_tag(&parent_key, &attrs.name);
        let mut node = ListedNode {
            author: identity.signing_public(),
            parent_key,
            tag,
            wrapped,
            sealed,
            signature: [0; 64],
        };
        node.signature = node.record().sign(identity.signing_key());
        node
    }

    fn record(&self) -> NodeRecord<'_> {
        NodeRecord {
            node_id: NODE_ID,
            parent_id: PARENT_ID,
            kind: coffer_crypto::sign::KIND_FOLDER,
            author_key: self.author,
            name_tag: &self.tag,
            wrapped_key: &self.wrapped,
            encrypted_attributes: &self.sealed,
            version_id: [0; 16],
            content_header: &[],
            ciphertext_size: 0,
            chunk_count: 0,
            chunk_list_hash: [0; 32],
        }
    }

    /// The client's per-entry checks, in PROTOCOL.md §7's order.
    fn verify(&self) -> Attributes {
        self.record()
            .verify(&self.signature)
            .expect("signature verifies");
        let key = unwrap_node_key(&self.parent_key, &NODE_ID, &PARENT_ID, &self.wrapped)
            .expect("key unwraps");
        let attrs = open_attributes(&key, &NODE_ID, &self.sealed).expect("attributes open");
        assert_eq!(name_tag(&self.parent_key, &attrs.name), self.tag);
        attrs
    }
}

fn node(c: &mut Criterion) {
    let listed = ListedNode::new();
    let mut group = c.benchmark_group("node");
    group.bench_function("verify_signature", |b| {
        b.iter(|| {
            listed
                .record()
                .verify(black_box(&listed.signature))
                .expect("verifies")
        })
    });
    group.bench_function("verify_path", |b| b.iter(|| black_box(listed.verify())));
    let batch = SignedBatch::new(2500);
    let records = batch.records();
    group.throughput(Throughput::Elements(records.len() as u64));
    group.bench_function("verify_batch_2500", |b| {
        b.iter(|| coffer_crypto::verify_records(black_box(&records)).expect("verifies"))
    });
    group.finish();
}

/// Records that differ by their name tag, each signed by one author.
struct SignedBatch {
    template: ListedNode,
    tags: Vec<[u8; 32]>,
    signatures: Vec<[u8; 64]>,
}

impl SignedBatch {
    fn new(n: usize) -> SignedBatch {
        let identity = Identity::from_seeds([5; 32], [6; 32]);
        let template = ListedNode::new();
        let tags: Vec<[u8; 32]> = (0..n)
            .map(|i| {
                let mut tag = template.tag;
                tag[..8].copy_from_slice(&(i as u64).to_be_bytes());
                tag
            })
            .collect();
        let signatures = (tags.iter())
            .map(|tag| {
                let record = NodeRecord {
                    name_tag: tag,
                    ..template.record()
                };
                record.sign(identity.signing_key())
            })
            .collect();
        SignedBatch {
            template,
            tags,
            signatures,
        }
    }

    fn records(&self) -> Vec<(NodeRecord<'_>, &[u8])> {
        (self.tags.iter().zip(&self.signatures))
            .map(|(tag, signature)| {
                let record = NodeRecord {
                    name_tag: tag,
                    ..self.template.record()
                };
                (record, &signature[..])
            })
            .collect()
    }
}

criterion_group!(benches, chunk, seal, node);
criterion_main!(benches);
