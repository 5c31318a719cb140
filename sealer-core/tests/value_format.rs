//! Seal -> open over every scope, and the `fail_` cases: a value must never open under
//! another name, namespace, key, or after any change to its bytes.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{NOW, key_a, key_b};
use proptest::prelude::*;
use sealer_core::{KeyRing, Scope, SealedValue, SealingCert};

fn cert_a() -> SealingCert {
    SealingCert::from_pem(key_a().cert_pem.as_bytes(), NOW).unwrap()
}

fn open(key: &sealer_core::PrivateKey, b64: &str, label: &[u8]) -> Option<Vec<u8>> {
    let v = SealedValue::parse(b64, "v").ok()?;
    key.open(&v, label).map(|p| p.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn every_scope_round_trips_arbitrary_bytes(
        plaintext in proptest::collection::vec(any::<u8>(), 0..600),
        scope_idx in 0usize..3,
        ns in "[a-z0-9-]{1,20}",
        name in "[a-z0-9.-]{1,30}",
    ) {
        let scope = Scope::ALL[scope_idx];
        let sealed = cert_a().seal_value(scope, &ns, &name, &plaintext).unwrap().to_base64();
        let opened = open(&key_a().key, &sealed, &scope.label(&ns, &name));
        prop_assert_eq!(opened.as_deref(), Some(plaintext.as_slice()));
    }

    #[test]
    fn strict_value_does_not_unseal_under_another_name_or_namespace(
        plaintext in proptest::collection::vec(any::<u8>(), 0..64),
        ns in "[a-z]{1,10}",
        name in "[a-z]{1,10}",
        other in "[a-z]{1,10}",
    ) {
        prop_assume!(other != name && other != ns);
        let sealed = cert_a().seal_value(Scope::Strict, &ns, &name, &plaintext).unwrap().to_base64();
        prop_assert!(open(&key_a().key, &sealed, &Scope::Strict.label(&ns, &other)).is_none());
        prop_assert!(open(&key_a().key, &sealed, &Scope::Strict.label(&other, &name)).is_none());
        prop_assert!(open(&key_a().key, &sealed, &Scope::NamespaceWide.label(&ns, &name)).is_none());
        prop_assert!(open(&key_a().key, &sealed, &Scope::ClusterWide.label(&ns, &name)).is_none());
    }

    #[test]
    fn a_value_never_opens_with_another_key(plaintext in proptest::collection::vec(any::<u8>(), 0..64)) {
        let sealed = cert_a().seal_value(Scope::ClusterWide, "", "", &plaintext).unwrap().to_base64();
        prop_assert!(open(&key_b().key, &sealed, b"").is_none());
    }
}

#[test]
fn namespace_wide_value_opens_under_any_name_in_its_namespace() {
    let sealed = cert_a()
        .seal_value(Scope::NamespaceWide, "team", "a", b"v")
        .unwrap()
        .to_base64();
    let label = Scope::NamespaceWide.label("team", "renamed");
    assert_eq!(
        open(&key_a().key, &sealed, &label).as_deref(),
        Some(&b"v"[..])
    );
    assert!(
        open(
            &key_a().key,
            &sealed,
            &Scope::NamespaceWide.label("other", "a")
        )
        .is_none()
    );
}

#[test]
fn the_wire_layout_is_length_prefix_rsa_block_then_gcm() {
    let sealed = cert_a()
        .seal_value(Scope::Strict, "ns", "n", b"hello")
        .unwrap();
    let bytes = STANDARD.decode(sealed.to_base64()).unwrap();
    let len = u16::from_be_bytes([bytes[0], bytes[1]]) as usize;
    assert_eq!(len, 256, "2048-bit key: 256-byte RSA block");
    assert_eq!(
        bytes.len(),
        2 + 256 + 5 + 16,
        "GCM ciphertext = value + 16-byte tag"
    );
}

#[test]
fn an_empty_value_is_legal() {
    let sealed = cert_a()
        .seal_value(Scope::Strict, "ns", "n", b"")
        .unwrap()
        .to_base64();
    assert_eq!(
        open(&key_a().key, &sealed, b"ns/n").as_deref(),
        Some(&b""[..])
    );
}

#[test]
fn wrapped_base64_with_crlf_is_accepted() {
    let sealed = cert_a()
        .seal_value(Scope::Strict, "ns", "n", b"x")
        .unwrap()
        .to_base64();
    let wrapped: String = sealed
        .as_bytes()
        .chunks(64)
        .map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap()))
        .collect();
    assert_eq!(
        open(&key_a().key, &wrapped, b"ns/n").as_deref(),
        Some(&b"x"[..])
    );
}

fn tamper(b64: &str, f: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut bytes = STANDARD.decode(b64).unwrap();
    f(&mut bytes);
    STANDARD.encode(bytes)
}

#[test]
fn fail_truncated_value_is_reported_as_malformed() {
    let sealed = cert_a()
        .seal_value(Scope::Strict, "ns", "n", b"abc")
        .unwrap()
        .to_base64();
    for cut in [1usize, 2, 100, 258, 258 + 10] {
        let t = tamper(&sealed, |b| b.truncate(cut));
        let err = SealedValue::parse(&t, "password").unwrap_err().to_string();
        assert!(err.contains("`password`"), "{err}");
    }
}

#[test]
fn fail_flipped_tag_byte_does_not_open() {
    let sealed = cert_a()
        .seal_value(Scope::Strict, "ns", "n", b"abc")
        .unwrap()
        .to_base64();
    let t = tamper(&sealed, |b| {
        let last = b.len() - 1;
        b[last] ^= 1;
    });
    assert!(open(&key_a().key, &t, b"ns/n").is_none());
}

#[test]
fn fail_flipped_rsa_byte_does_not_open() {
    let sealed = cert_a()
        .seal_value(Scope::Strict, "ns", "n", b"abc")
        .unwrap()
        .to_base64();
    let t = tamper(&sealed, |b| b[40] ^= 0x80);
    assert!(open(&key_a().key, &t, b"ns/n").is_none());
}

#[test]
fn fail_bad_base64_and_empty_text_are_malformed() {
    assert!(SealedValue::parse("not base64!!", "k").is_err());
    assert!(SealedValue::parse("", "k").is_err());
    assert!(SealedValue::parse("AAAA", "k").is_err());
}

#[test]
fn fail_wrong_key_error_names_the_value_and_nothing_else() {
    let sealed = cert_a()
        .seal_value(Scope::Strict, "ns", "n", b"hunter2")
        .unwrap();
    let ring = KeyRing::new(vec![]);
    let err = ring
        .open(&sealed, b"ns/n", "password")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "no key could decrypt value `password` (wrong key, wrong name/namespace/scope, or tampered value)"
    );
}

#[test]
fn the_ring_tries_every_key() {
    let sealed = cert_a().seal_value(Scope::Strict, "ns", "n", b"v").unwrap();
    let b = sealer_core::keys::load_private_keys(key_b().key_pem.as_bytes(), "b").unwrap();
    let a = sealer_core::keys::load_private_keys(key_a().key_pem.as_bytes(), "a").unwrap();
    let ring = KeyRing::new(b.into_iter().chain(a).collect());
    let (plain, idx) = ring.open(&sealed, b"ns/n", "v").unwrap();
    assert_eq!((plain.as_slice(), idx), (&b"v"[..], 1));
}
