//! Recognising an unfinished upload of the same file, so a new `put` finishes it instead of
//! starting over.
//!
//! A session is reused only when its preliminary attributes (sealed under its node key, so only
//! we can read them) name the same file name, size and modification time, it targets the same
//! node (a new file, or the same existing file at the same revision), and its content header is
//! exactly the one we rebuild from its salt: then re-encrypting a chunk gives the same bytes the
//! server already holds, because STREAM encryption is deterministic for one key, nonce and
//! plaintext. Chunks already received are re-encrypted only to learn their hashes for the chunk
//! list; the others are sent. If the file changed without its size or mtime changing, the chunk
//! list will not match at commit and the upload starts over (PROTOCOL.md §5.2 notes the nonce
//! reuse this implies for chunks the server never acknowledged).

use crate::verify::ParentRef;
use coffer_api::{Id, Upload};
use coffer_crypto::{Attributes, ContentEncryptor, HEADER_LEN, SymmetricKey};

/// Where the salt sits in a content header (PROTOCOL.md §5.1): after magic (4), version (1),
/// suite (1), chunk size (4), node id (16) and version id (16).
const SALT_RANGE: std::ops::Range<usize> = 42..74;

/// The file a `put` wants to upload.
#[derive(Debug, Clone)]
pub(crate) struct Wanted<'a> {
    pub name: &'a str,
    pub size: u64,
    pub mtime: Option<i64>,
    /// The existing file and revision this upload replaces, if any.
    pub replaces: Option<(Id, u64)>,
}

/// An open session we can read: its node key and preliminary attributes.
pub(crate) struct OpenSession {
    pub upload: Upload,
    pub key: SymmetricKey,
    pub attrs: Attributes,
}

/// Opens a listed session with the parent folder's key; `None` if it is not ours to read or
/// not consistent.
pub(crate) fn open_session(upload: Upload, parent: &ParentRef) -> Option<OpenSession> {
    if upload.parent_id != parent.id {
        return None;
    }
    let key = coffer_crypto::unwrap_node_key(
        &parent.key,
        &upload.node_id.0,
        &parent.id.0,
        &upload.wrapped_key,
    )
    .ok()?;
    let attrs =
        coffer_crypto::open_attributes(&key, &upload.node_id.0, &upload.encrypted_attributes)
            .ok()?;
    // The commit signs the session's name tag: it must be the tag of the name inside.
    if upload.name_tag[..] != coffer_crypto::name_tag(&parent.key, &attrs.name)[..] {
        return None;
    }
    Some(OpenSession { upload, key, attrs })
}

/// Whether session `s` (with preliminary attributes `attrs`) uploads exactly `wanted`.
pub(crate) fn matches(wanted: &Wanted<'_>, s: &Upload, attrs: &Attributes) -> bool {
    let same_target = match wanted.replaces {
        Some((id, revision)) => s.node_id == id && s.base_revision == Some(revision),
        None => s.base_revision.is_none(),
    };
    same_target
        && wanted.mtime.is_some()
        && attrs.name == wanted.name
        && attrs.size == Some(wanted.size)
        && attrs.mtime == wanted.mtime
}

/// The matching session that has the most chunks already, with the encryptor that reproduces
/// its header.
pub(crate) fn pick(
    wanted: &Wanted<'_>,
    sessions: Vec<OpenSession>,
) -> Option<(OpenSession, ContentEncryptor)> {
    let mut fitting: Vec<_> = sessions
        .into_iter()
        .filter(|s| matches(wanted, &s.upload, &s.attrs))
        .collect();
    fitting.sort_by_key(|s| std::cmp::Reverse(s.upload.received.len()));
    fitting.into_iter().find_map(|s| {
        let encryptor = rebuild_encryptor(&s)?;
        Some((s, encryptor))
    })
}

/// The encryptor of a session, if its header is exactly the one its salt and key give.
fn rebuild_encryptor(s: &OpenSession) -> Option<ContentEncryptor> {
    let header = &s.upload.header;
    if header.len() != HEADER_LEN {
        return None;
    }
    let salt: [u8; 32] = header[SALT_RANGE].try_into().ok()?;
    let u = &s.upload;
    let (rebuilt, encryptor) =
        ContentEncryptor::new(&s.key, &u.node_id.0, &u.version_id.0, salt, u.chunk_size).ok()?;
    (rebuilt[..] == header[..]).then_some(encryptor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_api::B64;

    fn upload(node: u8, base_revision: Option<u64>) -> Upload {
        Upload {
            id: Id([1; 16]),
            node_id: Id([node; 16]),
            parent_id: Id([3; 16]),
            version_id: Id([4; 16]),
            name_tag: B64(vec![]),
            wrapped_key: B64(vec![]),
            encrypted_attributes: B64(vec![]),
            header: B64(vec![]),
            chunk_size: 1 << 20,
            ciphertext_size: 16,
            chunk_count: 1,
            base_revision,
            received: vec![],
            created_at: 0,
            expires_at: 0,
        }
    }

    fn attrs(name: &str, size: u64, mtime: i64) -> Attributes {
        Attributes {
            name: name.into(),
            size: Some(size),
            mtime: Some(mtime),
            ..Attributes::default()
        }
    }

    #[test]
    fn matches_only_the_same_file_and_target() {
        let new = Wanted {
            name: "a.txt",
            size: 10,
            mtime: Some(99),
            replaces: None,
        };
        let a = attrs("a.txt", 10, 99);
        assert!(matches(&new, &upload(2, None), &a));
        assert!(!matches(&new, &upload(2, None), &attrs("b.txt", 10, 99)));
        assert!(!matches(&new, &upload(2, None), &attrs("a.txt", 11, 99)));
        assert!(!matches(&new, &upload(2, None), &attrs("a.txt", 10, 98)));
        assert!(
            !matches(&new, &upload(2, Some(5)), &a),
            "a replacement is not a new file"
        );

        let replace = Wanted {
            replaces: Some((Id([2; 16]), 5)),
            ..new.clone()
        };
        assert!(matches(&replace, &upload(2, Some(5)), &a));
        assert!(
            !matches(&replace, &upload(2, Some(4)), &a),
            "the file changed since"
        );
        assert!(!matches(&replace, &upload(9, Some(5)), &a), "another node");
        assert!(!matches(&replace, &upload(2, None), &a));

        let no_mtime = Wanted { mtime: None, ..new };
        let mut unknown = a.clone();
        unknown.mtime = None;
        assert!(
            !matches(&no_mtime, &upload(2, None), &unknown),
            "without an mtime nothing proves it is the same file"
        );
    }

    #[test]
    fn rebuilds_the_header_of_a_session_it_made() {
        let key = SymmetricKey::from_bytes([5; 32]);
        let mut u = upload(2, None);
        let (header, _) =
            ContentEncryptor::new(&key, &u.node_id.0, &u.version_id.0, [6; 32], u.chunk_size)
                .unwrap();
        u.header = B64(header);
        let s = OpenSession {
            upload: u,
            key,
            attrs: attrs("a", 1, 1),
        };
        assert!(rebuild_encryptor(&s).is_some());
        let mut tampered = s;
        tampered.upload.header.0[50] ^= 1;
        assert!(rebuild_encryptor(&tampered).is_none());
    }
}
