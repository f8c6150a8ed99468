//! Accounts: signup (OPAQUE registration, then the keys and the root folder), login (OPAQUE
//! login, then the key container opened and verified), logout and whoami.
//!
//! The password never leaves this module: OPAQUE sends only blinded values, and the key that
//! wraps the master key is derived from OPAQUE's export key, which the server never sees. The
//! master key and identity travel only wrapped (PROTOCOL.md §8).

use crate::error::{ClientError, Result};
use crate::http::Api;
use crate::records::{fresh_key, new_root};
use crate::session::{Session, container_parts, container_wire};
use crate::session_store::SessionStore;
use coffer_api::{B64, ErrorCode, Id, LoginFinishRequest, LoginStartRequest};
use coffer_api::{SignupFinishRequest, SignupStartRequest};
use coffer_crypto::{CryptoError, Identity, OsRng, random_bytes};
use zeroize::Zeroizing;

/// The generation of a brand-new key container.
const FIRST_GENERATION: u64 = 1;

/// What `whoami` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountStatus {
    pub server_url: String,
    pub email: String,
    pub account_id: Id,
    pub root_id: Id,
    pub generation: u64,
    /// Hex of the account's Ed25519 public key.
    pub fingerprint: String,
    /// Unix milliseconds.
    pub session_expires_at: i64,
}

/// Registers `email` with `password` on `server_url`, creates the account's keys and root
/// folder, then logs in and saves the session in `store`.
pub async fn signup(
    server_url: &str,
    email: &str,
    password: &[u8],
    store: &SessionStore,
) -> Result<Session> {
    let api = Api::new(server_url)?;
    let (state, request) =
        coffer_crypto::client_registration_start(password, &mut OsRng).map_err(local_crypto)?;
    let started = api
        .signup_start(&SignupStartRequest {
            email: email.to_owned(),
            registration_request: B64(request),
        })
        .await
        .map_err(|e| email_error(e, email))?;
    let (upload, export_key) = coffer_crypto::client_registration_finish(
        state,
        password,
        &started.registration_response,
        &mut OsRng,
    )
    .map_err(|_| ClientError::Protocol("the server's registration response is invalid".into()))?;
    let kek = coffer_crypto::password_kek(&export_key);
    let master_key = fresh_key();
    let identity = Identity::from_seeds(random_bytes(), random_bytes());
    let container = coffer_crypto::create_key_container(
        &kek,
        &master_key,
        &identity,
        FIRST_GENERATION,
        random_bytes(),
        random_bytes(),
    );
    let root = new_root(&master_key, &identity);
    let root_id = root.id;
    let finished = api
        .signup_finish(&SignupFinishRequest {
            email: email.to_owned(),
            registration_upload: B64(upload),
            key_container: container_wire(&container),
            root,
        })
        .await
        .map_err(|e| email_error(e, email))?;
    if finished.root_id != root_id {
        return Err(ClientError::Protocol(
            "the server created another root folder".into(),
        ));
    }
    login(server_url, email, password, store).await
}

/// Logs in, opens and verifies the key container, refuses a rollback to an older container
/// than `store` saw, and saves the session in `store`. An account with a second factor answers
/// [`ClientError::SecondFactorRequired`]: ask for the code and use [`login_with_code`].
pub async fn login(
    server_url: &str,
    email: &str,
    password: &[u8],
    store: &SessionStore,
) -> Result<Session> {
    login_with_code(server_url, email, password, None, store).await
}

/// [`login`] with the current code of the account's second factor (TOTP), if it has one. The
/// code is sent at the end, once the password proved right; a code works once.
pub async fn login_with_code(
    server_url: &str,
    email: &str,
    password: &[u8],
    totp: Option<&str>,
    store: &SessionStore,
) -> Result<Session> {
    let api = Api::new(server_url)?;
    let (state, request) =
        coffer_crypto::client_login_start(password, &mut OsRng).map_err(local_crypto)?;
    let started = api
        .login_start(&LoginStartRequest {
            email: email.to_owned(),
            credential_request: B64(request),
        })
        .await?;
    let (finalization, export_key) = coffer_crypto::client_login_finish(
        state,
        password,
        &started.credential_response,
        &mut OsRng,
    )
    .map_err(|e| match e {
        CryptoError::AuthenticationFailed => ClientError::Auth,
        _ => ClientError::Protocol("the server's login response is invalid".into()),
    })?;
    let session = api
        .login_finish(&LoginFinishRequest {
            login_id: started.login_id,
            credential_finalization: B64(finalization),
            totp: totp.map(|code| code.trim().to_owned()),
        })
        .await?;
    let token = Zeroizing::new(session.token.clone());
    let account = session.account;
    let kek = coffer_crypto::password_kek(&export_key);
    let (master_key, identity) =
        coffer_crypto::open_key_container(&kek, &container_parts(&account.key_container)?)
            .map_err(|_| {
                ClientError::integrity(
                    "the key container",
                    "it does not open or verify with this password",
                )
            })?;
    let seen = store.seen_generation(server_url, account.account_id)?;
    if account.key_container.generation < seen {
        return Err(ClientError::Rollback {
            offered: account.key_container.generation,
            seen,
        });
    }
    let session = Session {
        server_url: server_url.trim_end_matches('/').to_owned(),
        email: account.email,
        account_id: account.account_id,
        root_id: account.root_id,
        token,
        expires_at: session.expires_at,
        master_key,
        identity,
        key_container: account.key_container,
    };
    store.save(&session)?;
    Ok(session)
}

/// Revokes the session on the server (if it still accepts it) and deletes the session file.
pub async fn logout(session: &Session, store: &SessionStore) -> Result<()> {
    let api = Api::new(&session.server_url)?.with_token(&session.token);
    match api.logout().await {
        Ok(()) | Err(ClientError::NotLoggedIn) => {}
        Err(e) => return Err(e),
    }
    store.remove()?;
    Ok(())
}

/// Asks the server who this session belongs to and checks the answer against what the
/// session holds: same account and root, same signing key, no older key container.
pub async fn whoami(session: &Session, store: &SessionStore) -> Result<AccountStatus> {
    let api = Api::new(&session.server_url)?.with_token(&session.token);
    let account = api.account().await?;
    if account.account_id != session.account_id || account.root_id != session.root_id {
        return Err(ClientError::integrity(
            "the account",
            "the server describes another account",
        ));
    }
    let offered = account.key_container.generation;
    let seen = store
        .seen_generation(&session.server_url, session.account_id)?
        .max(session.generation());
    if offered < seen {
        return Err(ClientError::Rollback { offered, seen });
    }
    if offered == session.generation() && account.key_container != session.key_container {
        return Err(ClientError::integrity(
            "the account",
            "the key container changed without a new generation",
        ));
    }
    Ok(AccountStatus {
        server_url: session.server_url.clone(),
        email: account.email,
        account_id: account.account_id,
        root_id: account.root_id,
        generation: offered,
        fingerprint: session.fingerprint(),
        session_expires_at: session.expires_at,
    })
}

/// A local crypto failure before anything was sent (e.g. the RNG): not the server's fault.
fn local_crypto(e: CryptoError) -> ClientError {
    ClientError::Protocol(format!("OPAQUE failed locally: {e}"))
}

fn email_error(e: ClientError, email: &str) -> ClientError {
    match e.api_code() {
        Some(ErrorCode::EmailTaken) => ClientError::AlreadyExists(format!("account {email}")),
        _ => e,
    }
}
