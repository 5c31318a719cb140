//! Manifest reading: YAML streams, concatenated JSON, JSON arrays and `List`s. Accepted
//! documents render again in both formats, and what renders parses again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealer_core::manifest::{self, Format};
use sealer_fuzz::check_message;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match manifest::parse_documents(text) {
        Ok(docs) => {
            for doc in docs.iter() {
                let _ = manifest::shown_kind(doc);
                let _ = manifest::display_name(doc);
            }
            let all: Vec<_> = docs.iter().cloned().collect();
            for format in [Format::Yaml, Format::Json] {
                match manifest::render(&all, format) {
                    Ok(out) => {
                        let again = manifest::parse_documents(&out).unwrap_or_else(|e| {
                            panic!("rendered {format:?} does not parse again: {e}")
                        });
                        assert_eq!(again.len(), all.len(), "{format:?} changed the count");
                    }
                    Err(e) => check_message(data, &e.to_string(), 24, true),
                }
            }
        }
        Err(e) => check_message(data, &e.to_string(), 24, true),
    }
});
