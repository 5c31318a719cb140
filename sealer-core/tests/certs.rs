//! Certificates and keys: the shapes we accept and the ones we refuse.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{NOW, key_a};
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::pkcs8::{DecodePublicKey, EncodePublicKey, LineEnding};
use sealer_core::keys::{generate_key, load_private_keys};
use sealer_core::{Scope, SealingCert};
use x509_parser::prelude::*;

#[test]
fn generated_certificates_have_the_upstream_shape() {
    let k = generate_key(4096, 3650, NOW).unwrap();
    let (_, pem) = parse_x509_pem(k.cert_pem.as_bytes()).unwrap();
    let cert = pem.parse_x509().unwrap();
    assert_eq!(cert.subject().as_raw(), cert.issuer().as_raw());
    assert_eq!(cert.subject().iter().count(), 0, "empty subject");
    let ku = cert.key_usage().unwrap().unwrap();
    assert!(ku.critical);
    assert!(ku.value.encipher_only());
    assert_eq!(ku.value.flags, 1 << 7, "encipherOnly and nothing else");
    assert!(cert.basic_constraints().unwrap().unwrap().value.ca);
    let days =
        (cert.validity().not_after.timestamp() - cert.validity().not_before.timestamp()) / 86400;
    assert_eq!(days, 3650);
    assert_eq!(k.key.bits(), 4096);
    assert!(k.key_pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
}

#[test]
fn a_public_key_pem_and_an_rsa_public_key_pem_seal_like_the_certificate() {
    let cert = SealingCert::from_pem(key_a().cert_pem.as_bytes(), NOW).unwrap();
    let spki = rsa::PublicKey::from_public_key_der(cert.spki_der()).unwrap();
    let pub_pem = spki.to_public_key_pem(LineEnding::LF).unwrap();
    let rsa_pem = spki.to_pkcs1_pem(LineEnding::LF).unwrap();
    for pem in [pub_pem.as_bytes(), rsa_pem.as_bytes()] {
        let c = SealingCert::from_pem(pem, NOW).unwrap();
        assert_eq!(c.fingerprint(), cert.fingerprint());
        let v = c.seal_value(Scope::Strict, "a", "b", b"x").unwrap();
        assert_eq!(key_a().key.open(&v, b"a/b").unwrap().as_slice(), b"x");
    }
}

#[test]
fn fail_expired_certificate_names_its_expiry_date() {
    let old = generate_key(2048, 1, NOW - 10 * 86400).unwrap();
    let err = SealingCert::from_pem(old.cert_pem.as_bytes(), NOW)
        .unwrap_err()
        .to_string();
    assert!(err.contains("expired on 2027-01-06T08:00:00Z"), "{err}");
}

#[test]
fn a_certificate_not_valid_yet_loads_and_says_from_when() {
    // key_a is valid from NOW for 30 days.
    let cert = SealingCert::from_pem(key_a().cert_pem.as_bytes(), NOW - 60).unwrap();
    assert_eq!(cert.not_valid_yet(NOW - 60), Some(NOW));
    assert_eq!(cert.not_valid_yet(NOW), None);
    assert_eq!(cert.not_valid_yet(NOW + 60), None);
    // A bare public key has no dates.
    let spki = rsa::PublicKey::from_public_key_der(cert.spki_der()).unwrap();
    let pem = spki.to_public_key_pem(LineEnding::LF).unwrap();
    let bare = SealingCert::from_pem(pem.as_bytes(), 0).unwrap();
    assert_eq!(bare.not_valid_yet(0), None);
}

#[test]
fn fail_non_rsa_certificate_is_refused() {
    let kp = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["x".into()])
        .unwrap()
        .self_signed(&kp)
        .unwrap();
    let err = SealingCert::from_pem(cert.pem().as_bytes(), NOW)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not RSA"), "{err}");
}

#[test]
fn fail_private_key_given_as_certificate_is_explained() {
    let err = SealingCert::from_pem(key_a().key_pem.as_bytes(), NOW)
        .unwrap_err()
        .to_string();
    assert!(err.contains("PRIVATE key"), "{err}");
    assert!(!err.contains("MII"), "no key material in the message");
}

#[test]
fn keys_load_from_pkcs1_pkcs8_and_key_secret_lists() {
    let pkcs1 = key_a().key_pem.as_str();
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::EncodePrivateKey;
    let pkcs8 = rsa::PrivateKey::from_pkcs1_pem(pkcs1)
        .unwrap()
        .to_pkcs8_pem(LineEnding::LF)
        .unwrap();
    let from8 = load_private_keys(pkcs8.as_bytes(), "k8").unwrap();
    assert_eq!(from8[0].fingerprint(), key_a().key.fingerprint());

    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  type: kubernetes.io/tls\n  metadata:\n    name: sealed-secrets-keyabc\n    labels: {{sealedsecrets.bitnami.com/sealed-secrets-key: active}}\n  data:\n    tls.key: {}\n    tls.crt: {}\n",
        b64(pkcs1),
        b64(&key_a().cert_pem)
    );
    let keys = load_private_keys(list.as_bytes(), "list.yaml").unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].name(), Some("sealed-secrets-keyabc"));
    assert_eq!(keys[0].fingerprint(), key_a().key.fingerprint());
}

#[test]
fn fail_key_secret_without_tls_key_and_files_without_keys_are_refused() {
    let err = load_private_keys(
        b"apiVersion: v1\nkind: Secret\nmetadata: {name: k}\ndata: {tls.crt: eA==}\n",
        "k.yaml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("no data.tls.key"), "{err}");
    let err = load_private_keys(key_a().cert_pem.as_bytes(), "c.pem")
        .unwrap_err()
        .to_string();
    assert!(err.contains("holds no private key"), "{err}");
}
