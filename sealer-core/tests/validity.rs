//! What Kubernetes would refuse is refused here first: Secret keys, object names and
//! namespaces, when sealing and when unsealing (the manifest path and the controller's
//! typed path).
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use common::{NOW, key_a};
use sealer_core::seal::{
    SealOptions, Target, merge_into, open_all, seal_raw, seal_secret, sealed_target,
    unsealed_secret,
};
use sealer_core::unseal::{self, Sealed};
use sealer_core::{KeyRing, Scope, SealingCert, keys};
use serde_json::{Value, json};

fn cert() -> SealingCert {
    SealingCert::from_pem(key_a().cert_pem.as_bytes(), NOW).unwrap()
}

fn ring() -> KeyRing {
    KeyRing::new(keys::load_private_keys(key_a().key_pem.as_bytes(), "k").unwrap())
}

fn secret(name: &str, namespace: &str, key: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "stringData": {key: "hunter2"}
    })
}

fn seal_err(doc: &Value, opts: &SealOptions) -> String {
    let err = seal_secret(doc, &cert(), opts).unwrap_err().to_string();
    assert!(!err.contains("hunter2"), "a value leaked: {err}");
    err
}

/// The manifest unseal, as `seal unseal` runs it.
fn unseal_manifest(sealed: &Value) -> sealer_core::Result<Value> {
    let target = sealed_target(sealed, None)?;
    let opened = open_all(sealed, &ring(), None)?;
    unsealed_secret(sealed, &target, opened)
}

const KEY_RULE: &str = "keys are letters, digits, `-`, `_` and `.`";

#[test]
fn fail_a_secret_key_kubernetes_refuses_is_not_sealed() {
    let long = "k".repeat(254);
    let cases: [(&str, &str); 8] = [
        ("a/b", KEY_RULE),
        ("a b", KEY_RULE),
        ("a\0b", KEY_RULE),
        ("é", KEY_RULE),
        ("", "a key cannot be empty"),
        (".", "a key cannot be `.` or `..`, nor start with `..`"),
        ("..", "a key cannot be `.` or `..`, nor start with `..`"),
        ("..data", "a key cannot be `.` or `..`, nor start with `..`"),
    ];
    for (key, rule) in cases {
        let err = seal_err(&secret("db", "prod", key), &SealOptions::default());
        let shown = key.escape_debug().to_string();
        assert_eq!(err, format!("Secret key `{shown}` is not valid: {rule}"));
    }
    let err = seal_err(&secret("db", "prod", &long), &SealOptions::default());
    assert!(
        err.ends_with("is not valid: keys are at most 253 characters"),
        "{err}"
    );
}

#[test]
fn keys_kubernetes_accepts_are_sealed() {
    for key in [
        "password",
        "tls.crt",
        ".dockerconfigjson",
        "A_b-9.z",
        "x..y",
        &"k".repeat(253),
    ] {
        seal_secret(&secret("db", "prod", key), &cert(), &SealOptions::default())
            .unwrap_or_else(|e| panic!("{key}: {e}"));
    }
}

#[test]
fn fail_a_name_that_is_not_a_dns_subdomain_is_not_sealed() {
    for name in [
        "Db",
        "-db",
        "db-",
        "db_1",
        "a..b",
        "a.-b",
        "prod/db",
        &"n".repeat(254),
    ] {
        let err = seal_err(&secret(name, "prod", "k"), &SealOptions::default());
        assert!(
            err.starts_with("Secret name `")
                && err.contains("` is not valid: names are lowercase letters, digits, `-` and `.`"),
            "{name}: {err}"
        );
    }
    // A name given by the caller is held to the same rule.
    let mut no_name = secret("x", "prod", "k");
    no_name["metadata"].as_object_mut().unwrap().remove("name");
    let opts = SealOptions {
        name: Some("Bad_Name".into()),
        ..SealOptions::default()
    };
    assert!(seal_err(&no_name, &opts).starts_with("Secret name `Bad_Name` is not valid"));
}

#[test]
fn names_kubernetes_accepts_are_sealed() {
    for name in ["db", "0db", "db.prod-1", "a.b.c", &"n".repeat(253)] {
        seal_secret(&secret(name, "prod", "k"), &cert(), &SealOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn fail_a_namespace_that_is_not_a_dns_label_is_not_sealed() {
    for namespace in [
        "prod/db",
        "Prod",
        "prod.eu",
        "-prod",
        "prod-",
        &"p".repeat(64),
    ] {
        let err = seal_err(&secret("db", namespace, "k"), &SealOptions::default());
        assert!(
            err.starts_with("namespace `")
                && err.contains("` is not valid: namespaces are lowercase letters, digits and `-`"),
            "{namespace}: {err}"
        );
    }
    seal_secret(
        &secret("db", &"p".repeat(63), "k"),
        &cert(),
        &SealOptions::default(),
    )
    .unwrap();
}

/// `prod/db` as a namespace-wide namespace has the label `prod/db`, which is also the
/// strict label of `db` in `prod`: refusing the namespace closes that door.
#[test]
fn fail_a_namespace_with_a_slash_cannot_take_the_strict_label_of_another_secret() {
    let opts = SealOptions {
        scope: Some(Scope::NamespaceWide),
        ..SealOptions::default()
    };
    let err = seal_err(&secret("anything", "prod/db", "k"), &opts);
    assert!(err.starts_with("namespace `prod/db` is not valid"), "{err}");
    let raw = Target {
        scope: Scope::NamespaceWide,
        namespace: "prod/db".into(),
        name: String::new(),
    };
    assert!(seal_raw(&cert(), &raw, b"hunter2").is_err());
}

#[test]
fn fail_seal_raw_refuses_an_invalid_name_or_namespace() {
    for (namespace, name, expected) in [
        ("prod", "Db", "Secret name `Db` is not valid"),
        ("prod/x", "db", "namespace `prod/x` is not valid"),
        // Cluster-wide needs neither, but one given must still be a valid one.
        ("", "a_b", "Secret name `a_b` is not valid"),
    ] {
        let scope = if namespace.is_empty() {
            Scope::ClusterWide
        } else {
            Scope::Strict
        };
        let target = Target {
            scope,
            namespace: namespace.into(),
            name: name.into(),
        };
        let err = seal_raw(&cert(), &target, b"hunter2")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(expected), "{err}");
    }
}

#[test]
fn fail_merge_into_refuses_an_invalid_key() {
    let sealed = seal_secret(&secret("db", "prod", "k"), &cert(), &SealOptions::default()).unwrap();
    let err = merge_into(&sealed, &secret("db", "prod", "a/b"), &cert())
        .unwrap_err()
        .to_string();
    assert_eq!(err, format!("Secret key `a/b` is not valid: {KEY_RULE}"));
}

/// A cluster-wide SealedSecret whose values open anywhere: only the validity rules can
/// refuse what is changed in it.
fn cluster_wide() -> Value {
    let opts = SealOptions {
        scope: Some(Scope::ClusterWide),
        ..SealOptions::default()
    };
    seal_secret(&secret("db", "prod", "password"), &cert(), &opts).unwrap()
}

#[test]
fn fail_unsealing_refuses_an_encrypted_data_key_a_secret_cannot_have() {
    let mut sealed = cluster_wide();
    assert!(unseal_manifest(&sealed).is_ok());
    let data = sealed["spec"]["encryptedData"].as_object_mut().unwrap();
    let value = data.remove("password").unwrap();
    data.insert("a/b".into(), value);
    let err = unseal_manifest(&sealed).unwrap_err().to_string();
    assert_eq!(err, format!("Secret key `a/b` is not valid: {KEY_RULE}"));
}

#[test]
fn fail_unsealing_refuses_a_template_key_a_secret_cannot_have() {
    let mut sealed = cluster_wide();
    sealed["spec"]["template"]["data"] = json!({"dsn/x": "{{ .password }}"});
    let err = unseal_manifest(&sealed).unwrap_err().to_string();
    assert_eq!(err, format!("Secret key `dsn/x` is not valid: {KEY_RULE}"));
}

#[test]
fn fail_unsealing_refuses_an_invalid_name_or_namespace() {
    let mut sealed = cluster_wide();
    sealed["metadata"]["name"] = json!("Db");
    let err = unseal_manifest(&sealed).unwrap_err().to_string();
    assert!(
        err.starts_with("SealedSecret name `Db` is not valid"),
        "{err}"
    );
    let mut sealed = cluster_wide();
    sealed["metadata"]["namespace"] = json!("prod/db");
    let err = unseal_manifest(&sealed).unwrap_err().to_string();
    assert!(err.starts_with("namespace `prod/db` is not valid"), "{err}");
}

#[test]
fn fail_the_typed_unseal_refuses_what_the_api_server_would() {
    let sealed = cluster_wide();
    let value = sealed["spec"]["encryptedData"]["password"]
        .as_str()
        .unwrap()
        .to_owned();
    let good: BTreeMap<String, String> = [("password".to_owned(), value.clone())].into();
    let bad_key: BTreeMap<String, String> = [("a/b".to_owned(), value)].into();
    let bad_template: BTreeMap<String, String> =
        [("x y".to_owned(), "{{ .password }}".to_owned())].into();
    let parts = Sealed {
        name: "db",
        namespace: Some("prod"),
        scope: Scope::ClusterWide,
        encrypted_data: &good,
        legacy_data: None,
        template_data: None,
    };
    assert!(unseal::unseal(&parts, &ring()).is_ok());
    let cases = [
        (
            Sealed {
                encrypted_data: &bad_key,
                ..parts
            },
            format!("Secret key `a/b` is not valid: {KEY_RULE}"),
        ),
        (
            Sealed {
                template_data: Some(&bad_template),
                ..parts
            },
            format!("Secret key `x y` is not valid: {KEY_RULE}"),
        ),
    ];
    for (sealed, expected) in cases {
        let err = unseal::unseal(&sealed, &ring()).err().unwrap().to_string();
        assert_eq!(err, expected);
    }
    let bad_name = Sealed {
        name: "Db",
        ..parts
    };
    let err = unseal::unseal(&bad_name, &ring())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.starts_with("SealedSecret name `Db` is not valid"),
        "{err}"
    );
    let bad_namespace = Sealed {
        namespace: Some("prod/db"),
        ..parts
    };
    let err = unseal::unseal(&bad_namespace, &ring())
        .err()
        .unwrap()
        .to_string();
    assert!(err.starts_with("namespace `prod/db` is not valid"), "{err}");
}

#[test]
fn fail_a_secret_the_api_server_would_refuse_for_its_size_is_not_sealed() {
    // Kubernetes' MaxSecretSize: at most 1 MiB of data, all values together. Sealing a
    // larger Secret made a SealedSecret no controller could ever write.
    let half = "x".repeat(512 * 1024);
    let doc = json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "big", "namespace": "prod"},
        "stringData": {"a": half, "b": half, "c": "y"},
    });
    let e = seal_err(&doc, &SealOptions::default());
    assert!(e.contains("larger than 1048576 bytes"), "{e}");
    let fits = json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "big", "namespace": "prod"},
        "stringData": {"a": half, "b": half},
    });
    assert!(seal_secret(&fits, &cert(), &SealOptions::default()).is_ok());
}
