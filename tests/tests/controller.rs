//! sealer-controller on the real control plane: every behaviour of the reconcile loop,
//! the keys, the HTTP API and the metrics. Each test runs its own controller, scoped to
//! its own namespace.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, DeleteParams, ListParams, ObjectMeta, Patch, PatchParams, PostParams};
use sealer_controller::crd::SealedSecret;
use sealer_tests::cluster;
use sealer_tests::controller::{
    RunningController, create, events, http_post, seal_with, secret_yaml, synced, wait_for,
    wait_synced, wait_value,
};
use sealer_tests::peers::{keygen, run_ok, seal_bin};

const T: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_sealed_secret_becomes_an_owned_secret_with_status_and_event() {
    let (client, ns) = cluster::with_namespace("ctl-basic").await;
    let ctl = RunningController::start(&ns, &ns, &[]);
    let extra =
        "  labels: {app: db}\n  annotations: {team: payments}\ntype: kubernetes.io/basic-auth\n";
    let ss = seal_with(
        &ctl.cert_file(),
        &secret_yaml(
            &ns,
            "db",
            &[("username", "admin"), ("password", "hunter2")],
            extra,
        ),
        &[],
    );
    let created = create(&client, &ns, &ss).await;
    wait_value(&client, &ns, "db", "password", b"hunter2").await;
    let secret = Api::<Secret>::namespaced(client.clone(), &ns)
        .get("db")
        .await
        .unwrap();
    assert_eq!(secret.type_.as_deref(), Some("kubernetes.io/basic-auth"));
    assert_eq!(secret.metadata.labels.unwrap()["app"], "db");
    assert_eq!(
        secret.metadata.annotations.as_ref().unwrap()["team"],
        "payments"
    );
    let refs = secret.metadata.owner_references.unwrap();
    assert_eq!(refs.len(), 1);
    assert_eq!(
        (
            refs[0].kind.as_str(),
            refs[0].controller,
            refs[0].uid.as_str()
        ),
        (
            "SealedSecret",
            Some(true),
            created.metadata.uid.as_deref().unwrap()
        )
    );
    wait_synced(&client, &ns, "db", "True").await;
    let (_, _, generation) = synced(&client, &ns, "db").await.unwrap();
    assert_eq!(generation, created.metadata.generation);
    wait_for(T, "an Unsealed event", || async {
        (events(&client, &ns, "Unsealed").await > 0).then_some(())
    })
    .await;
    assert!(ctl.metric("sealed_secrets_controller_unseal_requests_total") >= 1.0);
    assert!(
        !ctl.log_text().contains("hunter2"),
        "a value reached the log"
    );
}

#[tokio::test]
async fn hand_edited_and_deleted_secrets_are_restored() {
    let (client, ns) = cluster::with_namespace("ctl-restore").await;
    let ctl = RunningController::start(&ns, &ns, &[]);
    let ss = seal_with(
        &ctl.cert_file(),
        &secret_yaml(&ns, "app", &[("token", "t0ken")], ""),
        &[],
    );
    create(&client, &ns, &ss).await;
    wait_value(&client, &ns, "app", "token", b"t0ken").await;
    let secrets = Api::<Secret>::namespaced(client.clone(), &ns);
    let patch = serde_json::json!({"data": {"token": "ZWRpdGVk"}});
    secrets
        .patch("app", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .unwrap();
    wait_value(&client, &ns, "app", "token", b"t0ken").await;
    secrets
        .delete("app", &DeleteParams::default())
        .await
        .unwrap();
    wait_value(&client, &ns, "app", "token", b"t0ken").await;
}

#[tokio::test]
async fn a_restart_with_everything_in_sync_performs_no_rsa_decryption() {
    let (client, ns) = cluster::with_namespace("ctl-restart").await;
    let mut ctl = RunningController::start(&ns, &ns, &[]);
    let cert = ctl.cert_file();
    let n = 12;
    for i in 0..n {
        create(
            &client,
            &ns,
            &seal_with(
                &cert,
                &secret_yaml(&ns, &format!("s{i}"), &[("a", "1"), ("b", "2")], ""),
                &[],
            ),
        )
        .await;
    }
    for i in 0..n {
        wait_synced(&client, &ns, &format!("s{i}"), "True").await;
    }
    assert!(
        ctl.terminate(),
        "SIGTERM ends the controller cleanly; log:\n{}",
        ctl.log_text()
    );
    let again = RunningController::start(&ns, &ns, &[]);
    wait_for(
        T,
        "every SealedSecret reconciled after the restart",
        || async { (again.metric("sealer_unseal_skipped_total") >= f64::from(n)).then_some(()) },
    )
    .await;
    // `series`, not `metric`: a missing series would also read as 0.
    assert_eq!(
        again.series("sealer_rsa_decryptions_total"),
        Some(0.0),
        "log:\n{}",
        again.log_text()
    );
}

#[tokio::test]
async fn keys_are_hot_reloaded_and_failed_sealed_secrets_are_retried_when_a_key_arrives() {
    let (client, ns) = cluster::with_namespace("ctl-keys").await;
    let ctl = RunningController::start(&ns, &ns, &["--key-renew-period", "0"]);
    // A key the controller does not know yet, made by `seal keygen` (bring your own key).
    let (key, cert) = keygen("byok");
    create(
        &client,
        &ns,
        &seal_with(&cert, &secret_yaml(&ns, "late", &[("v", "x")], ""), &[]),
    )
    .await;
    let message = wait_synced(&client, &ns, "late", "False")
        .await
        .unwrap_or_default();
    assert!(
        message.starts_with("no key could decrypt value `v`"),
        "{message}"
    );
    wait_for(T, "an ErrUnsealFailed event", || async {
        (events(&client, &ns, "ErrUnsealFailed").await > 0).then_some(())
    })
    .await;

    // Add the key as a key Secret: no restart, and the failed object is retried at once
    // (its back-off would otherwise be 30 s or more).
    let started = std::time::Instant::now();
    let key_secret = Secret {
        metadata: ObjectMeta {
            name: Some("sealed-secrets-key-byok".into()),
            labels: Some(BTreeMap::from([(
                "sealedsecrets.bitnami.com/sealed-secrets-key".to_owned(),
                "active".to_owned(),
            )])),
            ..Default::default()
        },
        type_: Some("kubernetes.io/tls".into()),
        data: Some(BTreeMap::from([
            (
                "tls.key".to_owned(),
                ByteString(std::fs::read(&key).unwrap()),
            ),
            (
                "tls.crt".to_owned(),
                ByteString(std::fs::read(&cert).unwrap()),
            ),
        ])),
        ..Default::default()
    };
    let secrets = Api::<Secret>::namespaced(client.clone(), &ns);
    secrets
        .create(&PostParams::default(), &key_secret)
        .await
        .unwrap();
    wait_value(&client, &ns, "late", "v", b"x").await;
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "retried on key change, not on back-off"
    );
    assert_eq!(ctl.metric("sealer_keys"), 2.0);

    // Relabel (retire) it: it is dropped without a restart.
    let patch = serde_json::json!({"metadata": {"labels": {"sealedsecrets.bitnami.com/sealed-secrets-key": "compromised"}}});
    secrets
        .patch(
            "sealed-secrets-key-byok",
            &PatchParams::default(),
            &Patch::Merge(&patch),
        )
        .await
        .unwrap();
    wait_for(T, "the retired key to be dropped", || async {
        (ctl.metric("sealer_keys") == 1.0).then_some(())
    })
    .await;

    // A malformed key Secret is reported and skipped; the controller keeps running.
    let bad = Secret {
        metadata: ObjectMeta {
            name: Some("sealed-secrets-key-bad".into()),
            labels: Some(BTreeMap::from([(
                "sealedsecrets.bitnami.com/sealed-secrets-key".to_owned(),
                "active".to_owned(),
            )])),
            ..Default::default()
        },
        data: Some(BTreeMap::from([(
            "tls.key".to_owned(),
            ByteString(b"garbage".to_vec()),
        )])),
        ..Default::default()
    };
    secrets.create(&PostParams::default(), &bad).await.unwrap();
    wait_for(T, "the malformed key to be counted", || async {
        (ctl.metric("sealer_key_load_errors_total") >= 1.0).then_some(())
    })
    .await;
    wait_for(T, "a KeyInvalid event", || async {
        (events(&client, &ns, "KeyInvalid").await > 0).then_some(())
    })
    .await;
    assert_eq!(
        sealer_tests::controller::http_get(&format!("{}/healthz", ctl.api)).0,
        200
    );
    assert_eq!(ctl.metric("sealer_keys"), 1.0);
}

#[tokio::test]
async fn keys_are_renewed_on_schedule_and_at_start_after_the_cutoff() {
    let (client, ns) = cluster::with_namespace("ctl-renew").await;
    let ctl = RunningController::start(&ns, &ns, &["--key-renew-period", "3s"]);
    let first = ctl.cert_file();
    wait_for(T, "a renewed key", || async {
        (ctl.metric("sealer_keys") >= 2.0).then_some(())
    })
    .await;
    let second = ctl.cert_file();
    assert_ne!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap(),
        "the newest key seals"
    );
    drop(ctl);
    let keys = Api::<Secret>::namespaced(client.clone(), &ns)
        .list(&ListParams::default().labels("sealedsecrets.bitnami.com/sealed-secrets-key=active"))
        .await
        .unwrap()
        .items
        .len();
    let future = "2099-01-01T00:00:00Z";
    let ctl = RunningController::start(
        &ns,
        &ns,
        &["--key-renew-period", "0", "--key-cutoff-time", future],
    );
    // The cutoff is in the future, so no key can satisfy it: exactly one new key at start.
    wait_for(T, "a key made for the cutoff", || async {
        (ctl.metric("sealer_keys") as usize > keys).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        ctl.metric("sealer_keys") as usize,
        keys + 1,
        "the cutoff makes one key, not one per check"
    );
}

#[tokio::test]
async fn verify_and_rotate_answer_like_upstream_and_keep_the_template() {
    let (client, ns) = cluster::with_namespace("ctl-http").await;
    let ctl = RunningController::start(
        &ns,
        &ns,
        &["--rate-limit", "100", "--rate-limit-burst", "100"],
    );
    let cert = ctl.cert_file();
    let extra = "  labels: {tier: gold}\n";
    let mut ss = seal_with(
        &cert,
        &secret_yaml(&ns, "api", &[("token", "abc")], extra),
        &[],
    );
    ss.spec.template.as_mut().unwrap().data = Some(BTreeMap::from([(
        "copy".to_owned(),
        "{{ .token }}".to_owned(),
    )]));
    let body = serde_json::to_vec(&ss).unwrap();
    assert_eq!(http_post(&format!("{}/v1/verify", ctl.api), &body).0, 200);

    let (_, fcert) = keygen("foreign");
    let foreign = serde_json::to_vec(&seal_with(
        &fcert,
        &secret_yaml(&ns, "api", &[("token", "abc")], ""),
        &[],
    ))
    .unwrap();
    assert_eq!(
        http_post(&format!("{}/v1/verify", ctl.api), &foreign).0,
        409
    );
    assert_eq!(
        http_post(&format!("{}/v1/rotate", ctl.api), &foreign).0,
        409,
        "cannot decrypt is 409, not 500"
    );
    assert_eq!(
        http_post(&format!("{}/v1/verify", ctl.api), b"not yaml: [").0,
        400
    );

    // Verify answers what unsealing would: a template that cannot render is "cannot
    // unseal" (409) with the reason, even though every value opens.
    let mut broken = ss.clone();
    broken.spec.template.as_mut().unwrap().data = Some(BTreeMap::from([(
        "copy".to_owned(),
        "{{ .token ".to_owned(),
    )]));
    let (status, answer) = http_post(
        &format!("{}/v1/verify", ctl.api),
        &serde_json::to_vec(&broken).unwrap(),
    );
    assert_eq!(status, 409, "{answer}");
    assert!(answer.contains("template data key `copy`"), "{answer}");

    let (status, rotated) = http_post(&format!("{}/v1/rotate", ctl.api), &body);
    assert_eq!(status, 200, "{rotated}");
    let rotated: SealedSecret = serde_json::from_str(&rotated).unwrap();
    assert_eq!(
        rotated.spec.template, ss.spec.template,
        "labels and template.data kept"
    );
    assert_ne!(
        rotated.spec.encrypted_data["token"],
        ss.spec.encrypted_data["token"]
    );
    assert!(!serde_json::to_string(&rotated).unwrap().contains("abc"));
    // The new ciphertext opens, with the controller's keys, to the same value.
    let keys = serde_json::json!({
        "apiVersion": "v1", "kind": "List",
        "items": sealer_tests::custody::key_secrets(&client, &ns).await,
    });
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("keys.json");
    std::fs::write(&key_file, serde_json::to_vec(&keys).unwrap()).unwrap();
    let unsealed = run_ok(
        &seal_bin(),
        &["unseal", "--key", key_file.to_str().unwrap(), "-o", "json"],
        &serde_json::to_vec(&rotated).unwrap(),
    );
    let unsealed: Secret = serde_json::from_slice(&unsealed).unwrap();
    assert_eq!(unsealed.data.unwrap_or_default()["token"].0, b"abc");
    let metrics = ctl.metrics_text();
    assert!(metrics.contains("sealed_secrets_controller_http_requests_total{path=\"/v1/rotate\",code=\"409\",method=\"POST\"} 1"), "{metrics}");
    let _ = client;
}

#[tokio::test]
async fn verify_is_rate_limited() {
    let (_client, ns) = cluster::with_namespace("ctl-rate").await;
    let ctl = RunningController::start(&ns, &ns, &["--rate-limit", "1", "--rate-limit-burst", "2"]);
    let codes: Vec<u16> = (0..4)
        .map(|_| http_post(&format!("{}/v1/verify", ctl.api), b"x").0)
        .collect();
    assert_eq!(&codes[..2], &[400, 400]);
    assert!(codes[2..].contains(&429), "{codes:?}");
}

#[tokio::test]
async fn two_replicas_elect_one_leader_and_fail_over_on_sigterm() {
    let (client, ns) = cluster::with_namespace("ctl-leader").await;
    let mut first = RunningController::start(&ns, &ns, &[]);
    let second = RunningController::spawn(&ns, &ns, &[]);
    second.wait_ready();
    let cert = first.cert_file();
    create(
        &client,
        &ns,
        &seal_with(&cert, &secret_yaml(&ns, "one", &[("v", "1")], ""), &[]),
    )
    .await;
    wait_value(&client, &ns, "one", "v", b"1").await;
    let reconciled =
        |c: &RunningController| c.metric("sealed_secrets_controller_unseal_requests_total");
    assert!(reconciled(&first) >= 1.0);
    assert_eq!(reconciled(&second), 0.0, "only the leader reconciles");
    assert!(first.terminate());
    create(
        &client,
        &ns,
        &seal_with(&cert, &secret_yaml(&ns, "two", &[("v", "2")], ""), &[]),
    )
    .await;
    wait_value(&client, &ns, "two", "v", b"2").await;
    assert!(reconciled(&second) >= 1.0);
}

#[tokio::test]
async fn metrics_keep_the_upstream_names() {
    let (_client, ns) = cluster::with_namespace("ctl-metrics").await;
    let ctl = RunningController::start(&ns, &ns, &[]);
    let text = ctl.metrics_text();
    for name in [
        "sealed_secrets_controller_build_info",
        "sealed_secrets_controller_unseal_requests_total",
        "sealer_keys",
        "sealer_newest_key_age_seconds",
        "sealer_unseal_duration_seconds",
    ] {
        assert!(text.contains(name), "{name} missing from\n{text}");
    }
}

#[tokio::test]
async fn fail_a_tampered_value_keeps_synced_false_and_the_controller_alive() {
    let (client, ns) = cluster::with_namespace("ctl-tamper").await;
    let ctl = RunningController::start(&ns, &ns, &[]);
    let mut ss = seal_with(
        &ctl.cert_file(),
        &secret_yaml(&ns, "bad", &[("v", "x")], ""),
        &[],
    );
    let v = ss.spec.encrypted_data.get_mut("v").unwrap();
    v.truncate(100);
    create(&client, &ns, &ss).await;
    let message = wait_synced(&client, &ns, "bad", "False")
        .await
        .unwrap_or_default();
    assert!(message.contains("not a sealed value"), "{message}");
    assert!(
        Api::<Secret>::namespaced(client.clone(), &ns)
            .get_opt("bad")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        sealer_tests::controller::http_get(&format!("{}/healthz", ctl.api)).0,
        200
    );
}

/// Templates that together would render more than a Secret can hold are refused by the
/// same core budget `seal unseal` uses: Synced=False with the limit, no Secret, and the
/// controller stays up (3,000 templates of 512 KiB each would be 1.5 GiB).
#[tokio::test]
async fn fail_templates_past_the_secret_size_limit_are_refused_and_the_controller_stays_up() {
    let (client, ns) = cluster::with_namespace("ctl-amplify").await;
    let ctl = RunningController::start(&ns, &ns, &[]);
    let mut ss = seal_with(
        &ctl.cert_file(),
        &secret_yaml(&ns, "big", &[("v", "x")], ""),
        &[],
    );
    ss.spec.template.as_mut().unwrap().data = Some(
        (0..3000)
            .map(|i| (format!("t{i}"), "{{ repeat 524288 \"x\" }}".to_owned()))
            .collect(),
    );
    create(&client, &ns, &ss).await;
    let message = wait_synced(&client, &ns, "big", "False")
        .await
        .unwrap_or_default();
    assert!(message.contains("larger than 1048576 bytes"), "{message}");
    assert!(
        Api::<Secret>::namespaced(client.clone(), &ns)
            .get_opt("big")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        ctl.metric_matching(
            "sealed_secrets_controller_unseal_errors_total",
            "reason=\"unseal\""
        ) >= 1.0
    );
    assert_eq!(
        sealer_tests::controller::http_get(&format!("{}/healthz", ctl.api)).0,
        200
    );
}
