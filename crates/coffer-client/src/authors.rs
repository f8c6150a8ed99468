//! Which author keys may sign the records of a folder's children (PROTOCOL.md §7, §12.3).
//!
//! A verified folder passes its [`Authors`] to its children, so every way of reading a tree
//! (walks, listings, downloads, batch verification) applies the same trust: the own drive's
//! root trusts the account's key; a share root trusts its owner's pinned key. Write grants add
//! their recipient's key from the granted folder down: the set carries the grants (folder id →
//! keys, each grant's signature already checked against the owner's key) and [`Authors::below`]
//! widens it on the way down. A key the server names is never trusted for being named.

use coffer_api::Id;
use std::collections::HashMap;
use std::sync::Arc;

/// The keys trusted to sign children of one folder, and the write grants further down.
#[derive(Clone, Debug)]
pub(crate) struct Authors {
    keys: Arc<Vec<[u8; 32]>>,
    grants: Arc<HashMap<Id, Vec<[u8; 32]>>>,
}

impl Authors {
    /// Only `key` (the own drive without shares, a public link).
    pub fn single(key: [u8; 32]) -> Authors {
        Authors::with_grants(key, HashMap::new())
    }

    /// `key` everywhere, and each grant's keys from its folder down.
    pub fn with_grants(key: [u8; 32], grants: HashMap<Id, Vec<[u8; 32]>>) -> Authors {
        Authors {
            keys: Arc::new(vec![key]),
            grants: Arc::new(grants),
        }
    }

    /// Whether a record signed by `key` is accepted here.
    pub fn trusts(&self, key: &[u8]) -> bool {
        self.keys.iter().any(|k| k[..] == *key)
    }

    /// The set for the children of `folder`, a child of the folder this set is for: the same,
    /// plus the keys of write grants on `folder` itself.
    pub fn below(&self, folder: Id) -> Authors {
        let Some(extra) = self.grants.get(&folder) else {
            return self.clone();
        };
        let mut keys = (*self.keys).clone();
        for key in extra {
            if !keys.contains(key) {
                keys.push(*key);
            }
        }
        Authors {
            keys: Arc::new(keys),
            grants: self.grants.clone(),
        }
    }

    /// The same set, also trusting `extra` everywhere (a rotation reading nodes a former writer
    /// signed, §12.5).
    pub fn also(&self, extra: &[[u8; 32]]) -> Authors {
        let mut keys = (*self.keys).clone();
        for key in extra {
            if !keys.contains(key) {
                keys.push(*key);
            }
        }
        Authors {
            keys: Arc::new(keys),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_apply_from_their_folder_down() {
        let (own, bob, carol) = ([1; 32], [2; 32], [3; 32]);
        let (shared, nested, other) = (Id([1; 16]), Id([2; 16]), Id([3; 16]));
        let grants = HashMap::from([(shared, vec![bob]), (nested, vec![carol, bob])]);
        let root = Authors::with_grants(own, grants);
        assert!(root.trusts(&own) && !root.trusts(&bob));
        let s = root.below(shared);
        assert!(s.trusts(&own) && s.trusts(&bob) && !s.trusts(&carol));
        let n = s.below(nested);
        assert!(n.trusts(&carol) && n.trusts(&bob));
        assert!(!root.below(other).trusts(&bob));
        assert!(!root.trusts(&[1; 31]));
        assert!(root.also(&[carol]).trusts(&carol));
    }
}
