//! Digests that let a controller restart without re-decrypting: a SealedSecret's
//! *source digest* (a plain hash of what it says: ciphertexts and template, nothing
//! secret) and a *produced digest* recorded on the Secret made from it, authenticated
//! with a secret derived from the private key, so it can neither be forged by someone
//! who edits the Secret nor be used to guess a value offline.
//!
//! Checking costs two SHA-256 passes and one HMAC: no RSA operation.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::keys::{KeyRing, PrivateKey};
use crate::manifest;
use crate::scope::{ANNOTATION_CLUSTER_WIDE, ANNOTATION_NAMESPACE_WIDE};

/// Version prefix of produced digests.
const VERSION: &str = "v1";

/// Recursively sorted copy of a JSON value, so equal objects hash equally whatever the
/// key order they were read in.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), canonical(&m[k]));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// SHA-256 (hex) over what decides the Secret a SealedSecret produces: its name,
/// namespace, scope annotations and whole `spec`. Holds no secret.
pub fn source_digest(sealed: &Value) -> String {
    let scope: Map<String, Value> = [ANNOTATION_CLUSTER_WIDE, ANNOTATION_NAMESPACE_WIDE]
        .iter()
        .filter_map(|k| manifest::annotation(sealed, k).map(|v| ((*k).to_owned(), Value::from(v))))
        .collect();
    let subject = serde_json::json!({
        "name": manifest::meta_str(sealed, "name"),
        "namespace": manifest::meta_str(sealed, "namespace"),
        "scope": scope,
        "spec": sealed.get("spec").map(canonical),
    });
    hex::encode(Sha256::digest(subject.to_string().as_bytes()))
}

fn message(source: &str, secret_type: Option<&str>, data: &BTreeMap<String, &[u8]>) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(source.as_bytes());
    h.update([0]);
    h.update(secret_type.unwrap_or("").as_bytes());
    h.update([0]);
    for (k, v) in data {
        h.update((k.len() as u64).to_be_bytes());
        h.update(k.as_bytes());
        h.update((v.len() as u64).to_be_bytes());
        h.update(v);
    }
    h.finalize().to_vec()
}

/// The digest to record on a Secret produced from a SealedSecret whose source digest is
/// `source`, with `data` as produced: `v1:<key fingerprint prefix>:<hex HMAC>`.
pub fn produced_digest(
    key: &PrivateKey,
    source: &str,
    secret_type: Option<&str>,
    data: &BTreeMap<String, &[u8]>,
) -> String {
    let tag = key.authenticate(&message(source, secret_type, data));
    format!(
        "{VERSION}:{}:{}",
        &key.fingerprint()[..16],
        hex::encode(tag)
    )
}

/// Whether `recorded` (a produced digest) vouches that a Secret with `data` and
/// `secret_type` is what the SealedSecret with source digest `source` produces. False for
/// an unknown key, a changed SealedSecret, or a Secret edited since.
pub fn verify_produced(
    keys: &KeyRing,
    recorded: &str,
    source: &str,
    secret_type: Option<&str>,
    data: &BTreeMap<String, &[u8]>,
) -> bool {
    let mut parts = recorded.splitn(3, ':');
    let (Some(VERSION), Some(fp), Some(tag)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Ok(tag) = hex::decode(tag) else {
        return false;
    };
    let msg = message(source, secret_type, data);
    keys.keys()
        .iter()
        .filter(|k| k.fingerprint().starts_with(fp) && fp.len() == 16)
        .any(|k| k.verify_tag(&msg, &tag))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::generate_key;

    #[test]
    fn source_digest_ignores_key_order_but_not_content() {
        let a: Value = serde_json::from_str(
            r#"{"metadata":{"name":"n","namespace":"ns"},"spec":{"encryptedData":{"a":"1","b":"2"}}}"#,
        )
        .unwrap();
        let b: Value = serde_json::from_str(
            r#"{"spec":{"encryptedData":{"b":"2","a":"1"}},"metadata":{"namespace":"ns","name":"n","labels":{"x":"y"}}}"#,
        )
        .unwrap();
        assert_eq!(source_digest(&a), source_digest(&b));
        let mut c = a.clone();
        c["spec"]["encryptedData"]["a"] = Value::from("2");
        assert_ne!(source_digest(&a), source_digest(&c));
        let mut d = a.clone();
        d["metadata"]["annotations"] = serde_json::json!({ANNOTATION_CLUSTER_WIDE: "true"});
        assert_ne!(source_digest(&a), source_digest(&d));
    }

    #[test]
    fn produced_digest_detects_edits_and_needs_the_key() {
        let k = generate_key(2048, 1, 1_800_000_000).unwrap();
        let other = generate_key(2048, 1, 1_800_000_000).unwrap();
        let data: BTreeMap<String, &[u8]> = [("p".to_owned(), &b"v"[..])].into();
        let d = produced_digest(&k.key, "src", Some("Opaque"), &data);
        let fp = k.key.fingerprint();
        let ring = KeyRing::new(crate::keys::load_private_keys(k.key_pem.as_bytes(), "k").unwrap());
        assert!(verify_produced(&ring, &d, "src", Some("Opaque"), &data));
        let edited: BTreeMap<String, &[u8]> = [("p".to_owned(), &b"w"[..])].into();
        assert!(!verify_produced(&ring, &d, "src", Some("Opaque"), &edited));
        assert!(!verify_produced(&ring, &d, "src2", Some("Opaque"), &data));
        assert!(!verify_produced(&ring, &d, "src", None, &data));
        let other_ring =
            KeyRing::new(crate::keys::load_private_keys(other.key_pem.as_bytes(), "o").unwrap());
        assert!(!verify_produced(
            &other_ring,
            &d,
            "src",
            Some("Opaque"),
            &data
        ));
        // Forging with a guessed tag fails.
        let forged = format!("v1:{}:{}", &fp[..16], "00".repeat(32));
        assert!(!verify_produced(
            &ring,
            &forged,
            "src",
            Some("Opaque"),
            &data
        ));
        assert!(!verify_produced(
            &ring,
            "garbage",
            "src",
            Some("Opaque"),
            &data
        ));
    }

    #[test]
    fn the_derived_secret_is_the_same_for_pkcs1_and_pkcs8_encodings_of_a_key() {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        use rsa::pkcs8::EncodePrivateKey;
        let k = generate_key(2048, 1, 1_800_000_000).unwrap();
        let pkcs8 = rsa::PrivateKey::from_pkcs1_pem(&k.key_pem)
            .unwrap()
            .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
            .unwrap();
        let a = crate::keys::load_private_keys(k.key_pem.as_bytes(), "a").unwrap();
        let b = crate::keys::load_private_keys(pkcs8.as_bytes(), "b").unwrap();
        assert_eq!(a[0].authenticate(b"m"), b[0].authenticate(b"m"));
        assert_eq!(a[0].authenticate(b"m"), k.key.authenticate(b"m"));
    }
}
