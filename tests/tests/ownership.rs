//! sealer-controller on the real control plane: who owns a Secret. Owned, foreign,
//! `managed`, `patch` and skip-set-owner-references Secrets, annotations added later,
//! claims that must be proven, and the resync that repairs Secrets without an owner
//! reference. Each test runs its own controller, scoped to its own namespace.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, ObjectMeta, Patch, PatchParams, PostParams};
use sealer_controller::crd::SealedSecret;
use sealer_tests::cluster;
use sealer_tests::controller::{
    RunningController, create, events, seal_with, secret_value, secret_yaml, wait_for, wait_synced,
    wait_value,
};

const T: std::time::Duration = sealer_tests::controller::WAIT;

/// A Secret editor who marks a Secret the SealedSecret controls `patch: "true"` and adds
/// a key does not switch it to the lax merge check: the controller repairs it.
#[tokio::test]
async fn a_patch_annotation_added_to_an_owned_secret_does_not_stop_repairs() {
    let (client, ns) = cluster::with_namespace("ctl-demote").await;
    let ctl = RunningController::start(&ns, &ns, &[]);
    let ss = seal_with(
        &ctl.cert_file(),
        &secret_yaml(&ns, "owned", &[("token", "t0ken")], ""),
        &[],
    );
    create(&client, &ns, &ss).await;
    wait_value(&client, &ns, "owned", "token", b"t0ken").await;
    let secrets = Api::<Secret>::namespaced(client.clone(), &ns);
    let patch = serde_json::json!({
        "metadata": {"annotations": {"sealedsecrets.bitnami.com/patch": "true"}},
        "data": {"extra": "ZXh0cmE=", "token": "ZWRpdGVk"}
    });
    secrets
        .patch("owned", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .unwrap();
    wait_value(&client, &ns, "owned", "token", b"t0ken").await;
    let s = secrets.get("owned").await.unwrap();
    let data = s.data.unwrap_or_default();
    assert!(!data.contains_key("extra"), "the extra key is removed");
    assert!(
        !s.metadata
            .annotations
            .unwrap_or_default()
            .contains_key("sealedsecrets.bitnami.com/patch"),
        "the added annotation is removed"
    );
    assert_eq!(s.metadata.owner_references.unwrap_or_default().len(), 1);
}

/// Edits of a Secret with no owner reference wake no reconcile; the periodic resync
/// repairs them too.
#[tokio::test]
async fn drift_on_a_secret_without_owner_references_is_repaired_by_the_resync() {
    let (client, ns) = cluster::with_namespace("ctl-resync").await;
    let ctl = RunningController::start(&ns, &ns, &["--resync-period", "2s"]);
    let extra =
        "  annotations:\n    sealedsecrets.bitnami.com/skip-set-owner-references: \"true\"\n";
    let ss = seal_with(
        &ctl.cert_file(),
        &secret_yaml(&ns, "loose", &[("token", "t0ken")], extra),
        &[],
    );
    create(&client, &ns, &ss).await;
    wait_value(&client, &ns, "loose", "token", b"t0ken").await;
    let secrets = Api::<Secret>::namespaced(client.clone(), &ns);
    let patch = serde_json::json!({"data": {"token": "ZWRpdGVk"}});
    secrets
        .patch("loose", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .unwrap();
    wait_value(&client, &ns, "loose", "token", b"edited").await;
    wait_value(&client, &ns, "loose", "token", b"t0ken").await;
    let s = secrets.get("loose").await.unwrap();
    assert!(s.metadata.owner_references.unwrap_or_default().is_empty());
}

/// A hand-made Secret that only looks like one the controller made (skip-owner plus some
/// digest annotation) is not overwritten by a same-named SealedSecret.
#[tokio::test]
async fn a_hand_annotated_secret_is_not_claimed_by_a_same_named_sealed_secret() {
    let (client, ns) = cluster::with_namespace("ctl-claim").await;
    let ctl = RunningController::start(&ns, &ns, &[]);
    let secrets = Api::<Secret>::namespaced(client.clone(), &ns);
    let mine = Secret {
        metadata: ObjectMeta {
            name: Some("claimed".into()),
            annotations: Some(BTreeMap::from([
                (
                    "sealedsecrets.bitnami.com/skip-set-owner-references".to_owned(),
                    "true".to_owned(),
                ),
                (
                    "sealer.dev/unsealed-digest".to_owned(),
                    "v1:0123456789abcdef:00".to_owned(),
                ),
            ])),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([(
            "token".to_owned(),
            ByteString(b"hand-made".to_vec()),
        )])),
        ..Secret::default()
    };
    secrets.create(&PostParams::default(), &mine).await.unwrap();
    let extra =
        "  annotations:\n    sealedsecrets.bitnami.com/skip-set-owner-references: \"true\"\n";
    let ss = seal_with(
        &ctl.cert_file(),
        &secret_yaml(&ns, "claimed", &[("token", "t0ken")], extra),
        &[],
    );
    create(&client, &ns, &ss).await;
    let message = wait_synced(&client, &ns, "claimed", "False").await;
    assert!(
        message
            .unwrap_or_default()
            .contains("not managed by SealedSecret"),
        "the status says why"
    );
    assert_eq!(
        secrets
            .get("claimed")
            .await
            .unwrap()
            .data
            .unwrap_or_default()["token"]
            .0,
        b"hand-made"
    );
}

#[tokio::test]
async fn a_foreign_secret_is_never_overwritten_and_the_status_says_why() {
    let (client, ns) = cluster::with_namespace("ctl-foreign").await;
    let secrets = Api::<Secret>::namespaced(client.clone(), &ns);
    let foreign = Secret {
        metadata: ObjectMeta {
            name: Some("taken".into()),
            ..Default::default()
        },
        data: Some(BTreeMap::from([(
            "k".to_owned(),
            ByteString(b"mine".to_vec()),
        )])),
        ..Default::default()
    };
    secrets
        .create(&PostParams::default(), &foreign)
        .await
        .unwrap();
    let ctl = RunningController::start(&ns, &ns, &[]);
    let ss = seal_with(
        &ctl.cert_file(),
        &secret_yaml(&ns, "taken", &[("k", "theirs")], ""),
        &[],
    );
    create(&client, &ns, &ss).await;
    let message = wait_synced(&client, &ns, "taken", "False").await;
    assert_eq!(
        message.as_deref(),
        Some("Resource \"taken\" already exists and is not managed by SealedSecret")
    );
    assert_eq!(
        secret_value(&client, &ns, "taken", "k").await.as_deref(),
        Some(&b"mine"[..])
    );
    wait_for(T, "an ErrUpdateFailed event", || async {
        (events(&client, &ns, "ErrUpdateFailed").await > 0).then_some(())
    })
    .await;
    assert!(
        ctl.metric_matching(
            "sealed_secrets_controller_unseal_errors_total",
            "reason=\"unmanaged\""
        ) >= 1.0,
        "{}",
        ctl.metrics_text()
    );
}

#[tokio::test]
async fn managed_secrets_are_taken_over_and_patch_secrets_are_merged() {
    let (client, ns) = cluster::with_namespace("ctl-adopt").await;
    let secrets = Api::<Secret>::namespaced(client.clone(), &ns);
    for (name, annotation) in [
        ("managed", "sealedsecrets.bitnami.com/managed"),
        ("patched", "sealedsecrets.bitnami.com/patch"),
    ] {
        let s = Secret {
            metadata: ObjectMeta {
                name: Some(name.into()),
                annotations: Some(BTreeMap::from([(annotation.to_owned(), "true".to_owned())])),
                labels: Some(BTreeMap::from([("keep".to_owned(), "me".to_owned())])),
                ..Default::default()
            },
            data: Some(BTreeMap::from([(
                "old".to_owned(),
                ByteString(b"x".to_vec()),
            )])),
            ..Default::default()
        };
        secrets.create(&PostParams::default(), &s).await.unwrap();
    }
    let ctl = RunningController::start(&ns, &ns, &[]);
    let cert = ctl.cert_file();
    create(
        &client,
        &ns,
        &seal_with(
            &cert,
            &secret_yaml(&ns, "managed", &[("new", "v1")], ""),
            &[],
        ),
    )
    .await;
    create(
        &client,
        &ns,
        &seal_with(
            &cert,
            &secret_yaml(&ns, "patched", &[("new", "v2")], ""),
            &[],
        ),
    )
    .await;
    wait_value(&client, &ns, "managed", "new", b"v1").await;
    wait_value(&client, &ns, "patched", "new", b"v2").await;
    let managed = secrets.get("managed").await.unwrap();
    assert!(
        !managed.data.unwrap().contains_key("old"),
        "a taken-over Secret holds exactly the sealed values"
    );
    assert_eq!(
        managed.metadata.owner_references.unwrap()[0].kind,
        "SealedSecret"
    );
    let patched = secrets.get("patched").await.unwrap();
    assert_eq!(
        patched.data.as_ref().unwrap()["old"].0,
        b"x",
        "patch keeps other keys"
    );
    assert_eq!(patched.metadata.labels.unwrap()["keep"], "me");
    assert!(
        patched
            .metadata
            .owner_references
            .unwrap_or_default()
            .is_empty(),
        "patch alone does not take ownership"
    );
}

#[tokio::test]
async fn skip_set_owner_references_and_immutable_are_honoured_on_update_too() {
    let (client, ns) = cluster::with_namespace("ctl-immutable").await;
    let ctl = RunningController::start(&ns, &ns, &[]);
    let cert = ctl.cert_file();
    let extra = "  annotations:\n    sealedsecrets.bitnami.com/skip-set-owner-references: \"true\"\nimmutable: true\n";
    let ss = seal_with(
        &cert,
        &secret_yaml(&ns, "frozen", &[("v", "one")], extra),
        &[],
    );
    create(&client, &ns, &ss).await;
    wait_value(&client, &ns, "frozen", "v", b"one").await;
    let s = Api::<Secret>::namespaced(client.clone(), &ns)
        .get("frozen")
        .await
        .unwrap();
    assert_eq!(s.immutable, Some(true));
    assert!(s.metadata.owner_references.unwrap_or_default().is_empty());
    // A new sealed value for an immutable Secret: the controller recreates it.
    let mut updated = seal_with(
        &cert,
        &secret_yaml(&ns, "frozen", &[("v", "two")], extra),
        &[],
    );
    let api = Api::<SealedSecret>::namespaced(client.clone(), &ns);
    let current = api.get("frozen").await.unwrap();
    updated.metadata.resource_version = current.metadata.resource_version;
    api.replace("frozen", &PostParams::default(), &updated)
        .await
        .unwrap();
    wait_value(&client, &ns, "frozen", "v", b"two").await;
    let s = Api::<Secret>::namespaced(client.clone(), &ns)
        .get("frozen")
        .await
        .unwrap();
    assert_eq!(s.immutable, Some(true));
    assert!(
        s.metadata.owner_references.unwrap_or_default().is_empty(),
        "the re-created Secret still has no owner reference"
    );
}
