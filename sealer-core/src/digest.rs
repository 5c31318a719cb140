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

/// Version prefix of the first produced digests (no source, no identity in the tag);
/// still accepted for the in-sync check so that Secrets made before keep verifying.
const V1: &str = "v1";
/// Version prefix of produced digests:
/// `v2:<key fingerprint prefix>:<source>:<data tag>:<claim tag>`. The data tag binds the
/// Secret's namespace, name, source digest, type and data (the in-sync proof); the claim
/// tag binds its namespace, name and the uid of the SealedSecret that made it (the proof
/// of who may keep updating a Secret that has no owner reference).
const V2: &str = "v2";

/// The Secret a produced digest speaks for, and what it holds.
#[derive(Clone, Copy, Debug)]
pub struct Produced<'a> {
    /// The Secret's namespace.
    pub namespace: &'a str,
    /// The Secret's name.
    pub name: &'a str,
    /// Its `type`.
    pub secret_type: Option<&'a str>,
    /// Its data, by key.
    pub data: &'a BTreeMap<String, &'a [u8]>,
}

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

fn len_prefixed(h: &mut Sha256, parts: &[&str]) {
    for part in parts {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
}

fn message_v2(source: &str, p: &Produced<'_>) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"sealer-data-v2\0");
    len_prefixed(&mut h, &[p.namespace, p.name]);
    h.update(message(source, p.secret_type, p.data));
    h.finalize().to_vec()
}

fn claim_message(namespace: &str, name: &str, owner_uid: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"sealer-claim-v2\0");
    len_prefixed(&mut h, &[namespace, name, owner_uid]);
    h.finalize().to_vec()
}

/// A produced digest, parsed: v1 carries only a data tag; v2 the source it was made
/// from and a claim tag too.
struct Recorded<'a> {
    fingerprint: &'a str,
    source: Option<&'a str>,
    data_tag: Vec<u8>,
    claim_tag: Option<Vec<u8>>,
}

fn parse(recorded: &str) -> Option<Recorded<'_>> {
    let mut parts = recorded.split(':');
    let (version, fingerprint) = (parts.next()?, parts.next()?);
    let r = match version {
        V1 => Recorded {
            fingerprint,
            source: None,
            data_tag: hex::decode(parts.next()?).ok()?,
            claim_tag: None,
        },
        V2 => Recorded {
            fingerprint,
            source: Some(parts.next()?),
            data_tag: hex::decode(parts.next()?).ok()?,
            claim_tag: Some(hex::decode(parts.next()?).ok()?),
        },
        _ => return None,
    };
    (fingerprint.len() == 16 && parts.next().is_none()).then_some(r)
}

fn tag_verifies(keys: &KeyRing, fingerprint: &str, msg: &[u8], tag: &[u8]) -> bool {
    keys.keys()
        .iter()
        .filter(|k| k.fingerprint().starts_with(fingerprint))
        .any(|k| k.verify_tag(msg, tag))
}

/// The digest to record on the Secret `produced`, made by the SealedSecret with uid
/// `owner_uid` whose source digest is `source`.
pub fn produced_digest(
    key: &PrivateKey,
    source: &str,
    owner_uid: &str,
    produced: &Produced<'_>,
) -> String {
    let data_tag = key.authenticate(&message_v2(source, produced));
    let claim_tag = key.authenticate(&claim_message(produced.namespace, produced.name, owner_uid));
    format!(
        "{V2}:{}:{source}:{}:{}",
        &key.fingerprint()[..16],
        hex::encode(data_tag),
        hex::encode(claim_tag)
    )
}

/// Whether `recorded` vouches that the Secret `produced` is what the SealedSecret with
/// source digest `source` produces now. False for an unknown key, a changed
/// SealedSecret, or a Secret edited since.
pub fn verify_produced(
    keys: &KeyRing,
    recorded: &str,
    source: &str,
    produced: &Produced<'_>,
) -> bool {
    let Some(r) = parse(recorded) else {
        return false;
    };
    let msg = match r.source {
        None => message(source, produced.secret_type, produced.data),
        Some(recorded_source) if recorded_source == source => message_v2(source, produced),
        Some(_) => return false,
    };
    tag_verifies(keys, r.fingerprint, &msg, &r.data_tag)
}

/// Whether `recorded` proves that a controller holding one of `keys` made the Secret
/// `produced` (its namespace and name) for the SealedSecret with uid `owner_uid`, from any
/// version of it and whatever its data is now: what lets a controller keep updating, and
/// repair, a Secret that has no owner reference. Copied onto another Secret, or found on
/// an orphan of a deleted SealedSecret, it proves nothing. A v1 digest (no claim tag)
/// proves it only while it still verifies for `current_source`.
pub fn made_by(
    keys: &KeyRing,
    recorded: &str,
    owner_uid: &str,
    current_source: &str,
    produced: &Produced<'_>,
) -> bool {
    let Some(r) = parse(recorded) else {
        return false;
    };
    match &r.claim_tag {
        None => verify_produced(keys, recorded, current_source, produced),
        Some(tag) => tag_verifies(
            keys,
            r.fingerprint,
            &claim_message(produced.namespace, produced.name, owner_uid),
            tag,
        ),
    }
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

    fn produced<'a>(name: &'a str, data: &'a BTreeMap<String, &'a [u8]>) -> Produced<'a> {
        Produced {
            namespace: "ns",
            name,
            secret_type: Some("Opaque"),
            data,
        }
    }

    #[test]
    fn produced_digest_detects_edits_and_needs_the_key() {
        let k = generate_key(2048, 1, 1_800_000_000).unwrap();
        let other = generate_key(2048, 1, 1_800_000_000).unwrap();
        let data: BTreeMap<String, &[u8]> = [("p".to_owned(), &b"v"[..])].into();
        let d = produced_digest(&k.key, "src", "uid", &produced("n", &data));
        let fp = k.key.fingerprint();
        let ring = KeyRing::new(crate::keys::load_private_keys(k.key_pem.as_bytes(), "k").unwrap());
        assert!(verify_produced(&ring, &d, "src", &produced("n", &data)));
        let edited: BTreeMap<String, &[u8]> = [("p".to_owned(), &b"w"[..])].into();
        assert!(!verify_produced(&ring, &d, "src", &produced("n", &edited)));
        assert!(!verify_produced(&ring, &d, "src2", &produced("n", &data)));
        let untyped = Produced {
            secret_type: None,
            ..produced("n", &data)
        };
        assert!(!verify_produced(&ring, &d, "src", &untyped));
        let other_ring =
            KeyRing::new(crate::keys::load_private_keys(other.key_pem.as_bytes(), "o").unwrap());
        assert!(!verify_produced(
            &other_ring,
            &d,
            "src",
            &produced("n", &data)
        ));
        // Forging with a guessed tag fails, in either version.
        for forged in [
            format!("v1:{}:{}", &fp[..16], "00".repeat(32)),
            format!(
                "v2:{}:src:{}:{}",
                &fp[..16],
                "00".repeat(32),
                "00".repeat(32)
            ),
        ] {
            assert!(!verify_produced(
                &ring,
                &forged,
                "src",
                &produced("n", &data)
            ));
            assert!(!made_by(
                &ring,
                &forged,
                "uid",
                "src",
                &produced("n", &data)
            ));
        }
        assert!(!verify_produced(
            &ring,
            "garbage",
            "src",
            &produced("n", &data)
        ));
    }

    #[test]
    fn a_produced_digest_proves_who_made_the_secret_across_sealed_secret_versions() {
        let k = generate_key(2048, 1, 1_800_000_000).unwrap();
        let ring = KeyRing::new(crate::keys::load_private_keys(k.key_pem.as_bytes(), "k").unwrap());
        let data: BTreeMap<String, &[u8]> = [("p".to_owned(), &b"v"[..])].into();
        let d = produced_digest(&k.key, "old-src", "uid", &produced("n", &data));
        // The SealedSecret changed and someone edited the data: not in sync any more, but
        // still this SealedSecret's to update and repair.
        let edited: BTreeMap<String, &[u8]> = [("p".to_owned(), &b"w"[..])].into();
        assert!(!verify_produced(
            &ring,
            &d,
            "new-src",
            &produced("n", &data)
        ));
        assert!(made_by(
            &ring,
            &d,
            "uid",
            "new-src",
            &produced("n", &edited)
        ));
        // Copied onto another Secret, or claimed by another SealedSecret of the same name
        // (the orphan of a deleted one), it proves nothing.
        assert!(!made_by(
            &ring,
            &d,
            "uid",
            "new-src",
            &produced("other", &data)
        ));
        assert!(!made_by(
            &ring,
            &d,
            "uid-2",
            "new-src",
            &produced("n", &data)
        ));
        // Without one of the keys it proves nothing either.
        let other = generate_key(2048, 1, 1_800_000_000).unwrap();
        let other_ring =
            KeyRing::new(crate::keys::load_private_keys(other.key_pem.as_bytes(), "o").unwrap());
        assert!(!made_by(
            &other_ring,
            &d,
            "uid",
            "old-src",
            &produced("n", &data)
        ));
        // A recorded source that is edited breaks the data tag.
        let tampered = d.replacen("old-src", "new-src", 1);
        assert!(!verify_produced(
            &ring,
            &tampered,
            "new-src",
            &produced("n", &data)
        ));
    }

    #[test]
    fn a_v1_digest_recorded_before_still_verifies_for_its_own_source() {
        let k = generate_key(2048, 1, 1_800_000_000).unwrap();
        let ring = KeyRing::new(crate::keys::load_private_keys(k.key_pem.as_bytes(), "k").unwrap());
        let data: BTreeMap<String, &[u8]> = [("p".to_owned(), &b"v"[..])].into();
        let tag = k.key.authenticate(&message("src", Some("Opaque"), &data));
        let v1 = format!("v1:{}:{}", &k.key.fingerprint()[..16], hex::encode(tag));
        assert!(verify_produced(&ring, &v1, "src", &produced("n", &data)));
        assert!(made_by(&ring, &v1, "uid", "src", &produced("n", &data)));
        assert!(!made_by(&ring, &v1, "uid", "src2", &produced("n", &data)));
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
