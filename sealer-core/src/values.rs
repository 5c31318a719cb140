//! The plaintext values of a Secret, shared by sealing and template rendering.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::checks::check_secret_key;
use crate::error::{Error, Result};
use crate::manifest;

/// Plaintext values by key, wiped on drop.
pub type Values = BTreeMap<String, Zeroizing<Vec<u8>>>;

/// The values of a Secret: `data` (base64-decoded) then `stringData`, which wins. Every
/// key must be one Kubernetes accepts.
pub fn secret_values(secret: &Value) -> Result<Values> {
    let who = manifest::display_name(secret);
    let mut values = Values::new();
    if let Some(data) = secret.get("data").filter(|d| !d.is_null()) {
        let data = data.as_object().ok_or_else(|| Error::DataNotAMap {
            secret: who.clone(),
        })?;
        for (key, v) in data {
            check_secret_key(key)?;
            let text = match v {
                Value::String(s) => s.as_str(),
                Value::Null => "",
                _ => {
                    return Err(Error::DataValueNotAString {
                        secret: who,
                        key: key.clone(),
                    });
                }
            };
            let compact: Zeroizing<String> =
                Zeroizing::new(text.chars().filter(|c| !c.is_ascii_whitespace()).collect());
            let bytes = STANDARD
                .decode(compact.as_bytes())
                .map_err(|_| Error::BadBase64 {
                    secret: who.clone(),
                    key: key.clone(),
                })?;
            values.insert(key.clone(), Zeroizing::new(bytes));
        }
    }
    if let Some(string_data) = secret.get("stringData").filter(|d| !d.is_null()) {
        let string_data = string_data
            .as_object()
            .ok_or_else(|| Error::StringDataNotAMap {
                secret: who.clone(),
            })?;
        for (key, v) in string_data {
            check_secret_key(key)?;
            let bytes = match v {
                Value::String(s) => s.as_bytes().to_vec(),
                Value::Null => Vec::new(),
                _ => {
                    return Err(Error::StringDataValueNotAString {
                        secret: who,
                        key: key.clone(),
                    });
                }
            };
            values.insert(key.clone(), Zeroizing::new(bytes));
        }
    }
    Ok(values)
}
