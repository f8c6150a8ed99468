//! Contacts: other accounts' keys, pinned on first use and compared by fingerprint
//! (PROTOCOL.md §12.1).
//!
//! The server answers key lookups, so a first lookup is trust on first use; after that a
//! lookup naming other keys is never believed silently: the contact shows [`KeyChanged`]
//! until the user compares fingerprints out of band and confirms. Sharing always seals to the
//! pinned keys, and a share from a contact is accepted only under the pinned key.
//!
//! [`KeyChanged`]: ContactStatus::KeyChanged

mod book;

pub(crate) use book::{ContactBook, Keys, Pin};

use crate::drive::Drive;
use crate::error::{ClientError, Result};
use crate::records::now_ms;
use coffer_api::{ErrorCode, PublicIdentity};
use coffer_crypto::Fingerprint;

/// A pinned contact as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub email: String,
    pub status: ContactStatus,
    /// The pinned keys' fingerprint (`"12345 67890 …"`).
    pub fingerprint: String,
    /// When the keys were pinned (Unix milliseconds, local clock).
    pub pinned_at: i64,
}

/// How far a contact's pinned keys are trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactStatus {
    /// The user compared fingerprints and confirmed.
    Verified,
    /// Pinned on first use, never compared.
    Unverified,
    /// The server now names other keys; nothing is shared with or accepted from them until the
    /// user compares `new_fingerprint` and confirms.
    KeyChanged { new_fingerprint: String },
}

/// What to compare out of band before confirming a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyView {
    pub email: String,
    /// The contact's fingerprint: of the new keys when they changed.
    pub theirs: Fingerprint,
    /// This account's own fingerprint (what the contact should see on their side).
    pub mine: Fingerprint,
    pub key_changed: bool,
}

/// Trimmed and lower-cased, as the server normalises.
pub(crate) fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn fingerprint_of(email: &str, keys: &Keys) -> Result<Fingerprint> {
    let bad = || ClientError::integrity(email.to_owned(), "a public key has the wrong length");
    let signing = keys.signing().ok_or_else(bad)?;
    let agreement = keys.agreement().ok_or_else(bad)?;
    Ok(coffer_crypto::fingerprint(email, &signing, &agreement))
}

pub(crate) fn contact_of(email: &str, pin: &Pin) -> Result<Contact> {
    let status = match (&pin.changed, pin.verified) {
        (Some(new), _) => ContactStatus::KeyChanged {
            new_fingerprint: fingerprint_of(email, new)?.to_string(),
        },
        (None, true) => ContactStatus::Verified,
        (None, false) => ContactStatus::Unverified,
    };
    Ok(Contact {
        email: email.to_owned(),
        status,
        fingerprint: fingerprint_of(email, &pin.keys)?.to_string(),
        pinned_at: pin.pinned_at,
    })
}

impl Drive {
    /// This account's own fingerprint (its email and keys).
    pub fn fingerprint(&self) -> Fingerprint {
        let s = self.session();
        coffer_crypto::fingerprint(
            &normalize_email(&s.email),
            &s.identity.signing_public(),
            &s.identity.agreement_public(),
        )
    }

    /// Looks `email` up and pins its keys if it has no pin yet. A pinned contact whose keys the
    /// server now names differently comes back as [`ContactStatus::KeyChanged`] (not an error):
    /// the pin stays.
    pub async fn contact_add(&self, email: &str) -> Result<Contact> {
        let email = normalize_email(email);
        let pin = self.refresh_contact(&email).await?;
        contact_of(&email, &pin)
    }

    /// Every pinned contact, each compared with what the server names now.
    pub async fn contacts(&self) -> Result<Vec<Contact>> {
        let emails: Vec<String> = self
            .inner
            .contacts
            .snapshot()
            .contacts
            .into_keys()
            .collect();
        let mut out = Vec::with_capacity(emails.len());
        for email in emails {
            let pin = match self.refresh_contact(&email).await {
                Ok(pin) => pin,
                // An account that is gone keeps its pin; shown as it was.
                Err(ClientError::UnknownAccount(_)) => {
                    match self.inner.contacts.snapshot().contacts.remove(&email) {
                        Some(pin) => pin,
                        None => continue,
                    }
                }
                Err(e) => return Err(e),
            };
            out.push(contact_of(&email, &pin)?);
        }
        Ok(out)
    }

    /// The fingerprints to compare before [`Drive::contact_confirm`] (pins on first use).
    pub async fn contact_verify(&self, email: &str) -> Result<VerifyView> {
        let email = normalize_email(email);
        let pin = self.refresh_contact(&email).await?;
        let shown = pin.changed.as_ref().unwrap_or(&pin.keys);
        Ok(VerifyView {
            theirs: fingerprint_of(&email, shown)?,
            mine: self.fingerprint(),
            key_changed: pin.changed.is_some(),
            email,
        })
    }

    /// Marks `email` verified, pinning the keys the server names now (after a key change, the
    /// new ones: the user accepts them having seen their fingerprint). With `expected`, only if
    /// those keys' fingerprint is these digits (white space ignored), else
    /// [`ClientError::FingerprintMismatch`] and nothing changes.
    pub async fn contact_confirm(&self, email: &str, expected: Option<&str>) -> Result<Contact> {
        let email = normalize_email(email);
        let pin = self.refresh_contact(&email).await?;
        let current = pin.changed.clone().unwrap_or(pin.keys.clone());
        if let Some(digits) = expected {
            if !fingerprint_of(&email, &current)?.matches_digits(digits) {
                return Err(ClientError::FingerprintMismatch { email });
            }
        }
        let confirmed = Pin {
            pinned_at: if pin.changed.is_some() {
                now_ms()
            } else {
                pin.pinned_at
            },
            keys: current,
            verified: true,
            changed: None,
        };
        let saved = confirmed.clone();
        self.inner
            .contacts
            .update(|b| b.contacts.insert(email.clone(), saved))?;
        // Shares accepted or refused under the old key are decided again.
        self.forget_shares();
        contact_of(&email, &confirmed)
    }

    /// The pin of `email` (normalised), without asking the server.
    pub(crate) fn pinned(&self, email: &str) -> Option<Pin> {
        self.inner.contacts.snapshot().contacts.remove(email)
    }

    /// Looks `email` up and records the answer: a first pin, a key change beside the pin, or
    /// (the server names the pinned keys again) no change. Returns the pin.
    pub(crate) async fn refresh_contact(&self, email: &str) -> Result<Pin> {
        let found = self.lookup_keys(email).await?;
        if let Some(pin) = self.pinned(email) {
            let changed = (pin.keys != found).then_some(&found);
            if pin.changed.as_ref() == changed {
                // Nothing new: no write.
                return Ok(pin);
            }
        }
        self.inner.contacts.update(|book| {
            let pin = book
                .contacts
                .entry(email.to_owned())
                .or_insert_with(|| Pin {
                    keys: found.clone(),
                    verified: false,
                    pinned_at: now_ms(),
                    changed: None,
                });
            pin.changed = (pin.keys != found).then_some(found);
            pin.clone()
        })
    }

    /// The keys the server names for `email`, checked for shape and for the address.
    async fn lookup_keys(&self, email: &str) -> Result<Keys> {
        let identity: PublicIdentity =
            self.api()
                .lookup_account(email)
                .await
                .map_err(|e| match e.api_code() {
                    Some(ErrorCode::AccountNotFound | ErrorCode::NotFound) => {
                        ClientError::UnknownAccount(email.to_owned())
                    }
                    _ => e,
                })?;
        if normalize_email(&identity.email) != email {
            return Err(ClientError::integrity(
                email.to_owned(),
                "the server answered a key lookup for another address",
            ));
        }
        let keys = Keys {
            account_id: identity.account_id,
            signing_public: identity.signing_public,
            agreement_public: identity.agreement_public,
        };
        fingerprint_of(email, &keys)?;
        Ok(keys)
    }
}
