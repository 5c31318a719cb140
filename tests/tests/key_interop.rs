//! Key custody across implementations on the real control plane: the Bitnami
//! controller's keys backed up with `seal keys backup` and restored into our running
//! controller, and ours restored for the Bitnami controller. Needs the Bitnami
//! controller peer (`tests/peers/install`); without it the test fails, never skips.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, DeleteParams};
use sealer_tests::cluster;
use sealer_tests::controller::{RunningController, http_get};
use sealer_tests::custody::{
    PASSPHRASE, apply_all, expected_data, keys_list, p, seal_all, seal_in, secrets_yaml, wait_data,
};
use sealer_tests::peers::{peer, repo_root, run, run_ok};

struct Bitnami;
impl Drop for Bitnami {
    fn drop(&mut self) {
        let _ = run(
            &repo_root().join("tests/peers/bitnami-controller"),
            &["stop"],
            b"",
        );
    }
}

fn start_bitnami(ns: &str) -> (Bitnami, String) {
    let out = run_ok(
        &repo_root().join("tests/peers/bitnami-controller"),
        &[
            "start",
            "--namespace",
            ns,
            "--no-crd",
            "--",
            "--all-namespaces=false",
        ],
        b"",
    );
    let url = String::from_utf8_lossy(&out)
        .lines()
        .find_map(|l| l.strip_prefix("export SEALER_BITNAMI_CONTROLLER_URL="))
        .map(|u| u.trim_matches(['\'', '"']).to_owned())
        .expect("the runner prints the controller URL");
    (Bitnami, url)
}

fn write_cert(url: &str, dir: &Path, name: &str) -> PathBuf {
    let (status, pem) = http_get(&format!("{url}/v1/cert.pem"));
    assert_eq!(status, 200, "{pem}");
    let path = dir.join(name);
    std::fs::write(&path, pem).unwrap();
    path
}

/// Bitnami's keys restored into our controller (running: it picks them up without a
/// restart), and ours restored for the Bitnami controller. One function: only one
/// Bitnami controller can run at a time.
#[tokio::test]
async fn keys_move_between_the_bitnami_controller_and_ours_both_ways() {
    let client = cluster::client().await;
    cluster::apply_crd(&client, &cluster::read_crd(&cluster::sealedsecret_crd())).await;
    peer("SEALER_PEER_CONTROLLER");
    let work = tempfile::tempdir().unwrap();
    let pass = work.path().join("pass");
    std::fs::write(&pass, PASSPHRASE).unwrap();

    // 1. Bitnami makes its key and unseals 5 SealedSecrets; we back its keys up.
    let ns_b = cluster::namespace(&client, "custody-bitnami").await;
    let (guard, url) = start_bitnami(&ns_b);
    let bitnami_cert = write_cert(&url, work.path(), "bitnami.pem");
    let sealed = seal_all(&bitnami_cert, &secrets_yaml(&ns_b, "bn", 5));
    apply_all(&client, &ns_b, &sealed).await;
    let by_bitnami = wait_data(&client, &ns_b, "bn", 5).await;
    assert_eq!(by_bitnami, expected_data("bn", 5));
    let backup_b = work.path().join("bitnami.backup");
    seal_in(
        None,
        &[
            "keys",
            "backup",
            "--controller-namespace",
            &ns_b,
            "-o",
            p(&backup_b),
            "--passphrase-file",
            p(&pass),
        ],
    );
    drop(guard);
    let secrets = Api::<Secret>::namespaced(client.clone(), &ns_b);
    for name in by_bitnami.keys() {
        secrets
            .delete(name, &DeleteParams::default())
            .await
            .unwrap();
    }

    // 2. Our controller, already running with a key of its own, gets Bitnami's keys
    //    restored into its namespace and re-creates the 5 Secrets, byte-identical.
    let ns_ours = cluster::namespace(&client, "custody-ours").await;
    let ours = RunningController::start(&ns_ours, &ns_b, &["--key-renew-period", "0"]);
    assert_eq!(ours.metric("sealer_keys"), 1.0);
    seal_in(
        None,
        &[
            "keys",
            "restore",
            p(&backup_b),
            "--controller-namespace",
            &ns_ours,
            "--passphrase-file",
            p(&pass),
        ],
    );
    let restored = wait_data(&client, &ns_b, "bn", 5).await;
    assert_eq!(restored, by_bitnami);
    assert_eq!(ours.metric("sealer_keys"), 2.0, "{}", ours.log_text());
    let listed = keys_list(None, &ns_ours);
    let keys = listed["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "{listed}");
    assert_eq!(
        keys.iter().filter(|k| k["sealsNewValues"] == true).count(),
        1
    );

    // 3. The reverse: what our newest key sealed, Bitnami unseals from our backup.
    let ns_c = cluster::namespace(&client, "custody-rev").await;
    let our_cert = ours.cert_file();
    let sealed_c = seal_all(&our_cert, &secrets_yaml(&ns_c, "rev", 3));
    let backup_ours = work.path().join("ours.yaml");
    seal_in(
        None,
        &[
            "keys",
            "backup",
            "--controller-namespace",
            &ns_ours,
            "-o",
            p(&backup_ours),
        ],
    );
    drop(ours);
    seal_in(
        None,
        &[
            "keys",
            "restore",
            p(&backup_ours),
            "--controller-namespace",
            &ns_c,
        ],
    );
    let (guard, url) = start_bitnami(&ns_c);
    // Bitnami picks the same newest key as ours did (certificate NotBefore).
    assert_eq!(
        http_get(&format!("{url}/v1/cert.pem")).1,
        std::fs::read_to_string(&our_cert).unwrap()
    );
    apply_all(&client, &ns_c, &sealed_c).await;
    let by_bitnami_c = wait_data(&client, &ns_c, "rev", 3).await;
    assert_eq!(by_bitnami_c, expected_data("rev", 3));
    drop(guard);
}
