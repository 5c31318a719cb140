//! The real control plane from `tests/cluster/up` works for what sealer needs:
//! our SealedSecret CRD is served and Secrets can be written and read.
//!
//! Needs `eval "$(tests/cluster/up)"` first; without it these tests fail.

// Test code: a failed unwrap/expect is the failure report we want.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ObjectMeta, PostParams};
use sealer_tests::cluster;
use serde_json::json;

fn sealedsecret_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("bitnami.com", "v1alpha1", "SealedSecret"),
        "sealedsecrets",
    )
}

#[tokio::test]
async fn sealedsecret_crd_becomes_established_and_accepts_objects() {
    let client = cluster::client().await;
    let crd = cluster::read_crd(&cluster::sealedsecret_crd());
    let applied = cluster::apply_crd(&client, &crd).await;
    assert_eq!(
        applied.metadata.name.as_deref(),
        Some("sealedsecrets.bitnami.com")
    );
    let version = &applied.spec.versions[0];
    assert_eq!(version.name, "v1alpha1");
    assert!(
        version
            .subresources
            .as_ref()
            .and_then(|s| s.status.as_ref())
            .is_some()
    );

    let ns = cluster::namespace(&client, "crd").await;
    let resource = sealedsecret_resource();
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &resource);
    let mut object = DynamicObject::new("db-password", &resource).within(&ns);
    object.metadata.annotations = Some(
        [(
            "sealedsecrets.bitnami.com/namespace-wide".to_string(),
            "true".to_string(),
        )]
        .into(),
    );
    object.data = json!({
        "spec": {
            "encryptedData": { "password": "AgBy3i4OJSWK+PiTySYZZA==" }, // seal:allow (fake test value)
            "template": {
                "metadata": { "name": "db-password", "labels": { "app": "db" } },
                "type": "Opaque",
                "data": { "url": "postgres://app:{{ .password }}@db/app" }
            }
        }
    });
    api.create(&PostParams::default(), &object).await.unwrap();

    let back = api.get("db-password").await.unwrap();
    assert_eq!(
        back.data["spec"]["encryptedData"]["password"],
        "AgBy3i4OJSWK+PiTySYZZA=="
    );
    assert_eq!(back.data["spec"]["template"]["type"], "Opaque");
    assert_eq!(
        back.data["spec"]["template"]["metadata"]["labels"]["app"],
        "db"
    );
    assert_eq!(
        back.data["spec"]["template"]["data"]["url"],
        "postgres://app:{{ .password }}@db/app"
    );
    assert_eq!(
        back.metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("sealedsecrets.bitnami.com/namespace-wide"))
            .map(String::as_str),
        Some("true")
    );
}

#[tokio::test]
async fn sealedsecret_without_encrypted_data_is_rejected_by_the_schema() {
    let client = cluster::client().await;
    let crd = cluster::read_crd(&cluster::sealedsecret_crd());
    cluster::apply_crd(&client, &crd).await;

    let ns = cluster::namespace(&client, "crd-invalid").await;
    let resource = sealedsecret_resource();
    let api: Api<DynamicObject> = Api::namespaced_with(client, &ns, &resource);
    let mut object = DynamicObject::new("broken", &resource).within(&ns);
    object.data = json!({ "spec": { "template": { "type": "Opaque" } } });
    let err = api
        .create(&PostParams::default(), &object)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("encryptedData"),
        "unexpected error: {err}"
    );
}

#[tokio::test]
async fn secret_can_be_created_and_read_back_in_a_fresh_namespace() {
    let client = cluster::client().await;
    let ns = cluster::namespace(&client, "secret").await;
    let api: Api<Secret> = Api::namespaced(client, &ns);
    let secret = Secret {
        metadata: ObjectMeta {
            name: Some("plain".into()),
            ..ObjectMeta::default()
        },
        data: Some(
            [(
                "token".to_string(),
                ByteString(b"\x00binary\xffvalue".to_vec()),
            )]
            .into(),
        ),
        string_data: Some([("user".to_string(), "alice".to_string())].into()),
        ..Secret::default()
    };
    api.create(&PostParams::default(), &secret).await.unwrap();

    let back = api.get("plain").await.unwrap();
    let data = back.data.unwrap();
    assert_eq!(data["token"].0, b"\x00binary\xffvalue");
    // stringData is folded into data by the API server.
    assert_eq!(data["user"].0, b"alice");
    assert_eq!(back.type_.as_deref(), Some("Opaque"));
}

#[test]
fn unique_names_are_dns_labels_and_differ() {
    let a = cluster::unique_name("Some_Test.Name");
    let b = cluster::unique_name("Some_Test.Name");
    assert_ne!(a, b);
    for n in [&a, &b] {
        assert!(n.len() <= 63);
        assert!(
            n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{n}"
        );
        assert!(n.starts_with("some-test-name-"), "{n}");
    }
    let long = cluster::unique_name(&"x".repeat(100));
    assert!(long.len() <= 63 && !long.ends_with('-'), "{long}");
}
