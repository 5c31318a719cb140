//! The template renderer. The first line of the input is a template; every further line
//! `key=value` a value. Values are plaintext secrets: a refusal must not repeat 12 bytes
//! of any of them (unless the template holds the same bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealer_core::template;
use sealer_core::values::Values;
use sealer_fuzz::{MAX_MESSAGE, repeated, unframed};
use zeroize::Zeroizing;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (tpl, rest) = text.split_once('\n').unwrap_or((text, ""));
    let mut values = Values::new();
    for line in rest.lines() {
        if let Some((k, v)) = line.split_once('=') {
            values.insert(k.to_owned(), Zeroizing::new(v.as_bytes().to_vec()));
        }
    }
    let templates = [("out", tpl), ("copy", tpl)];
    match template::render_templates(&templates, &values) {
        Ok(out) => {
            let total: usize = out.values().map(|v| v.len()).sum();
            assert!(
                total <= 1024 * 1024,
                "rendered {total} bytes, past the Secret limit"
            );
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                !message.contains('\n'),
                "message is not one line: {message:?}"
            );
            assert!(
                message.len() <= MAX_MESSAGE,
                "message of {} bytes",
                message.len()
            );
            // The list of supported functions is fixed text; a value may hold the same.
            let message = message
                .split_once(" (supported: ")
                .map_or(message.as_str(), |(head, _)| head);
            for value in values.values() {
                // A message may quote the template (it is not secret: it is committed in
                // the SealedSecret); a run that is also in the template proves nothing.
                if let Some(run) = repeated(value, message, 12, false)
                    .filter(|run| memchr::memmem::find(tpl.as_bytes(), unframed(run)).is_none())
                {
                    panic!(
                        "message repeats a value {:?}: {message:?}",
                        String::from_utf8_lossy(run)
                    );
                }
            }
        }
    }
});
