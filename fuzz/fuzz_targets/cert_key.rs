//! Certificate and private-key loading (PEM certificates and public keys; PKCS#1, PKCS#8,
//! key Secrets and `List`s of them). The input is key material, so a refusal must not
//! repeat any of it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealer_core::{SealingCert, keys};
use sealer_fuzz::check_message;

/// 2026-12-01T00:00:00Z, so expiry decisions do not depend on the day of the run.
const NOW: i64 = 1_796_083_200;

fuzz_target!(|data: &[u8]| {
    match SealingCert::from_pem(data, NOW) {
        Ok(cert) => {
            assert!(
                cert.bits() >= 2048,
                "a {}-bit key was accepted",
                cert.bits()
            );
            assert_eq!(cert.fingerprint().len(), 64);
        }
        Err(e) => check_message(data, &e.to_string(), 24, true),
    }
    match keys::load_private_keys(data, "fuzz") {
        Ok(loaded) => {
            for key in &loaded {
                assert!(key.bits() >= 2048, "a {}-bit key was accepted", key.bits());
            }
        }
        Err(e) => check_message(data, &e.to_string(), 24, true),
    }
});
