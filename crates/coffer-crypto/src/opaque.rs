//! OPAQUE password authentication (RFC 9807) with the cipher suite of `@serenity-kit/opaque`
//! 1.1.0, so that the browser and the Rust client register and log in against the same server
//! (PROTOCOL.md §3).
//!
//! - OPRF: ristretto255-SHA512; key exchange: 3DH over ristretto255 with SHA-512;
//! - key stretching: Argon2id v1.3, t = 3, m = 65536 KiB, p = 4, salt = 16 zero bytes,
//!   output 64 bytes (opaque-ke's `Ksf` impl for `argon2::Argon2` supplies the zero salt;
//!   [`CofferKsf`] supplies the parameters, which `Argon2::default()` does not have);
//! - no identities and no context: both sides use the defaults (the public keys).
//!
//! Every message crosses the wire as bytes; every state kept between two steps is an opaque
//! value (client) or bytes (server, so that a login can finish on another API server).
//! Parsing is strict: a message of the wrong length is `InvalidFormat`. A wrong password, a
//! server that is not the one registered with, or a tampered message is `AuthenticationFailed`.

mod suite;

pub use suite::{CofferKsf, CofferSuite};

use opaque_ke::errors::ProtocolError;
use opaque_ke::generic_array::typenum::Unsigned;
use opaque_ke::{
    ClientLogin, ClientLoginFinishParameters, ClientRegistration,
    ClientRegistrationFinishParameters, CredentialFinalization, CredentialFinalizationLen,
    CredentialRequest, CredentialRequestLen, CredentialResponse, CredentialResponseLen,
    RegistrationRequest, RegistrationRequestLen, RegistrationResponse, RegistrationResponseLen,
    RegistrationUpload, RegistrationUploadLen, ServerLogin, ServerLoginParameters,
    ServerRegistration, ServerRegistrationLen,
};
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::keys::ExportKey;

/// Client state between `client_registration_start` and `client_registration_finish`.
pub struct ClientRegistrationState(ClientRegistration<CofferSuite>);

/// Client state between `client_login_start` and `client_login_finish`.
pub struct ClientLoginState(ClientLogin<CofferSuite>);

/// The server's long-term OPAQUE secrets (OPRF seed, AKE key pair); zeroized on drop.
pub struct ServerSetup(opaque_ke::ServerSetup<CofferSuite>);

impl ServerSetup {
    /// Fresh secrets, made once per deployment and kept in the metadata store.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        ServerSetup(opaque_ke::ServerSetup::new(rng))
    }

    /// The secrets as bytes, to store (they are secret: protect them like a private key).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.serialize().to_vec()
    }

    /// Reads stored secrets.
    pub fn from_bytes(b: &[u8]) -> Result<Self, CryptoError> {
        let setup = opaque_ke::ServerSetup::<CofferSuite>::deserialize(b)
            .map_err(|_| CryptoError::InvalidFormat)?;
        if setup.serialize().len() != b.len() {
            return Err(CryptoError::InvalidFormat);
        }
        Ok(ServerSetup(setup))
    }
}

/// Refuses a message whose length is not the suite's fixed length for it (opaque-ke would
/// ignore trailing bytes).
fn exact<N: Unsigned>(bytes: &[u8]) -> Result<&[u8], CryptoError> {
    if bytes.len() == N::USIZE {
        Ok(bytes)
    } else {
        Err(CryptoError::InvalidFormat)
    }
}

/// Malformed messages are `InvalidFormat`; every other protocol failure is
/// `AuthenticationFailed` (no detail: it would be an oracle).
fn protocol_error<T>(e: ProtocolError<T>) -> CryptoError {
    match e {
        ProtocolError::SerializationError | ProtocolError::SizeError { .. } => {
            CryptoError::InvalidFormat
        }
        _ => CryptoError::AuthenticationFailed,
    }
}

fn parse<T, N: Unsigned>(
    bytes: &[u8],
    deserialize: impl FnOnce(&[u8]) -> Result<T, ProtocolError>,
) -> Result<T, CryptoError> {
    deserialize(exact::<N>(bytes)?).map_err(|_| CryptoError::InvalidFormat)
}

/// Client, registration step 1: blinds the password; send the request to the server.
pub fn client_registration_start(
    password: &[u8],
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(ClientRegistrationState, Vec<u8>), CryptoError> {
    let start = ClientRegistration::<CofferSuite>::start(rng, password).map_err(protocol_error)?;
    Ok((
        ClientRegistrationState(start.state),
        start.message.serialize().to_vec(),
    ))
}

/// Client, registration step 2: returns the upload for the server and the export key.
pub fn client_registration_finish(
    state: ClientRegistrationState,
    password: &[u8],
    response: &[u8],
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(Vec<u8>, ExportKey), CryptoError> {
    let response = parse::<_, RegistrationResponseLen<CofferSuite>>(
        response,
        RegistrationResponse::<CofferSuite>::deserialize,
    )?;
    let finish = state
        .0
        .finish(
            rng,
            password,
            response,
            ClientRegistrationFinishParameters::default(),
        )
        .map_err(protocol_error)?;
    let export_key = Zeroizing::new(finish.export_key);
    Ok((
        finish.message.serialize().to_vec(),
        ExportKey::from_slice(&export_key),
    ))
}

/// Client, login step 1: blinds the password; send the credential request to the server.
pub fn client_login_start(
    password: &[u8],
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(ClientLoginState, Vec<u8>), CryptoError> {
    let start = ClientLogin::<CofferSuite>::start(rng, password).map_err(protocol_error)?;
    Ok((
        ClientLoginState(start.state),
        start.message.serialize().to_vec(),
    ))
}

/// Client, login step 2: returns the finalization for the server and the export key.
/// Fails with `AuthenticationFailed` on a wrong password or a server that is not the one
/// registered with.
pub fn client_login_finish(
    state: ClientLoginState,
    password: &[u8],
    response: &[u8],
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(Vec<u8>, ExportKey), CryptoError> {
    let response = parse::<_, CredentialResponseLen<CofferSuite>>(
        response,
        CredentialResponse::<CofferSuite>::deserialize,
    )?;
    let finish = state
        .0
        .finish(
            rng,
            password,
            response,
            ClientLoginFinishParameters::default(),
        )
        .map_err(protocol_error)?;
    let export_key = Zeroizing::new(finish.export_key);
    Ok((
        finish.message.serialize().to_vec(),
        ExportKey::from_slice(&export_key),
    ))
}

/// Server, registration step 1: evaluates the OPRF for this credential identifier.
pub fn server_registration_start(
    setup: &ServerSetup,
    request: &[u8],
    credential_id: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let request = parse::<_, RegistrationRequestLen<CofferSuite>>(
        request,
        RegistrationRequest::<CofferSuite>::deserialize,
    )?;
    let start = ServerRegistration::<CofferSuite>::start(&setup.0, request, credential_id)
        .map_err(protocol_error)?;
    Ok(start.message.serialize().to_vec())
}

/// Server, registration step 2: turns the client's upload into the password file to store.
pub fn server_registration_finish(upload: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let upload = parse::<_, RegistrationUploadLen<CofferSuite>>(
        upload,
        RegistrationUpload::<CofferSuite>::deserialize,
    )?;
    Ok(ServerRegistration::finish(upload).serialize().to_vec())
}

/// Server, login step 1: returns the state to keep until `server_login_finish` and the
/// response for the client.
///
/// `password_file = None` for an unknown account: opaque-ke then answers with a fake record
/// (RFC 9807 §10.9: a random masking key and envelope, the server's real key pair and the
/// OPRF evaluated under the key derived for this credential identifier), which is as long and
/// as well-formed as a real response; the client's `finish` then fails as for a wrong password.
pub fn server_login_start(
    setup: &ServerSetup,
    password_file: Option<&[u8]>,
    request: &[u8],
    credential_id: &[u8],
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    let password_file = password_file
        .map(|file| {
            parse::<_, ServerRegistrationLen<CofferSuite>>(
                file,
                ServerRegistration::<CofferSuite>::deserialize,
            )
        })
        .transpose()?;
    let request = parse::<_, CredentialRequestLen<CofferSuite>>(
        request,
        CredentialRequest::<CofferSuite>::deserialize,
    )?;
    let start = ServerLogin::start(
        rng,
        &setup.0,
        password_file,
        request,
        credential_id,
        ServerLoginParameters::default(),
    )
    .map_err(protocol_error)?;
    Ok((
        start.state.serialize().to_vec(),
        start.message.serialize().to_vec(),
    ))
}

/// Server, login step 2: checks the client's finalization against the kept state.
/// `AuthenticationFailed` on a wrong password, an unknown account or a tampered message.
pub fn server_login_finish(state: &[u8], finalization: &[u8]) -> Result<(), CryptoError> {
    let state_bytes = state;
    let state = ServerLogin::<CofferSuite>::deserialize(state_bytes)
        .map_err(|_| CryptoError::InvalidFormat)?;
    if state.serialize().len() != state_bytes.len() {
        return Err(CryptoError::InvalidFormat);
    }
    let finalization = parse::<_, CredentialFinalizationLen<CofferSuite>>(
        finalization,
        CredentialFinalization::<CofferSuite>::deserialize,
    )?;
    state
        .finish(finalization, ServerLoginParameters::default())
        .map(|_| ())
        .map_err(protocol_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::password_kek;
    use rand_core::OsRng;

    const EMAIL: &[u8] = b"ada@example.org";

    fn register(setup: &ServerSetup, password: &[u8]) -> (Vec<u8>, ExportKey) {
        let (state, request) = client_registration_start(password, &mut OsRng).unwrap();
        let response = server_registration_start(setup, &request, EMAIL).unwrap();
        let (upload, export_key) =
            client_registration_finish(state, password, &response, &mut OsRng).unwrap();
        (server_registration_finish(&upload).unwrap(), export_key)
    }

    /// Runs a login; returns the client's result and, if it got that far, the server's.
    fn login(
        setup: &ServerSetup,
        file: Option<&[u8]>,
        password: &[u8],
    ) -> (
        Result<ExportKey, CryptoError>,
        Option<Result<(), CryptoError>>,
    ) {
        let (state, request) = client_login_start(password, &mut OsRng).unwrap();
        let (server_state, response) =
            server_login_start(setup, file, &request, EMAIL, &mut OsRng).unwrap();
        match client_login_finish(state, password, &response, &mut OsRng) {
            Ok((finalization, export_key)) => (
                Ok(export_key),
                Some(server_login_finish(&server_state, &finalization)),
            ),
            Err(e) => (Err(e), None),
        }
    }

    /// One test for the whole flow: each Argon2id run costs about a second in a debug build.
    #[test]
    fn registration_login_wrong_password_and_unknown_account() {
        let setup = ServerSetup::generate(&mut OsRng);
        let setup = ServerSetup::from_bytes(&setup.to_bytes()).unwrap();
        let (file, registered_key) = register(&setup, b"correct horse");
        assert_eq!(registered_key.as_bytes().len(), 64);

        let (client, server) = login(&setup, Some(&file), b"correct horse");
        let login_key = client.unwrap();
        assert_eq!(server, Some(Ok(())));
        assert_eq!(login_key.as_bytes(), registered_key.as_bytes());
        assert_eq!(
            password_kek(&login_key).as_bytes(),
            password_kek(&registered_key).as_bytes()
        );

        let (client, _) = login(&setup, Some(&file), b"wrong horse");
        assert_eq!(client.err(), Some(CryptoError::AuthenticationFailed));

        let (client, _) = login(&setup, None, b"correct horse");
        assert_eq!(client.err(), Some(CryptoError::AuthenticationFailed));
    }

    #[test]
    fn fake_response_looks_like_a_real_one_and_finalization_is_checked() {
        let setup = ServerSetup::generate(&mut OsRng);
        let (_, request) = client_login_start(b"pw", &mut OsRng).unwrap();
        let (state, response) =
            server_login_start(&setup, None, &request, EMAIL, &mut OsRng).unwrap();
        assert_eq!(response.len(), CredentialResponseLen::<CofferSuite>::USIZE);
        // A finalization that is not the client's MAC is refused.
        let forged = vec![0u8; CredentialFinalizationLen::<CofferSuite>::USIZE];
        assert_eq!(
            server_login_finish(&state, &forged),
            Err(CryptoError::AuthenticationFailed)
        );
    }

    #[test]
    fn malformed_messages_are_invalid_format() {
        let setup = ServerSetup::generate(&mut OsRng);
        let (_, request) = client_registration_start(b"pw", &mut OsRng).unwrap();
        let mut long = request.clone();
        long.push(0);
        let bad = Err(CryptoError::InvalidFormat);
        assert_eq!(server_registration_start(&setup, &long, EMAIL), bad);
        assert_eq!(server_registration_start(&setup, &[], EMAIL), bad);
        assert_eq!(server_registration_start(&setup, &[0xff; 32], EMAIL), bad);
        assert_eq!(server_registration_finish(&[0; 10]), bad);
        let (_, login_request) = client_login_start(b"pw", &mut OsRng).unwrap();
        assert_eq!(
            server_login_start(&setup, Some(&[1, 2, 3]), &login_request, EMAIL, &mut OsRng).err(),
            Some(CryptoError::InvalidFormat)
        );
        assert_eq!(
            server_login_start(&setup, None, &login_request[1..], EMAIL, &mut OsRng).err(),
            Some(CryptoError::InvalidFormat)
        );
        assert_eq!(
            server_login_finish(&[0; 3], &[0; 64]),
            Err(CryptoError::InvalidFormat)
        );
        assert!(ServerSetup::from_bytes(&[0; 5]).is_err());
        let mut setup_bytes = setup.to_bytes();
        setup_bytes.push(0);
        assert!(ServerSetup::from_bytes(&setup_bytes).is_err());
    }

    #[test]
    fn client_refuses_malformed_responses() {
        let (state, _) = client_login_start(b"pw", &mut OsRng).unwrap();
        assert_eq!(
            client_login_finish(state, b"pw", &[0; 10], &mut OsRng).err(),
            Some(CryptoError::InvalidFormat)
        );
        let (state, _) = client_registration_start(b"pw", &mut OsRng).unwrap();
        assert_eq!(
            client_registration_finish(state, b"pw", &[0; 64], &mut OsRng).err(),
            Some(CryptoError::InvalidFormat)
        );
    }
}
