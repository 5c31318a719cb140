//! `SealedValue::parse`: any text is refused with a clean message or parsed into a value
//! whose base64 form parses back to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealer_core::SealedValue;
use sealer_fuzz::check_message;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match SealedValue::parse(&text, "k") {
        Ok(value) => {
            let again = SealedValue::parse(&value.to_base64(), "k")
                .unwrap_or_else(|e| panic!("the value's own base64 form is refused: {e}"));
            assert_eq!(
                again.to_bytes(),
                value.to_bytes(),
                "round trip changed the value"
            );
            assert!(value.rsa_block_len() <= value.to_bytes().len());
        }
        Err(e) => check_message(data, &e.to_string(), 16, false),
    }
});
