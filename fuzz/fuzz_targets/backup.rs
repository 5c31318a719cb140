//! Backup reading, plain and passphrase-encrypted. A crafted header must be refused
//! before it costs memory (`fuzz/run` runs this target under a malloc limit just above
//! the largest Argon2 memory accepted).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealer_core::backup;
use sealer_fuzz::check_message;

fuzz_target!(|data: &[u8]| {
    match backup::read_backup(data, Some(b"fuzz passphrase"), "fuzz") {
        Ok(keys) => assert!(!keys.is_empty(), "a backup without keys was accepted"),
        Err(e) => check_message(data, &e.to_string(), 24, true),
    }
});
