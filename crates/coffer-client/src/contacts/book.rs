//! The pin store: per server and account, the keys pinned for each contact, the highest grant
//! generation seen per share, and the former writers of unfinished key rotations.
//!
//! Kept in `contacts.json` beside the session file (0600, written atomically like it), keyed
//! by server URL and account id so that two accounts on one machine never share pins. A
//! [`Drive`](crate::Drive) opened without a [`SessionStore`] keeps its book in memory only.
//! Pins are never replaced silently: a lookup answering other keys is recorded beside the pin
//! (`changed`) until the user confirms the new keys after comparing fingerprints.

use crate::error::{ClientError, Result};
use crate::session_store::{SessionStore, seen_key};
use coffer_api::{B64, Id};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

const CONTACTS_FILE: &str = "contacts.json";
const FORMAT_VERSION: u32 = 1;

/// A pair of public keys as a lookup or a grant names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Keys {
    pub account_id: Id,
    pub signing_public: B64,
    pub agreement_public: B64,
}

impl Keys {
    pub fn signing(&self) -> Option<[u8; 32]> {
        self.signing_public[..].try_into().ok()
    }

    pub fn agreement(&self) -> Option<[u8; 32]> {
        self.agreement_public[..].try_into().ok()
    }
}

/// One pinned contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Pin {
    pub keys: Keys,
    /// The user compared fingerprints and confirmed these keys.
    pub verified: bool,
    /// Unix milliseconds, local clock.
    pub pinned_at: i64,
    /// Other keys a later lookup answered, kept until the user confirms or they go away.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<Keys>,
}

/// What one account on one server remembers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct AccountBook {
    #[serde(default)]
    pub contacts: BTreeMap<String, Pin>,
    /// Share id → highest grant generation seen (a lower one is a rollback).
    #[serde(default)]
    pub generations: BTreeMap<Id, u64>,
    /// Folder id → signing keys of writers removed from it whose rotation is not finished.
    #[serde(default)]
    pub rotations: BTreeMap<Id, Vec<B64>>,
    /// Own shares revoked from here: a server serving one of their grants again (a replay of
    /// a grant the account did sign) must not make a former writer's key trusted again.
    #[serde(default)]
    pub revoked: BTreeSet<Id>,
}

#[derive(Default, Serialize, Deserialize)]
struct BookFile {
    version: u32,
    #[serde(default)]
    accounts: BTreeMap<String, AccountBook>,
}

/// The book of one drive: its account's entry, in memory and (with a store) on disk.
pub(crate) struct ContactBook {
    store: Option<SessionStore>,
    key: String,
    state: Mutex<AccountBook>,
}

impl ContactBook {
    /// An empty book kept in memory only.
    pub fn in_memory() -> ContactBook {
        ContactBook {
            store: None,
            key: String::new(),
            state: Mutex::new(AccountBook::default()),
        }
    }

    /// The book of `account_id` on `server_url` in `store`'s directory.
    pub fn load(store: &SessionStore, server_url: &str, account_id: Id) -> Result<ContactBook> {
        let key = seen_key(server_url, account_id);
        let state = read_file(store)?.accounts.remove(&key).unwrap_or_default();
        Ok(ContactBook {
            store: Some(store.clone()),
            key,
            state: Mutex::new(state),
        })
    }

    /// A copy of the current state.
    pub fn snapshot(&self) -> AccountBook {
        self.lock().clone()
    }

    /// Changes the book with `change` and saves it (re-reading the file first, so another
    /// process's changes to other accounts survive). `change` returns its result.
    pub fn update<T>(&self, change: impl FnOnce(&mut AccountBook) -> T) -> Result<T> {
        let mut state = self.lock();
        let result = change(&mut state);
        if let Some(store) = &self.store {
            let mut file = read_file(store)?;
            file.version = FORMAT_VERSION;
            file.accounts.insert(self.key.clone(), state.clone());
            let json = serde_json::to_vec_pretty(&file)
                .map_err(|e| ClientError::Protocol(format!("cannot encode contacts: {e}")))?;
            store.write_private(CONTACTS_FILE, &json)?;
        }
        Ok(result)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, AccountBook> {
        // Each change is applied whole before the guard drops; a panic cannot leave half of one.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn read_file(store: &SessionStore) -> Result<BookFile> {
    let path = store.dir().join(CONTACTS_FILE);
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BookFile::default()),
        Err(e) => return Err(ClientError::io(path, e)),
    };
    let file: BookFile = serde_json::from_slice(&text).map_err(|_| {
        // Unlike seen.json, a damaged pin store is not replaced: that would forget every pin.
        ClientError::io(
            &path,
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "not a coffer contacts file",
            ),
        )
    })?;
    if file.version != FORMAT_VERSION {
        return Err(ClientError::io(
            &path,
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "unsupported contacts file version",
            ),
        ));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: u8) -> Keys {
        Keys {
            account_id: Id([n; 16]),
            signing_public: B64(vec![n; 32]),
            agreement_public: B64(vec![n + 1; 32]),
        }
    }

    fn pin(n: u8) -> Pin {
        Pin {
            keys: keys(n),
            verified: false,
            pinned_at: 5,
            changed: None,
        }
    }

    #[test]
    fn pins_survive_a_reload_and_accounts_do_not_share_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        let alice = ContactBook::load(&store, "http://s", Id([1; 16])).unwrap();
        let other = ContactBook::load(&store, "http://s", Id([2; 16])).unwrap();
        alice
            .update(|b| b.contacts.insert("bob@x".into(), pin(7)))
            .unwrap();
        other
            .update(|b| b.generations.insert(Id([3; 16]), 4))
            .unwrap();
        let again = ContactBook::load(&store, "http://s/", Id([1; 16])).unwrap();
        assert_eq!(again.snapshot().contacts["bob@x"], pin(7));
        assert!(again.snapshot().generations.is_empty());
        let other = ContactBook::load(&store, "http://s", Id([2; 16])).unwrap();
        assert!(other.snapshot().contacts.is_empty());
        assert_eq!(other.snapshot().generations[&Id([3; 16])], 4);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(CONTACTS_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_damaged_file_is_an_error_not_an_empty_book() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        std::fs::write(dir.path().join(CONTACTS_FILE), b"{oops").unwrap();
        assert!(ContactBook::load(&store, "http://s", Id([1; 16])).is_err());
    }
}
