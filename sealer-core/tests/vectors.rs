//! Frozen vectors made by independent implementations (see `tests/vectors/generate` for
//! the commands): Go kubeseal v0.36.6, Python `cryptography`, npm
//! `@linode/kubeseal-encrypt`. These run without any peer installed; the live round
//! trips are in `tests/tests/interop.rs`.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sealer_core::keys::load_private_keys;
use sealer_core::manifest::parse_documents;
use sealer_core::seal::open_all;
use sealer_core::{KeyRing, Scope};

fn vector(name: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    std::fs::read_to_string(dir.join(name)).unwrap()
}

fn ring() -> KeyRing {
    KeyRing::new(load_private_keys(vector("test-key.pem").as_bytes(), "test-key.pem").unwrap())
}

fn open(name: &str) -> Vec<(String, Vec<u8>)> {
    let docs = parse_documents(&vector(name)).unwrap();
    let doc = docs.iter().next().unwrap();
    let opened = open_all(doc, &ring(), None).unwrap();
    assert!(
        opened.failures.is_empty(),
        "{name}: {:?}",
        opened
            .failures
            .iter()
            .map(|(k, e)| format!("{k}: {e}"))
            .collect::<Vec<_>>()
    );
    opened
        .values
        .iter()
        .map(|(k, v)| (k.clone(), v.to_vec()))
        .collect()
}

#[test]
fn kubeseal_vectors_open_in_every_scope() {
    for scope in Scope::ALL {
        let values = open(&format!("kubeseal-{scope}.yaml"));
        assert_eq!(
            values,
            vec![
                ("bin".to_owned(), vec![0, 1, 2, 255]),
                ("empty".to_owned(), vec![]),
                ("password".to_owned(), b"hunter2".to_vec()),
            ],
            "{scope}"
        );
    }
}

#[test]
fn python_cryptography_vectors_open_in_every_scope() {
    for scope in Scope::ALL {
        let values = open(&format!("python-{scope}.json"));
        assert_eq!(
            values,
            vec![
                ("empty".to_owned(), vec![]),
                ("password".to_owned(), b"hunter2".to_vec()),
            ],
            "{scope}"
        );
    }
}

#[test]
fn linode_kubeseal_encrypt_vector_opens() {
    assert_eq!(
        open("linode-namespace-wide.yaml"),
        vec![("password".to_owned(), b"from-js".to_vec())]
    );
}

#[test]
fn fail_vector_sealed_for_another_key_does_not_open() {
    let docs = parse_documents(&vector("fail-other-key.yaml")).unwrap();
    let opened = open_all(docs.iter().next().unwrap(), &ring(), None).unwrap();
    assert_eq!(opened.failures.len(), 3);
    assert!(opened.values.is_empty());
}

#[test]
fn fail_kubeseal_vector_moved_to_another_scope_or_name_does_not_open() {
    let text = vector("kubeseal-strict.yaml");
    for moved in [
        text.replacen("  name: db\n", "  name: db2\n", 1),
        text.replacen("  namespace: prod\n", "  namespace: dev\n", 1),
        text.replacen(
            "metadata:\n",
            "metadata:\n  annotations:\n    sealedsecrets.bitnami.com/cluster-wide: \"true\"\n",
            1,
        ),
    ] {
        let docs = parse_documents(&moved).unwrap();
        let opened = open_all(docs.iter().next().unwrap(), &ring(), None).unwrap();
        assert_eq!(opened.failures.len(), 3, "{moved}");
    }
}

#[test]
fn fail_kubeseal_vector_truncated_or_flipped_does_not_open() {
    let docs = parse_documents(&vector("kubeseal-strict.yaml")).unwrap();
    let doc = docs.iter().next().unwrap();
    let original = doc["spec"]["encryptedData"]["password"].as_str().unwrap();
    let bytes = STANDARD.decode(original).unwrap();
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    let truncated = &bytes[..bytes.len() - 17];
    for bad in [STANDARD.encode(&flipped), STANDARD.encode(truncated)] {
        let mut d = doc.clone();
        d["spec"]["encryptedData"]["password"] = serde_json::json!(bad);
        let opened = open_all(&d, &ring(), None).unwrap();
        assert_eq!(opened.failures.len(), 1);
        assert_eq!(opened.failures[0].0, "password");
    }
}
