//! The OPAQUE cipher suite (RFC 9807 §4): the one `@serenity-kit/opaque` 1.1.0 uses, so that
//! browser and Rust clients derive the same export keys from the same password and server.
//!
//! Only the key-stretching function needs code here: opaque-ke's `Ksf` impl for
//! `argon2::Argon2` hashes with a 16-byte all-zero salt and the instance's parameters, and
//! `Argon2::default()` has other parameters (m = 19 MiB, t = 2, p = 1) than the browser's.

use opaque_ke::errors::InternalError;
use opaque_ke::generic_array::{ArrayLength, GenericArray};
use opaque_ke::ksf::Ksf;

/// The OPAQUE cipher suite of coffer (identical to `@serenity-kit/opaque` 1.1.0).
pub struct CofferSuite;

impl opaque_ke::CipherSuite for CofferSuite {
    type OprfCs = opaque_ke::Ristretto255;
    type KeyExchange = opaque_ke::TripleDh<opaque_ke::Ristretto255, sha2::Sha512>;
    type Ksf = CofferKsf;
}

/// Argon2id v1.3 with t = 3, m = 65536 KiB, p = 4 (and opaque-ke's 16 zero bytes of salt).
pub struct CofferKsf(argon2::Argon2<'static>);

impl CofferKsf {
    /// Memory cost in KiB.
    pub const M_COST: u32 = 65536;
    /// Number of passes.
    pub const T_COST: u32 = 3;
    /// Degree of parallelism.
    pub const P_COST: u32 = 4;
}

impl Default for CofferKsf {
    fn default() -> Self {
        let params = argon2::Params::new(Self::M_COST, Self::T_COST, Self::P_COST, None)
            .expect("m = 65536 KiB, t = 3, p = 4 are valid Argon2 parameters");
        CofferKsf(argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            params,
        ))
    }
}

impl Ksf for CofferKsf {
    fn hash<L: ArrayLength<u8>>(
        &self,
        input: GenericArray<u8, L>,
    ) -> Result<GenericArray<u8, L>, InternalError> {
        self.0.hash(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opaque_ke::generic_array::typenum::U64;

    #[test]
    fn ksf_is_argon2id_v13_t3_m64mib_p4_with_zero_salt() {
        let input = GenericArray::<u8, U64>::from([7u8; 64]);
        let ours = CofferKsf::default().hash(input).unwrap();
        let params = argon2::Params::new(65536, 3, 4, Some(64)).unwrap();
        let mut expected = [0u8; 64];
        argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
            .hash_password_into(&[7u8; 64], &[0u8; 16], &mut expected)
            .unwrap();
        assert_eq!(ours.as_slice(), &expected[..]);
    }
}
