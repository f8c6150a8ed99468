//! Uploading one local file: find or create the upload session, send the missing chunks with
//! bounded concurrency, commit with the final attributes and the signed record.

use super::TransferId;
use super::TransferOptions;
use super::commit::{commit_request, final_attributes};
use super::resume::{OpenSession, Wanted, open_session, pick};
use super::source::ChunkSource;
use crate::drive::Drive;
use crate::error::{ClientError, Result};
use crate::records::{fresh_id, fresh_key};
use crate::verify::{ParentRef, VerifiedNode, verify_child};
use bytes::Bytes;
use coffer_api::{B64, CreateUpload, ErrorCode, Id, Upload};
use coffer_crypto::{Attributes, ContentEncryptor, DEFAULT_CHUNK_SIZE, SymmetricKey, random_bytes};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::task::JoinSet;

/// One file to upload into a verified folder.
pub(crate) struct UploadJob {
    pub local: PathBuf,
    pub parent: ParentRef,
    pub name: String,
    /// The file at that name, which gets a new version.
    pub existing: Option<ExistingFile>,
    /// The parent's open upload sessions, when the caller listed them already (folder uploads
    /// list once per folder); `None`: list them now.
    pub open_sessions: Option<Arc<Vec<Upload>>>,
}

/// What replacing the content of an existing file keeps from it.
pub(crate) struct ExistingFile {
    pub id: Id,
    pub revision: u64,
    pub key: SymmetricKey,
    pub wrapped_key: B64,
    /// Attribute fields this client does not know, preserved (PROTOCOL.md §6).
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl ExistingFile {
    pub fn of(node: &VerifiedNode) -> ExistingFile {
        ExistingFile {
            id: node.id(),
            revision: node.node.revision,
            key: node.key.clone(),
            wrapped_key: node.node.wrapped_key.clone(),
            extra: node.attrs.extra.clone(),
        }
    }
}

/// The session being filled: the server's view plus the keys to finish it.
struct Session {
    upload: Upload,
    key: SymmetricKey,
    encryptor: ContentEncryptor,
}

impl Drive {
    /// Uploads `job`, resuming a matching unfinished session if there is one.
    pub(crate) async fn upload_file(
        &self,
        job: &UploadJob,
        opts: &TransferOptions,
    ) -> Result<VerifiedNode> {
        let meta = std::fs::metadata(&job.local).map_err(|e| ClientError::io(&job.local, e))?;
        let (size, mtime) = (meta.len(), mtime_ms(&meta));
        let id = TransferId::next();
        let drive_path = job.parent.path.join(&job.name)?;
        opts.progress
            .file_started(id, &drive_path.to_string(), size);
        let wanted = Wanted {
            name: &job.name,
            size,
            mtime,
            replaces: job.existing.as_ref().map(|e| (e.id, e.revision)),
        };
        let listed = match &job.open_sessions {
            Some(list) => list.as_ref().clone(),
            None => self.api().uploads(job.parent.id).await?.items,
        };
        let opened: Vec<OpenSession> = listed
            .into_iter()
            .filter_map(|u| open_session(u, &job.parent))
            .collect();
        if let Some((s, encryptor)) = pick(&wanted, opened) {
            let upload_id = s.upload.id;
            // The listing may be older than this file's turn (folder uploads): ask again which
            // chunks arrived.
            let mut upload = s.upload;
            upload.received = self.api().upload(upload_id).await?.received;
            let session = Session {
                upload,
                key: s.key,
                encryptor,
            };
            match self
                .fill_and_commit(job, session, size, mtime, opts, id)
                .await
            {
                Err(e) if is_stale_session(&e) => {
                    // The file changed without its size or mtime changing, or the session
                    // ended meanwhile: start over with a fresh one.
                    let _ = self.api().delete_upload(upload_id).await;
                }
                done => return done,
            }
        }
        let session = self.create_session(job, size, mtime).await?;
        self.fill_and_commit(job, session, size, mtime, opts, id)
            .await
    }

    async fn create_session(
        &self,
        job: &UploadJob,
        size: u64,
        mtime: Option<i64>,
    ) -> Result<Session> {
        let parent = &job.parent;
        let (node_id, key, wrapped) = match &job.existing {
            Some(e) => (e.id, e.key.clone(), e.wrapped_key.clone()),
            None => {
                let (id, key) = (fresh_id(), fresh_key());
                let wrapped = coffer_crypto::wrap_node_key(
                    &parent.key,
                    &id.0,
                    &parent.id.0,
                    &key,
                    random_bytes(),
                );
                (id, key, B64(wrapped))
            }
        };
        let version_id = fresh_id();
        let (header, encryptor) = ContentEncryptor::new(
            &key,
            &node_id.0,
            &version_id.0,
            random_bytes(),
            DEFAULT_CHUNK_SIZE,
        )
        .map_err(|e| ClientError::Protocol(format!("cannot build a content header: {e}")))?;
        let preliminary = Attributes {
            name: job.name.clone(),
            size: Some(size),
            mtime,
            ..Attributes::default()
        };
        let sealed = coffer_crypto::seal_attributes(&key, &node_id.0, &preliminary, random_bytes());
        let request = CreateUpload {
            node_id,
            parent_id: parent.id,
            version_id,
            name_tag: B64(coffer_crypto::name_tag(&parent.key, &job.name).to_vec()),
            wrapped_key: wrapped,
            encrypted_attributes: B64(sealed),
            header: B64(header),
            chunk_size: DEFAULT_CHUNK_SIZE,
            ciphertext_size: coffer_crypto::ciphertext_size(size, DEFAULT_CHUNK_SIZE),
            chunk_count: coffer_crypto::chunk_count(size, DEFAULT_CHUNK_SIZE),
            base_revision: job.existing.as_ref().map(|e| e.revision),
        };
        let upload = self
            .api()
            .create_upload(&request)
            .await
            .map_err(|e| target_error(e, job))?;
        Ok(Session {
            upload,
            key,
            encryptor,
        })
    }

    /// Sends every chunk the server lacks, then commits.
    async fn fill_and_commit(
        &self,
        job: &UploadJob,
        session: Session,
        size: u64,
        mtime: Option<i64>,
        opts: &TransferOptions,
        id: TransferId,
    ) -> Result<VerifiedNode> {
        let Session {
            upload,
            key,
            encryptor,
        } = session;
        let chunk_size = encryptor.chunk_size();
        if upload.chunk_count != coffer_crypto::chunk_count(size, chunk_size)
            || upload.ciphertext_size != coffer_crypto::ciphertext_size(size, chunk_size)
        {
            return Err(ClientError::Protocol(
                "the upload session has other sizes".into(),
            ));
        }
        let received: HashSet<u64> = upload.received.iter().copied().collect();
        let mut source = ChunkSource::open(&job.local, size, encryptor)?;
        let mut hashes = Vec::with_capacity(usize::try_from(upload.chunk_count).unwrap_or(0));
        // Dropping the set (on error or cancel) aborts the requests still running.
        let mut in_flight = JoinSet::new();
        loop {
            opts.cancel.check()?;
            while in_flight.len() >= opts.chunk_slots() {
                join_one(&mut in_flight).await?;
            }
            let permit = Arc::clone(&self.inner.chunk_buffers)
                .acquire_owned()
                .await
                .expect("invariant: the chunk buffer semaphore is never closed");
            let (back, next) = source.next_async().await;
            source = back;
            let Some(chunk) = next? else { break };
            hashes.push(chunk.hash);
            if received.contains(&chunk.index) {
                opts.progress.skipped(id, chunk.plaintext_len);
                continue;
            }
            let (api, progress, upload_id) =
                (self.api().clone(), Arc::clone(&opts.progress), upload.id);
            in_flight.spawn(async move {
                let body = Bytes::from(chunk.ciphertext);
                api.put_chunk(upload_id, chunk.index, body, &chunk.hash)
                    .await?;
                drop(permit);
                progress.transferred(id, chunk.plaintext_len);
                Ok(())
            });
        }
        while !in_flight.is_empty() {
            join_one(&mut in_flight).await?;
        }
        let plaintext_hash = source.finish()?;
        opts.cancel.check()?;

        let attrs = final_attributes(job, size, mtime, &plaintext_hash);
        let commit = commit_request(
            &upload,
            &key,
            job.parent.id,
            &attrs,
            &hashes,
            &self.session().identity,
        );
        let node = self
            .api()
            .commit_upload(upload.id, &commit)
            .await
            .map_err(|e| target_error(e, job))?;
        opts.progress.file_finished(id);
        verify_child(node, &job.parent, self.author())
    }
}

/// Waits for one chunk request and surfaces its error.
async fn join_one(set: &mut JoinSet<Result<()>>) -> Result<()> {
    match set.join_next().await {
        Some(Ok(result)) => result,
        Some(Err(e)) => Err(ClientError::Protocol(format!("chunk task failed: {e}"))),
        None => Ok(()),
    }
}

/// Errors that mean a resumed session cannot be finished (but a fresh one may work).
fn is_stale_session(e: &ClientError) -> bool {
    matches!(
        e.api_code(),
        Some(
            ErrorCode::ChunkListMismatch
                | ErrorCode::ChunkConflict
                | ErrorCode::UploadExpired
                | ErrorCode::UploadCommitted
                | ErrorCode::NotFound
        )
    )
}

/// API errors about the upload's target, as path errors.
fn target_error(e: ClientError, job: &UploadJob) -> ClientError {
    let path = || {
        job.parent
            .path
            .join(&job.name)
            .map_or_else(|_| job.name.clone(), |p| p.to_string())
    };
    match e.api_code() {
        Some(ErrorCode::NameExists) => ClientError::AlreadyExists(path()),
        Some(ErrorCode::RevisionConflict) => ClientError::Conflict(path()),
        Some(ErrorCode::NotAFolder) => ClientError::NotAFolder(job.parent.path.to_string()),
        _ => e,
    }
}

/// A file's modification time in Unix milliseconds (negative before 1970).
pub(crate) fn mtime_ms(meta: &std::fs::Metadata) -> Option<i64> {
    let modified = meta.modified().ok()?;
    match modified.duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).ok(),
        Err(before) => i64::try_from(before.duration().as_millis())
            .ok()
            .map(|ms| -ms),
    }
}
