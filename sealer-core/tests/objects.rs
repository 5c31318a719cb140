//! Whole-object operations: seal a Secret, unseal, merge, re-encrypt, legacy spec.data.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{NOW, key_a, key_b};
use sealer_core::manifest::parse_documents;
use sealer_core::seal::{
    self, LAST_APPLIED, SealOptions, Target, merge_into, open_all, reencrypt, seal_secret,
    sealed_target, unsealed_secret,
};
use sealer_core::{Error, KeyRing, Scope, SealingCert, keys};
use serde_json::{Value, json};

fn cert(k: &keys::GeneratedKey) -> SealingCert {
    SealingCert::from_pem(k.cert_pem.as_bytes(), NOW).unwrap()
}

fn ring(k: &keys::GeneratedKey) -> KeyRing {
    KeyRing::new(keys::load_private_keys(k.key_pem.as_bytes(), "k").unwrap())
}

fn secret() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "db", "namespace": "prod", "uid": "1", "resourceVersion": "9",
            "creationTimestamp": "2024-01-01T00:00:00Z", "managedFields": [],
            "labels": {"app": "db"},
            "annotations": {LAST_APPLIED: "{\"stringData\":{\"password\":\"hunter2\"}}", "team": "x"}
        },
        "type": "kubernetes.io/basic-auth",
        "immutable": true,
        "data": {"username": "YWRtaW4=", "password": "b2xk"},
        "stringData": {"password": "hunter2"}
    })
}

fn unseal(sealed: &Value, ring: &KeyRing) -> sealer_core::Result<Value> {
    let target = sealed_target(sealed, None)?;
    let opened = open_all(sealed, ring, None)?;
    unsealed_secret(sealed, &target, opened)
}

#[test]
fn sealing_then_unsealing_gives_back_the_secret_with_string_data_winning() {
    let sealed = seal_secret(&secret(), &cert(key_a()), &SealOptions::default()).unwrap();
    let back = unseal(&sealed, &ring(key_a())).unwrap();
    assert_eq!(
        back,
        json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "prod", "labels": {"app": "db"}, "annotations": {"team": "x"}},
            "type": "kubernetes.io/basic-auth", "immutable": true,
            "data": {"password": "aHVudGVyMg==", "username": "YWRtaW4="} // seal:allow (fake test value)
        })
    );
}

#[test]
fn the_template_drops_server_fields_and_last_applied_configuration() {
    let sealed = seal_secret(&secret(), &cert(key_a()), &SealOptions::default()).unwrap();
    let meta = &sealed["spec"]["template"]["metadata"];
    for f in [
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "managedFields",
    ] {
        assert!(meta.get(f).is_none(), "{f} leaked into the template");
    }
    assert!(!sealed.to_string().contains("hunter2"));
    assert_eq!(sealed["metadata"]["name"], "db");
    assert_eq!(sealed["apiVersion"], "bitnami.com/v1alpha1");
}

#[test]
fn scope_comes_from_the_flag_then_the_secret_annotations() {
    let mut s = secret();
    s["metadata"]["annotations"]["sealedsecrets.bitnami.com/namespace-wide"] = json!("true");
    let sealed = seal_secret(&s, &cert(key_a()), &SealOptions::default()).unwrap();
    assert_eq!(
        sealed["metadata"]["annotations"]["sealedsecrets.bitnami.com/namespace-wide"],
        "true"
    );
    let opts = SealOptions {
        scope: Some(Scope::ClusterWide),
        ..Default::default()
    };
    let sealed = seal_secret(&s, &cert(key_a()), &opts).unwrap();
    assert_eq!(
        sealed_target(&sealed, None).unwrap().scope,
        Scope::ClusterWide
    );
}

#[test]
fn scope_in_the_template_alone_does_not_widen_a_strict_secret() {
    // CVE-2026-22728: the scope is read from the OUTER metadata only.
    let mut sealed = seal_secret(&secret(), &cert(key_a()), &SealOptions::default()).unwrap();
    sealed["spec"]["template"]["metadata"]["annotations"]["sealedsecrets.bitnami.com/cluster-wide"] =
        json!("true");
    sealed["metadata"]["name"] = json!("stolen");
    sealed["spec"]["template"]["metadata"]["name"] = json!("stolen");
    let err = unseal(&sealed, &ring(key_a())).unwrap_err().to_string();
    assert!(err.starts_with("no key could decrypt value"), "{err}");
}

#[test]
fn fail_missing_namespace_name_and_empty_data_are_refused() {
    // The advice (`-n`, `--name`, `--allow-empty-data`) is the CLI's: sealer-cli/tests/cli.rs.
    let c = cert(key_a());
    let mut s = secret();
    s["metadata"].as_object_mut().unwrap().remove("namespace");
    let err = seal_secret(&s, &c, &SealOptions::default()).unwrap_err();
    assert!(
        matches!(&err, Error::MissingNamespace { secret, scope: Scope::Strict } if secret == "db"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Secret db has no namespace, which strict scope needs"
    );
    let ok = seal_secret(
        &s,
        &c,
        &SealOptions {
            namespace: Some("prod".into()),
            ..Default::default()
        },
    );
    assert!(ok.is_ok());

    let mut s = secret();
    s["metadata"].as_object_mut().unwrap().remove("name");
    let err = seal_secret(&s, &c, &SealOptions::default()).unwrap_err();
    assert!(matches!(err, Error::MissingName), "{err:?}");
    assert_eq!(err.to_string(), "a Secret has no metadata.name");

    let empty = json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"a","namespace":"b"}});
    let err = seal_secret(&empty, &c, &SealOptions::default()).unwrap_err();
    assert!(
        matches!(&err, Error::EmptySecret { secret } if secret == "a"),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "Secret a has no data or stringData");
    let opts = SealOptions {
        allow_empty_data: true,
        ..Default::default()
    };
    assert!(seal_secret(&empty, &c, &opts).is_ok());
}

#[test]
fn fail_conflicting_namespace_flag_is_refused() {
    let opts = SealOptions {
        namespace: Some("dev".into()),
        ..Default::default()
    };
    let err = seal_secret(&secret(), &cert(key_a()), &opts)
        .unwrap_err()
        .to_string();
    assert!(err.contains("`prod`") && err.contains("`dev`"), "{err}");
}

#[test]
fn fail_bad_base64_names_the_key_but_not_the_value() {
    let mut s = secret();
    s["data"]["username"] = json!("@@notbase64@@");
    let err = seal_secret(&s, &cert(key_a()), &SealOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`username`") && !err.contains("@@notbase64@@"),
        "{err}"
    );
}

#[test]
fn fail_unsealing_is_all_or_nothing() {
    let mut sealed = seal_secret(&secret(), &cert(key_a()), &SealOptions::default()).unwrap();
    let foreign = cert(key_b())
        .seal_value(Scope::Strict, "prod", "db", b"x")
        .unwrap();
    sealed["spec"]["encryptedData"]["extra"] = json!(foreign.to_base64());
    let err = unseal(&sealed, &ring(key_a())).unwrap_err().to_string();
    assert!(err.contains("`extra`"), "{err}");
}

#[test]
fn fail_a_spec_or_template_that_is_not_a_map_does_not_unseal_to_an_empty_secret() {
    let good = seal_secret(&secret(), &cert(key_a()), &SealOptions::default()).unwrap();
    let mut spec = good.clone();
    spec["spec"] = json!("x");
    assert!(matches!(
        unseal(&spec, &ring(key_a())),
        Err(Error::SpecNotAMap)
    ));
    let mut template = good.clone();
    template["spec"]["template"] = json!(["x"]);
    assert!(matches!(
        unseal(&template, &ring(key_a())),
        Err(Error::TemplateNotAMap)
    ));
}

#[test]
fn merge_into_replaces_only_the_given_keys() {
    let sealed = seal_secret(&secret(), &cert(key_a()), &SealOptions::default()).unwrap();
    let update = json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"ignored"},
                        "stringData":{"password":"new","token":"t"}});
    let merged = merge_into(&sealed, &update, &cert(key_a())).unwrap();
    assert_eq!(
        merged["spec"]["encryptedData"]["username"],
        sealed["spec"]["encryptedData"]["username"]
    );
    assert_ne!(
        merged["spec"]["encryptedData"]["password"],
        sealed["spec"]["encryptedData"]["password"]
    );
    assert_eq!(merged["spec"]["template"], sealed["spec"]["template"]);
    let back = unseal(&merged, &ring(key_a())).unwrap();
    assert_eq!(back["data"]["password"], "bmV3");
    assert_eq!(back["data"]["token"], "dA==");
}

#[test]
fn reencrypt_moves_every_value_to_the_new_key_and_keeps_the_template() {
    let mut sealed = seal_secret(&secret(), &cert(key_a()), &SealOptions::default()).unwrap();
    sealed["spec"]["template"]["data"] = json!({"dsn": "postgres://{{ .username }}"});
    let out = reencrypt(&sealed, &ring(key_a()), &cert(key_b()), None).unwrap();
    assert_eq!(out["spec"]["template"], sealed["spec"]["template"]);
    let opened = open_all(&out, &ring(key_b()), None).unwrap();
    assert!(opened.failures.is_empty());
    assert_eq!(opened.values["password"].as_slice(), b"hunter2");
    let stale = open_all(&out, &ring(key_a()), None).unwrap();
    assert_eq!(stale.failures.len(), 2);
}

#[test]
fn legacy_spec_data_is_accepted_and_reencrypt_converts_it() {
    let inner = json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"old","namespace":"ns"},
                       "data":{"k":"dg=="}});
    let target = Target {
        scope: Scope::Strict,
        namespace: "ns".into(),
        name: "old".into(),
    };
    let blob = seal::seal_raw(&cert(key_a()), &target, inner.to_string().as_bytes()).unwrap();
    let sealed = json!({"apiVersion":"bitnami.com/v1alpha1","kind":"SealedSecret",
                        "metadata":{"name":"old","namespace":"ns"},"spec":{"data": blob}});
    let back = unseal(&sealed, &ring(key_a())).unwrap();
    assert_eq!(back["data"]["k"], "dg==");
    let out = reencrypt(&sealed, &ring(key_a()), &cert(key_a()), None).unwrap();
    assert!(out["spec"].get("data").is_none());
    assert!(out["spec"]["encryptedData"]["k"].is_string());
}

#[test]
fn a_list_of_secrets_parses_into_each_secret() {
    let docs = parse_documents(
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: a, namespace: ns}\n  stringData: {k: v}\n",
    )
    .unwrap();
    let sealed = seal_secret(
        docs.iter().next().unwrap(),
        &cert(key_a()),
        &SealOptions::default(),
    )
    .unwrap();
    assert_eq!(sealed["metadata"]["name"], "a");
}
