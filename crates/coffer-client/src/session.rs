//! A logged-in session: the server, the account, the bearer token and the account's keys.
//!
//! The keys (master key, identity) exist only here, in memory, in zeroizing types; the session
//! file ([`crate::SessionStore`]) holds the master key like an SSH private key without a
//! passphrase, and the identity is re-opened from the key container with it on load.

use crate::error::{ClientError, Result};
use coffer_api::{B64, Id, KeyContainer};
use coffer_crypto::{Identity, Purpose, SymmetricKey};
use zeroize::Zeroizing;

/// Everything a logged-in client holds.
pub struct Session {
    pub(crate) server_url: String,
    pub(crate) email: String,
    pub(crate) account_id: Id,
    pub(crate) root_id: Id,
    pub(crate) token: Zeroizing<String>,
    /// Unix milliseconds, server clock.
    pub(crate) expires_at: i64,
    pub(crate) master_key: SymmetricKey,
    pub(crate) identity: Identity,
    /// The verified key container the keys came from (its generation is the freshness mark).
    pub(crate) key_container: KeyContainer,
}

impl std::fmt::Debug for Session {
    // Never the token or a key; not the email either (logs must not carry personal data).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("server_url", &self.server_url)
            .field("account_id", &self.account_id)
            .field("generation", &self.key_container.generation)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    pub fn email(&self) -> &str {
        &self.email
    }

    pub fn account_id(&self) -> Id {
        self.account_id
    }

    pub fn root_id(&self) -> Id {
        self.root_id
    }

    /// When the server stops accepting the token (Unix milliseconds).
    pub fn expires_at(&self) -> i64 {
        self.expires_at
    }

    /// The key container generation this session was opened with.
    pub fn generation(&self) -> u64 {
        self.key_container.generation
    }

    /// The account's Ed25519 public key, the author key of every node it signs.
    pub fn signing_public(&self) -> [u8; 32] {
        self.identity.signing_public()
    }

    /// The account's fingerprint (PROTOCOL.md §12.1): 30 digits in six groups, what a contact
    /// compares in `coffer contacts verify`.
    pub fn fingerprint(&self) -> String {
        coffer_crypto::fingerprint(
            &crate::contacts::normalize_email(&self.email),
            &self.identity.signing_public(),
            &self.identity.agreement_public(),
        )
        .to_string()
    }
}

/// Opens the identity seeds of `container` with the master key and checks that they derive the
/// container's public keys (PROTOCOL.md §8). Used when loading a saved session.
pub(crate) fn identity_from_container(
    master_key: &SymmetricKey,
    container: &KeyContainer,
) -> Result<Identity> {
    let broken = |what: &str| ClientError::integrity("the key container", what.to_owned());
    let mut ctx = Vec::with_capacity(64);
    ctx.extend_from_slice(&container.signing_public);
    ctx.extend_from_slice(&container.agreement_public);
    let seeds = coffer_crypto::open(
        master_key,
        Purpose::IdentityKeys,
        &ctx,
        &container.wrapped_identity,
    )
    .map_err(|_| broken("the identity keys do not open"))?;
    if seeds.len() != 64 {
        return Err(broken("the identity keys have the wrong length"));
    }
    let mut signing = Zeroizing::new([0u8; 32]);
    let mut agreement = Zeroizing::new([0u8; 32]);
    signing.copy_from_slice(&seeds[..32]);
    agreement.copy_from_slice(&seeds[32..]);
    let identity = Identity::from_seeds(*signing, *agreement);
    if identity.signing_public()[..] != container.signing_public[..]
        || identity.agreement_public()[..] != container.agreement_public[..]
    {
        return Err(broken("the identity keys do not match its public keys"));
    }
    Ok(identity)
}

/// The container as the crypto core wants it, refusing wrong field lengths.
pub(crate) fn container_parts(c: &KeyContainer) -> Result<coffer_crypto::KeyContainerParts> {
    let broken = || ClientError::integrity("the key container", "a field has the wrong length");
    Ok(coffer_crypto::KeyContainerParts {
        version: c.version,
        generation: c.generation,
        signing_public: c.signing_public[..].try_into().map_err(|_| broken())?,
        agreement_public: c.agreement_public[..].try_into().map_err(|_| broken())?,
        wrapped_master_key: c.wrapped_master_key.to_vec(),
        wrapped_identity: c.wrapped_identity.to_vec(),
        signature: c.signature[..].try_into().map_err(|_| broken())?,
    })
}

/// The wire form of a freshly created container.
pub(crate) fn container_wire(p: &coffer_crypto::KeyContainerParts) -> KeyContainer {
    KeyContainer {
        version: p.version,
        generation: p.generation,
        signing_public: B64(p.signing_public.to_vec()),
        agreement_public: B64(p.agreement_public.to_vec()),
        wrapped_master_key: B64(p.wrapped_master_key.clone()),
        wrapped_identity: B64(p.wrapped_identity.clone()),
        signature: B64(p.signature.to_vec()),
    }
}
