//! Backup reading, plain and passphrase-encrypted. A crafted header must be refused
//! before it costs memory (`fuzz/run` runs this target under a malloc limit just above
//! the largest Argon2 memory accepted). A refusal may state the header's parameters; it
//! must not repeat the body or, for the plain form, the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealer_core::backup;
use sealer_fuzz::check_message;

fuzz_target!(|data: &[u8]| {
    match backup::read_backup(data, Some(b"fuzz passphrase"), "fuzz") {
        Ok(keys) => assert!(!keys.is_empty(), "a backup without keys was accepted"),
        Err(e) => {
            // The header of the encrypted form is parameters, which a refusal states
            // (`asks for Argon2id m=... t=...`); what must never come back is the body.
            let secret = if backup::is_encrypted(data) {
                memchr::memmem::find(data, b"\n\n").map_or(data, |at| &data[at..])
            } else {
                data
            };
            check_message(secret, &e.to_string(), 24, true)
        }
    }
});
