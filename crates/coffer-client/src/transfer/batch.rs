//! Small files in batches (PROTOCOL.md §9.1): a file of at most 64 KiB is read whole, encrypted
//! as its one chunk, signed, and committed with up to a few hundred others in one request that
//! the server writes in one transaction. Three requests and a blob per file become one request
//! per batch.
//!
//! The server answers the nodes it stored. Each must be exactly the record this client signed
//! (compared field by field), so the answer needs no signature check of its own.

use super::commit::{NewVersion, final_attributes, signed_version};
use super::upload::UploadJob;
use super::{TransferId, TransferOptions};
use crate::authors::Authors;
use crate::drive::Drive;
use crate::error::{ClientError, Result};
use crate::path::DrivePath;
use crate::records::{fresh_id, fresh_key};
use crate::verify::VerifiedNode;
use coffer_api::{B64, ContentInfo, Id, MAX_SMALL_FILE, Node, NodeKind, SmallFile, SmallFileBatch};
use coffer_crypto::{Attributes, ContentEncryptor, DEFAULT_CHUNK_SIZE, Identity, SymmetricKey};
use futures::{StreamExt, TryStreamExt};
use std::io::Read;

/// Most files in one batch request.
const BATCH_FILES: usize = 256;
/// Most plaintext bytes in one batch request (the body is base64 JSON, a third larger).
const BATCH_BYTES: u64 = 4 << 20;
/// Batch requests in flight at once: one being sealed or answered while the server commits
/// another.
const BATCHES_IN_FLIGHT: usize = 2;

/// Whether a file of `size` bytes goes through a batch rather than an upload session.
pub(crate) fn is_small(size: u64) -> bool {
    size <= MAX_SMALL_FILE
}

/// Splits jobs (with their sizes) into batches by count and bytes, keeping their order.
fn into_batches<T>(jobs: Vec<(T, u64)>) -> Vec<Vec<T>> {
    let mut batches: Vec<Vec<T>> = Vec::new();
    let mut bytes = 0;
    for (job, size) in jobs {
        match batches.last_mut() {
            Some(batch) if batch.len() < BATCH_FILES && bytes + size <= BATCH_BYTES => {
                bytes += size;
                batch.push(job);
            }
            _ => {
                bytes = size;
                batches.push(vec![job]);
            }
        }
    }
    batches
}

/// A small file read, encrypted and signed; what its node will be once committed.
struct Sealed {
    file: SmallFile,
    /// The drive path of the folder it goes into.
    parent_path: DrivePath,
    /// The keys the folder trusts (a file is no folder: passed on for uniformity).
    authors: Authors,
    key: SymmetricKey,
    attrs: Attributes,
    size: u64,
    progress: TransferId,
}

/// What reading and sealing a job gave: ready for a batch, or grown past the small-file limit
/// since it was listed (it goes through a session instead).
enum Prepared {
    Sealed(Box<Sealed>),
    TooBig(Box<UploadJob>),
}

impl Drive {
    /// Uploads small files in batches; each job's file should be at most [`MAX_SMALL_FILE`]
    /// bytes (one that grew meanwhile is uploaded in a session); each comes with its listed size.
    pub(crate) async fn upload_small_files(
        &self,
        jobs: Vec<(UploadJob, u64)>,
        opts: &TransferOptions,
    ) -> Result<Vec<VerifiedNode>> {
        let done: Vec<Vec<VerifiedNode>> = futures::stream::iter(into_batches(jobs))
            .map(|batch| self.upload_batch(batch, opts))
            .buffered(BATCHES_IN_FLIGHT)
            .try_collect()
            .await?;
        Ok(done.into_iter().flatten().collect())
    }

    /// One batch: sealed on a blocking thread, committed in one request, checked.
    async fn upload_batch(
        &self,
        jobs: Vec<UploadJob>,
        opts: &TransferOptions,
    ) -> Result<Vec<VerifiedNode>> {
        opts.cancel.check()?;
        let identity = self.session().identity.clone();
        let progress = opts.progress.clone();
        let prepared = tokio::task::spawn_blocking(move || {
            jobs.into_iter()
                .map(|job| prepare(job, &identity, progress.as_ref()))
                .collect::<Result<Vec<_>>>()
        })
        .await
        .map_err(|e| ClientError::Protocol(format!("sealing task failed: {e}")))??;

        let mut sealed = Vec::with_capacity(prepared.len());
        let mut too_big = Vec::new();
        for p in prepared {
            match p {
                Prepared::Sealed(s) => sealed.push(*s),
                Prepared::TooBig(job) => too_big.push(*job),
            }
        }
        let mut nodes = Vec::with_capacity(sealed.len() + too_big.len());
        if !sealed.is_empty() {
            nodes.extend(self.commit_batch(sealed, opts).await?);
        }
        for job in too_big {
            nodes.push(self.upload_file(&job, opts).await?);
        }
        Ok(nodes)
    }

    /// Sends sealed files as one batch and checks the answer against them.
    async fn commit_batch(
        &self,
        sealed: Vec<Sealed>,
        opts: &TransferOptions,
    ) -> Result<Vec<VerifiedNode>> {
        opts.cancel.check()?;
        let batch = SmallFileBatch {
            files: sealed.iter().map(|s| s.file.clone()).collect(),
        };
        let answered = self.api().commit_small_files(&batch).await?.items;
        if answered.len() != sealed.len() {
            return Err(ClientError::integrity(
                "the small-file batch",
                "the server answered another number of files",
            ));
        }
        let mut nodes = Vec::with_capacity(sealed.len());
        for (node, file) in answered.into_iter().zip(sealed) {
            let path = file.parent_path.join(&file.attrs.name)?;
            if !is_signed_record(&node, &file.file) {
                return Err(ClientError::integrity(
                    path.to_string(),
                    "the server stored another record than the one signed",
                ));
            }
            opts.progress.transferred(file.progress, file.size);
            opts.progress.file_finished(file.progress);
            nodes.push(VerifiedNode {
                node,
                key: file.key,
                attrs: file.attrs,
                path,
                authors: file.authors,
            });
        }
        Ok(nodes)
    }
}

/// Reads the job's file whole (it must still be small), encrypts it as one chunk, and signs
/// its record.
fn prepare(
    job: UploadJob,
    identity: &Identity,
    progress: &dyn super::ProgressSink,
) -> Result<Prepared> {
    let mut file = std::fs::File::open(&job.local).map_err(|e| ClientError::io(&job.local, e))?;
    let meta = file
        .metadata()
        .map_err(|e| ClientError::io(&job.local, e))?;
    let mut content =
        Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).min(1 << 16) + 16);
    (&mut file)
        .take(MAX_SMALL_FILE + 1)
        .read_to_end(&mut content)
        .map_err(|e| ClientError::io(&job.local, e))?;
    let size = content.len() as u64;
    if !is_small(size) {
        return Ok(Prepared::TooBig(Box::new(job)));
    }
    let mtime = super::upload::mtime_ms(&meta);
    let parent = &job.parent;
    let (node_id, key, wrapped_key) = file_key(&job);
    let version_id = fresh_id();
    let (header, encryptor) = ContentEncryptor::new(
        &key,
        &node_id.0,
        &version_id.0,
        coffer_crypto::random_bytes(),
        DEFAULT_CHUNK_SIZE,
    )
    .map_err(|e| ClientError::Protocol(format!("cannot build a content header: {e}")))?;
    let plaintext_hash = *blake3::hash(&content).as_bytes();
    encryptor
        .encrypt_chunk(0, true, &mut content)
        .map_err(|e| ClientError::Protocol(format!("cannot encrypt: {e}")))?;
    let chunk_hash = coffer_crypto::chunk_hash(&content);
    let attrs = final_attributes(&job, size, mtime, &plaintext_hash);
    let name_tag = coffer_crypto::name_tag(&parent.key, &job.name).to_vec();
    let version = NewVersion {
        node_id,
        parent_id: parent.id,
        name_tag: &name_tag,
        wrapped_key: &wrapped_key,
        version_id,
        header: &header,
        ciphertext_size: content.len() as u64,
        chunk_count: 1,
    };
    let signed = signed_version(&version, &key, &attrs, &[chunk_hash], identity);
    let id = TransferId::next();
    progress.file_started(id, &parent.path.join(&job.name)?.to_string(), size);
    Ok(Prepared::Sealed(Box::new(Sealed {
        file: SmallFile {
            node_id,
            parent_id: parent.id,
            version_id,
            name_tag: B64(name_tag),
            wrapped_key,
            encrypted_attributes: signed.encrypted_attributes,
            header: B64(header),
            chunk_size: DEFAULT_CHUNK_SIZE,
            chunk_list_hash: signed.chunk_list_hash,
            author_key: signed.author_key,
            signature: signed.signature,
            base_revision: job.existing.as_ref().map(|e| e.revision),
            content: B64(content),
        },
        parent_path: parent.path.clone(),
        authors: parent.authors.clone(),
        key,
        attrs,
        size,
        progress: id,
    })))
}

/// The node id, key and wrapped key of the job's file: a new file's fresh ones; a new version
/// of an existing file keeps the file's id and key (PROTOCOL.md §12.5).
///
/// Keeping the key is what keeps a public link to the file (which seals that key) showing the
/// newest version; the content key is still fresh per version (a random salt). The price,
/// stated in THREAT_MODEL.md: a former member of a share who kept a file's key could read
/// later versions of that file if it ever obtained their ciphertext, which the server no
/// longer serves to it.
pub(crate) fn file_key(job: &UploadJob) -> (Id, SymmetricKey, B64) {
    if let Some(e) = &job.existing {
        return (e.id, e.key.clone(), e.wrapped_key.clone());
    }
    let id = fresh_id();
    let key = fresh_key();
    let parent = &job.parent;
    let wrapped = coffer_crypto::wrap_node_key(
        &parent.key,
        &id.0,
        &parent.id.0,
        &key,
        coffer_crypto::random_bytes(),
    );
    (id, key, B64(wrapped))
}

/// Whether the server's node is exactly the record `sent` (every signed field, and the
/// content's), so it is authentic because this client signed it.
fn is_signed_record(node: &Node, sent: &SmallFile) -> bool {
    let content = ContentInfo {
        version_id: sent.version_id,
        header: sent.header.clone(),
        chunk_size: sent.chunk_size,
        ciphertext_size: sent.content.len() as u64,
        chunk_count: 1,
        chunk_list_hash: sent.chunk_list_hash.clone(),
    };
    node.id == sent.node_id
        && node.parent_id == Some(sent.parent_id)
        && node.kind == NodeKind::File
        && node.author_key == sent.author_key
        && node.name_tag == sent.name_tag
        && node.wrapped_key == sent.wrapped_key
        && node.encrypted_attributes == sent.encrypted_attributes
        && node.signature == sent.signature
        && node.content.as_ref() == Some(&content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_version_keeps_id_and_key_and_a_new_file_draws_fresh_ones() {
        use crate::authors::Authors;
        use crate::transfer::upload::ExistingFile;
        let parent = crate::verify::ParentRef {
            id: Id([1; 16]),
            key: SymmetricKey::from_bytes([2; 32]),
            path: DrivePath::root(),
            authors: Authors::single([6; 32]),
        };
        let mut job = UploadJob {
            local: "f".into(),
            parent: parent.clone(),
            name: "f".into(),
            existing: Some(ExistingFile {
                id: Id([3; 16]),
                revision: 1,
                key: SymmetricKey::from_bytes([4; 32]),
                wrapped_key: B64(vec![5; 93]),
                extra: serde_json::Map::new(),
            }),
            open_sessions: None,
        };
        let (id, key, wrapped) = file_key(&job);
        assert_eq!(
            (id, *key.as_bytes(), wrapped),
            (Id([3; 16]), [4; 32], B64(vec![5; 93]))
        );
        job.existing = None;
        let (id, key, wrapped) = file_key(&job);
        let (again, other, _) = file_key(&job);
        assert_ne!(id, again);
        assert_ne!(key.as_bytes(), other.as_bytes());
        let opened = coffer_crypto::unwrap_node_key(&parent.key, &id.0, &parent.id.0, &wrapped);
        assert_eq!(opened.unwrap().as_bytes(), key.as_bytes());
    }

    #[test]
    fn batches_are_bounded_by_count_and_bytes_and_keep_order() {
        let sizes: Vec<u64> = (0..600)
            .map(|i| if i < 10 { MAX_SMALL_FILE } else { 100 })
            .collect();
        let total = sizes.len();
        let batches_of = |sizes: &[u64]| -> Vec<usize> {
            let jobs = sizes.iter().map(|&s| (s, s)).collect();
            into_batches(jobs).iter().map(Vec::len).collect()
        };
        let lens = batches_of(&sizes);
        assert_eq!(lens.iter().sum::<usize>(), total);
        assert!(lens.iter().all(|&n| n <= BATCH_FILES));
        assert_eq!(lens, vec![256, 256, 88]);
        // 4 MiB of 64 KiB files: 64 per batch.
        let big = vec![MAX_SMALL_FILE; 130];
        assert_eq!(batches_of(&big), vec![64, 64, 2]);
        assert!(batches_of(&[]).is_empty());
    }
}
