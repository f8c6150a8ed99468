//! The session file and the freshness record, in a config directory.
//!
//! `session.json` holds the server URL, the account, the bearer token and the **master key**
//! (base64url) plus the key container: like an SSH private key without a passphrase, whoever can
//! read it can read the drive (docs/THREAT_MODEL.md says so). So the directory is created 0700,
//! the file 0600 from the moment it exists (never widened then narrowed), and it is written
//! atomically (temporary file, fsync, rename, fsync of the directory): a crash leaves the old
//! session or the new one, never half of one.
//!
//! `seen.json` remembers the highest key-container generation seen per server and account; it
//! outlives logout, so a server cannot roll an account back between two logins.
//!
//! `last.json` remembers the server and email of the last session; it outlives logout too, so
//! `coffer login` needs no `--server` the next time.

use crate::error::{ClientError, Result};
use crate::session::{Session, identity_from_container};
use coffer_api::{B64, Id, KeyContainer};
use coffer_crypto::SymmetricKey;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

const SESSION_FILE: &str = "session.json";
const SEEN_FILE: &str = "seen.json";
const LAST_FILE: &str = "last.json";
const FORMAT_VERSION: u32 = 1;

/// Where sessions are kept: one config directory.
#[derive(Debug, Clone)]
pub struct SessionStore {
    dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct SessionFile {
    version: u32,
    server_url: String,
    email: String,
    account_id: Id,
    root_id: Id,
    token: String,
    expires_at: i64,
    master_key: B64,
    key_container: KeyContainer,
}

/// The server and account of the last session saved here (kept after logout).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastUsed {
    pub server_url: String,
    pub email: String,
}

impl Drop for SessionFile {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.token);
        zeroize::Zeroize::zeroize(&mut self.master_key.0);
    }
}

impl SessionStore {
    pub fn new(dir: impl Into<PathBuf>) -> SessionStore {
        SessionStore { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The saved session, or `None` when there is none.
    pub fn load(&self) -> Result<Option<Session>> {
        let path = self.dir.join(SESSION_FILE);
        let text = match fs::read(&path) {
            Ok(text) => Zeroizing::new(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(ClientError::io(path, e)),
        };
        let corrupt = |why: &str| {
            ClientError::io(
                &path,
                std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_owned()),
            )
        };
        let file: SessionFile =
            serde_json::from_slice(&text).map_err(|_| corrupt("not a coffer session file"))?;
        if file.version != FORMAT_VERSION {
            return Err(corrupt("unsupported session file version"));
        }
        let key: [u8; 32] = file.master_key[..]
            .try_into()
            .map_err(|_| corrupt("bad master key"))?;
        let master_key = SymmetricKey::from_bytes(key);
        let identity = identity_from_container(&master_key, &file.key_container)
            .map_err(|_| corrupt("the keys do not match"))?;
        Ok(Some(Session {
            server_url: file.server_url.clone(),
            email: file.email.clone(),
            account_id: file.account_id,
            root_id: file.root_id,
            token: Zeroizing::new(file.token.clone()),
            expires_at: file.expires_at,
            master_key,
            identity,
            key_container: file.key_container.clone(),
        }))
    }

    /// Saves `session` (0600, atomically) and records its generation as seen.
    pub fn save(&self, session: &Session) -> Result<()> {
        let file = SessionFile {
            version: FORMAT_VERSION,
            server_url: session.server_url.clone(),
            email: session.email.clone(),
            account_id: session.account_id,
            root_id: session.root_id,
            token: session.token.to_string(),
            expires_at: session.expires_at,
            master_key: B64(session.master_key.as_bytes().to_vec()),
            key_container: session.key_container.clone(),
        };
        let json = Zeroizing::new(serde_json::to_vec_pretty(&file).expect("plain data encodes"));
        self.write_private(SESSION_FILE, &json)?;
        let last = LastUsed {
            server_url: session.server_url.clone(),
            email: session.email.clone(),
        };
        let json = serde_json::to_vec_pretty(&last).expect("plain data encodes");
        self.write_private(LAST_FILE, &json)?;
        self.record_generation(session)
    }

    /// The server and email of the last saved session, if any (a damaged record is ignored).
    pub fn last_used(&self) -> Result<Option<LastUsed>> {
        let path = self.dir.join(LAST_FILE);
        match fs::read(&path) {
            Ok(text) => Ok(serde_json::from_slice(&text).ok()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ClientError::io(path, e)),
        }
    }

    /// Deletes the session file; `false` if there was none.
    pub fn remove(&self) -> Result<bool> {
        let path = self.dir.join(SESSION_FILE);
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(ClientError::io(path, e)),
        }
    }

    /// The highest key-container generation seen for this account on this server (0: none).
    pub fn seen_generation(&self, server_url: &str, account_id: Id) -> Result<u64> {
        Ok(self
            .read_seen()?
            .get(&seen_key(server_url, account_id))
            .copied()
            .unwrap_or(0))
    }

    fn record_generation(&self, session: &Session) -> Result<()> {
        let mut seen = self.read_seen()?;
        let entry = seen
            .entry(seen_key(&session.server_url, session.account_id))
            .or_insert(0);
        if *entry >= session.generation() {
            return Ok(());
        }
        *entry = session.generation();
        let json = serde_json::to_vec_pretty(&seen).expect("a map of numbers encodes");
        self.write_private(SEEN_FILE, &json)
    }

    fn read_seen(&self) -> Result<BTreeMap<String, u64>> {
        let path = self.dir.join(SEEN_FILE);
        match fs::read(&path) {
            // A damaged record is replaced rather than blocking every login.
            Ok(text) => Ok(serde_json::from_slice(&text).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(ClientError::io(path, e)),
        }
    }

    /// Writes `name` atomically with mode 0600 in a 0700 directory.
    pub(crate) fn write_private(&self, name: &str, bytes: &[u8]) -> Result<()> {
        create_private_dir(&self.dir)?;
        let target = self.dir.join(name);
        let tmp = self.dir.join(format!(
            ".{name}.{}.tmp",
            hex::encode(coffer_crypto::random_bytes::<8>())
        ));
        let result = (|| {
            let mut f = private_file_options().open(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            fs::rename(&tmp, &target)?;
            fs::File::open(&self.dir)?.sync_all()
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map_err(|e| ClientError::io(&target, e))
    }
}

pub(crate) fn seen_key(server_url: &str, account_id: Id) -> String {
    format!("{} {account_id}", server_url.trim_end_matches('/'))
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| ClientError::io(dir, e))
}

fn private_file_options() -> fs::OpenOptions {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::container_wire;
    use coffer_crypto::Identity;

    fn session(generation: u64) -> Session {
        let master_key = SymmetricKey::from_bytes([1; 32]);
        let identity = Identity::from_seeds([2; 32], [3; 32]);
        let kek = SymmetricKey::from_bytes([4; 32]);
        let parts = coffer_crypto::create_key_container(
            &kek,
            &master_key,
            &identity,
            generation,
            [5; 12],
            [6; 12],
        );
        Session {
            server_url: "http://127.0.0.1:1".into(),
            email: "a@example.org".into(),
            account_id: Id([7; 16]),
            root_id: Id([8; 16]),
            token: Zeroizing::new("token".into()),
            expires_at: 42,
            master_key,
            identity,
            key_container: container_wire(&parts),
        }
    }

    #[test]
    fn saves_and_loads_a_session() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path().join("cfg"));
        assert!(store.load().unwrap().is_none());
        store.save(&session(1)).unwrap();
        let loaded = store.load().unwrap().unwrap();
        assert_eq!(loaded.email(), "a@example.org");
        assert_eq!(loaded.root_id(), Id([8; 16]));
        assert_eq!(&*loaded.token, "token");
        assert_eq!(loaded.master_key.as_bytes(), &[1; 32]);
        assert_eq!(loaded.signing_public(), session(1).signing_public());
        assert!(store.remove().unwrap());
        assert!(!store.remove().unwrap());
        assert!(store.load().unwrap().is_none());
    }

    #[cfg(unix)]
    #[test]
    fn session_file_is_private_and_no_temporary_file_remains() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path().join("cfg"));
        store.save(&session(1)).unwrap();
        store.save(&session(1)).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(store.dir()), 0o700);
        assert_eq!(mode(&store.dir().join(SESSION_FILE)), 0o600);
        assert_eq!(mode(&store.dir().join(SEEN_FILE)), 0o600);
        let names: Vec<_> = fs::read_dir(store.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    }

    #[test]
    fn remembers_the_highest_generation_across_logout() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        let s = session(3);
        assert_eq!(
            store.seen_generation(&s.server_url, s.account_id).unwrap(),
            0
        );
        store.save(&s).unwrap();
        store.save(&session(2)).unwrap();
        store.remove().unwrap();
        let url = format!("{}/", s.server_url);
        assert_eq!(store.seen_generation(&url, s.account_id).unwrap(), 3);
        assert_eq!(store.seen_generation(&url, Id([9; 16])).unwrap(), 0);
    }

    #[test]
    fn refuses_a_damaged_session_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        fs::write(dir.path().join(SESSION_FILE), b"{not json").unwrap();
        assert!(matches!(store.load(), Err(ClientError::Io { .. })));
        store.save(&session(1)).unwrap();
        let text = fs::read_to_string(dir.path().join(SESSION_FILE)).unwrap();
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        value["master_key"] = serde_json::json!(B64::encode(&[9; 32]));
        fs::write(dir.path().join(SESSION_FILE), value.to_string()).unwrap();
        assert!(
            store.load().is_err(),
            "a master key that does not open the identity"
        );
    }
}
