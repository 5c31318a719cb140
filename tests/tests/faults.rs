//! Faults on the real control plane, each while the controller works: the API server
//! restarted during a sync of 500 SealedSecrets, etcd restarted, the controller killed
//! with SIGKILL mid-sync, its key Secret deleted, a malformed key Secret, another writer
//! editing an owned Secret in a loop, and the controller cut off from the API server for
//! 30 s. Each must end with every Secret correct and the controller still running (no
//! crash, no exit); each prints how long convergence took (`cargo test -- --nocapture`).
//!
//! The restarts and the SIGKILL use a private plane each (`PrivatePlane`), so the shared
//! plane of the other tests never goes down and keeps no 500 SealedSecrets.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::Client;
use kube::api::{Api, DeleteParams, ObjectMeta, Patch, PatchParams, PostParams};
use sealer_core::keys::KEY_LABEL;
use sealer_tests::cluster::{self, PrivatePlane};
use sealer_tests::controller::{Netns, RunningController, wait_for};
use sealer_tests::custody::{
    Data, apply_all, count_secrets, expected_data, key_secrets, seal_all, secrets_yaml, wait_equal,
};

/// How long any fault may take to converge.
const CONVERGE: Duration = Duration::from_secs(180);

/// SealedSecrets of the sync-time faults.
const MANY: usize = 500;

/// Prints a convergence time the closing notes quote.
fn report(fault: &str, took: Duration) {
    eprintln!(
        "FAULT {fault}: converged {:.1} s after the fault",
        took.as_secs_f64()
    );
}

/// Seals `count` Secrets `ns/prefix-*` for the controller's current certificate.
fn sealed_for(
    ctl: &RunningController,
    ns: &str,
    prefix: &str,
    count: usize,
) -> Vec<sealer_controller::crd::SealedSecret> {
    seal_all(&ctl.cert_file(), &secrets_yaml(ns, prefix, count))
}

/// A private plane with the SealedSecret CRD and a fresh namespace.
async fn private_plane(prefix: &str) -> (PrivatePlane, Client, String) {
    let plane = PrivatePlane::up(prefix);
    let client = plane.client().await;
    cluster::apply_crd(&client, &cluster::read_crd(&cluster::sealedsecret_crd())).await;
    let ns = cluster::namespace(&client, prefix).await;
    (plane, client, ns)
}

/// Prepares a sync of [`MANY`] on the private plane of `kubeconfig`: a first controller makes the key and is stopped, the SealedSecrets are
/// created with no controller running, and a second controller is started on the same
/// key; returns once it has written some of the Secrets but not all (mid-sync).
async fn mid_sync(client: &Client, kubeconfig: &Path, ns: &str) -> RunningController {
    let start =
        |extra: &[&str]| RunningController::start_with_kubeconfig(kubeconfig, ns, ns, extra);
    let mut first = start(&[]);
    let sealed = sealed_for(&first, ns, "app", MANY);
    assert!(first.terminate());
    apply_all(client, ns, &sealed).await;
    let ctl = start(&[]);
    let some = wait_for(CONVERGE, "the first Secrets of the sync", || async {
        let n = count_secrets(client, ns, "app").await;
        (n > 0).then_some(n)
    })
    .await;
    assert!(
        some < MANY,
        "the sync was over ({some} Secrets) before the fault"
    );
    eprintln!("FAULT setup: {some} of {MANY} Secrets written when the fault came");
    ctl
}

#[tokio::test]
async fn kube_apiserver_restarted_during_a_sync_of_500() {
    let (plane, client, ns) = private_plane("flt-api").await;
    let mut ctl = mid_sync(&client, &plane.kubeconfig, &ns).await;
    plane.restart(&["kube-apiserver"], Duration::from_secs(3));
    let took = wait_equal(&client, &ns, "app", &expected_data("app", MANY), CONVERGE).await;
    report(
        "kube-apiserver restart (3 s down) during a sync of 500",
        took,
    );
    assert!(
        ctl.is_running(),
        "the controller exited:\n{}",
        ctl.log_text()
    );
}

#[tokio::test]
async fn etcd_restarted_during_a_sync_of_500() {
    let (plane, client, ns) = private_plane("flt-etcd").await;
    let mut ctl = mid_sync(&client, &plane.kubeconfig, &ns).await;
    plane.restart(&["etcd"], Duration::from_secs(3));
    let took = wait_equal(&client, &ns, "app", &expected_data("app", MANY), CONVERGE).await;
    report("etcd restart (3 s down) during a sync of 500", took);
    assert!(
        ctl.is_running(),
        "the controller exited:\n{}",
        ctl.log_text()
    );
}

#[tokio::test]
async fn the_controller_killed_with_sigkill_mid_sync_is_replaced_and_the_sync_completes() {
    // A private plane: the 500 SealedSecrets must not stay behind on the shared plane,
    // where the Bitnami controller of the smoke test would work through all of them.
    let (plane, client, ns) = private_plane("flt-kill").await;
    let mut ctl = mid_sync(&client, &plane.kubeconfig, &ns).await;
    ctl.kill();
    let killed = Instant::now();
    let mut next = RunningController::start_with_kubeconfig(&plane.kubeconfig, &ns, &ns, &[]);
    wait_equal(&client, &ns, "app", &expected_data("app", MANY), CONVERGE).await;
    report(
        "SIGKILL mid-sync of 500, then a new controller",
        killed.elapsed(),
    );
    assert!(
        next.is_running(),
        "the new controller exited:\n{}",
        next.log_text()
    );
    // Nothing half-written: the new controller made no Secret twice and no extra one.
    assert_eq!(count_secrets(&client, &ns, "app").await, MANY);
}

/// Current data of the Secrets `ns/prefix-*`, for comparisons before and after.
async fn snapshot(client: &Client, ns: &str, prefix: &str, count: usize) -> Data {
    let want = expected_data(prefix, count);
    wait_equal(client, ns, prefix, &want, CONVERGE).await;
    want
}

#[tokio::test]
async fn the_key_secret_deleted_while_in_use_leaves_every_secret_and_a_restored_key_takes_over_again()
 {
    let (client, ns) = cluster::with_namespace("flt-keydel").await;
    let mut ctl = RunningController::start(&ns, &ns, &["--resync-period", "5s"]);
    let old_cert = ctl.cert_file();
    apply_all(
        &client,
        &ns,
        &seal_all(&old_cert, &secrets_yaml(&ns, "old", 20)),
    )
    .await;
    let before = snapshot(&client, &ns, "old", 20).await;
    let keys = key_secrets(&client, &ns).await;
    assert_eq!(keys.len(), 1);
    let secrets = Api::<Secret>::namespaced(client.clone(), &ns);
    let old_key = keys[0].clone();
    secrets
        .delete(
            old_key.metadata.name.as_deref().unwrap(),
            &DeleteParams::default(),
        )
        .await
        .unwrap();
    let deleted = Instant::now();

    // A new key is made; what was sealed for it syncs; every old Secret stays as it was
    // through several resyncs, though its key is gone.
    wait_for(CONVERGE, "a new sealing key", || async {
        let keys = key_secrets(&client, &ns).await;
        (keys.len() == 1 && keys[0].metadata.name != old_key.metadata.name).then_some(())
    })
    .await;
    apply_all(&client, &ns, &sealed_for(&ctl, &ns, "new", 10)).await;
    wait_equal(&client, &ns, "new", &expected_data("new", 10), CONVERGE).await;
    report(
        "key Secret deleted: new key made and new SealedSecrets synced",
        deleted.elapsed(),
    );
    tokio::time::sleep(Duration::from_secs(12)).await;
    wait_equal(&client, &ns, "old", &before, Duration::from_secs(1)).await;
    assert!(
        ctl.is_running(),
        "the controller exited:\n{}",
        ctl.log_text()
    );

    // The old key restored (as from a backup): it is loaded without a restart, and a
    // SealedSecret sealed for it afterwards syncs.
    let mut restored = old_key.clone();
    restored.metadata = ObjectMeta {
        name: old_key.metadata.name.clone(),
        namespace: old_key.metadata.namespace.clone(),
        labels: old_key.metadata.labels.clone(),
        annotations: old_key.metadata.annotations.clone(),
        ..ObjectMeta::default()
    };
    secrets
        .create(&PostParams::default(), &restored)
        .await
        .unwrap();
    let restored_at = Instant::now();
    apply_all(
        &client,
        &ns,
        &seal_all(&old_cert, &secrets_yaml(&ns, "late", 5)),
    )
    .await;
    wait_equal(&client, &ns, "late", &expected_data("late", 5), CONVERGE).await;
    report(
        "old key Secret restored: SealedSecrets for it sync again",
        restored_at.elapsed(),
    );
    wait_equal(&client, &ns, "old", &before, Duration::from_secs(1)).await;
    assert!(
        ctl.is_running(),
        "the controller exited:\n{}",
        ctl.log_text()
    );
}

/// A Secret labelled as a sealing key whose `tls.key` is not a key.
fn malformed_key_secret(ns: &str) -> Secret {
    Secret {
        metadata: ObjectMeta {
            name: Some("sealed-secrets-keybroken".into()),
            namespace: Some(ns.into()),
            labels: Some([(KEY_LABEL.to_owned(), "active".to_owned())].into()),
            ..ObjectMeta::default()
        },
        type_: Some("kubernetes.io/tls".into()),
        data: Some(
            [
                ("tls.key".to_owned(), ByteString(b"-----BEGIN RSA PRIVATE KEY-----\nnot a key\n-----END RSA PRIVATE KEY-----\n".to_vec())),
                ("tls.crt".to_owned(), ByteString(b"garbage".to_vec())),
            ]
            .into(),
        ),
        ..Secret::default()
    }
}

#[tokio::test]
async fn a_malformed_key_secret_is_skipped_at_run_time_and_at_start() {
    let (client, ns) = cluster::with_namespace("flt-badkey").await;
    let mut ctl = RunningController::start(&ns, &ns, &[]);
    let secrets = Api::<Secret>::namespaced(client.clone(), &ns);
    secrets
        .create(&PostParams::default(), &malformed_key_secret(&ns))
        .await
        .unwrap();
    let added = Instant::now();
    wait_for(CONVERGE, "the malformed key reported", || async {
        (ctl.metric("sealer_key_load_errors_total") >= 1.0).then_some(())
    })
    .await;
    apply_all(&client, &ns, &sealed_for(&ctl, &ns, "a", 10)).await;
    wait_equal(&client, &ns, "a", &expected_data("a", 10), CONVERGE).await;
    report(
        "malformed key Secret added: reported, skipped, syncing goes on",
        added.elapsed(),
    );
    assert_eq!(ctl.series("sealer_keys"), Some(1.0));
    assert!(
        ctl.is_running(),
        "the controller exited:\n{}",
        ctl.log_text()
    );
    assert!(
        !ctl.log_text().contains("not a key"),
        "key material in the log"
    );

    // A controller started with the malformed Secret present starts and works.
    assert!(ctl.terminate());
    let mut next = RunningController::start(&ns, &ns, &[]);
    assert_eq!(next.series("sealer_keys"), Some(1.0));
    apply_all(&client, &ns, &sealed_for(&next, &ns, "b", 5)).await;
    wait_equal(&client, &ns, "b", &expected_data("b", 5), CONVERGE).await;
    assert!(
        next.is_running(),
        "the controller exited:\n{}",
        next.log_text()
    );
}

#[tokio::test]
async fn another_writer_editing_an_owned_secret_in_a_loop_loses_and_the_controller_settles() {
    let (client, ns) = cluster::with_namespace("flt-writer").await;
    let mut ctl = RunningController::start(&ns, &ns, &[]);
    apply_all(&client, &ns, &sealed_for(&ctl, &ns, "w", 1)).await;
    let want = snapshot(&client, &ns, "w", 1).await;
    let secrets = Api::<Secret>::namespaced(client.clone(), &ns);
    // Every 100 ms for 10 s: the value overwritten and a key added.
    let writer = Instant::now();
    let mut writes = 0;
    while writer.elapsed() < Duration::from_secs(10) {
        let patch = serde_json::json!({
            "data": {"password": "dGFtcGVyZWQ=", "extra": "eA=="}, // seal:allow (fake test value)
        });
        if secrets
            .patch("w-0", &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .is_ok()
        {
            writes += 1;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(writes > 20, "the writer managed only {writes} writes");
    let took = wait_equal(&client, &ns, "w", &want, CONVERGE).await;
    report(
        &format!("another writer, {writes} edits in 10 s: repaired"),
        took,
    );
    // Settled: no further repairs once nobody writes (the digest says it is in sync).
    let decryptions = ctl.metric("sealer_rsa_decryptions_total");
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(ctl.metric("sealer_rsa_decryptions_total"), decryptions);
    assert!(
        ctl.is_running(),
        "the controller exited:\n{}",
        ctl.log_text()
    );
}

/// Runs `ip` inside network namespace `netns`.
fn ip_in(netns: &str, args: &[&str]) {
    let out = std::process::Command::new("ip")
        .args(["netns", "exec", netns, "ip"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run ip: {e}"));
    assert!(
        out.status.success(),
        "ip {args:?} in {netns}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn the_controller_cut_off_from_the_api_server_for_30_s_catches_up() {
    let (client, ns) = cluster::with_namespace("flt-cut").await;
    let netns = Netns::up("flt-cut");
    let mut ctl = RunningController::start_in_netns(&netns.name, &netns.ip, &ns, &ns, &[]);
    let cert = ctl.cert_file();
    apply_all(&client, &ns, &seal_all(&cert, &secrets_yaml(&ns, "c", 10))).await;
    snapshot(&client, &ns, "c", 10).await;

    // Inside the namespace the API server is reached on 127.0.0.1: taking `lo` down
    // cuts the controller off (its connections stall, new ones fail) while it runs.
    ip_in(&netns.name, &["link", "set", "lo", "down"]);
    let cut = Instant::now();
    apply_all(&client, &ns, &seal_all(&cert, &secrets_yaml(&ns, "d", 10))).await;
    tokio::time::sleep(Duration::from_secs(30).saturating_sub(cut.elapsed())).await;
    assert_eq!(
        count_secrets(&client, &ns, "d").await,
        0,
        "the controller was not cut off"
    );
    assert!(
        ctl.is_running(),
        "the controller exited while cut off:\n{}",
        ctl.log_text()
    );
    // A leader that cannot renew its lease must stop before the lease expires, even
    // when its requests hang rather than fail: another replica may lead by then.
    assert!(
        ctl.log_text().contains("lost the lease"),
        "the controller cut off for 30 s never stepped down:\n{}",
        ctl.log_text()
    );
    ip_in(&netns.name, &["link", "set", "lo", "up"]);
    let took = wait_equal(&client, &ns, "d", &expected_data("d", 10), CONVERGE).await;
    // About 25 s here: the watch connections were stalled, not broken, and resume at
    // TCP's next retransmission, whose interval has grown during the 30 s.
    report("cut off from the API server for 30 s", took);
    wait_equal(
        &client,
        &ns,
        "c",
        &expected_data("c", 10),
        Duration::from_secs(1),
    )
    .await;
    assert!(
        ctl.is_running(),
        "the controller exited:\n{}",
        ctl.log_text()
    );
}
