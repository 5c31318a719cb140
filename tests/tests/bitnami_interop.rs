//! Interop with the Bitnami controller on the real control plane, both ways, in one
//! sequential test (the runner script drives a single Bitnami controller at a time):
//! Bitnami unseals what `seal` makes; then our controller takes over Bitnami's own key,
//! unseals what `kubeseal` makes and keeps what Bitnami produced.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::Secret;
use kube::Client;
use kube::api::{Api, PostParams};
use sealer_controller::crd::SealedSecret;
use sealer_tests::cluster;
use sealer_tests::controller::{RunningController, http_get, wait_for};
use sealer_tests::peers::{peer, repo_root, run, run_ok, seal_bin};

const T: Duration = Duration::from_secs(90);

fn exports(stdout: &[u8]) -> HashMap<String, String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.trim_matches(['\'', '"']).to_owned()))
        .collect()
}

async fn value(client: &Client, ns: &str, name: &str, key: &str) -> Option<Vec<u8>> {
    let s = Api::<Secret>::namespaced(client.clone(), ns)
        .get_opt(name)
        .await
        .ok()??;
    s.data?.get(key).map(|b| b.0.clone())
}

async fn apply(client: &Client, ns: &str, sealed_json: &[u8]) {
    let ss: SealedSecret = serde_json::from_slice(sealed_json).unwrap();
    Api::<SealedSecret>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), &ss)
        .await
        .unwrap();
}

struct Bitnami;
impl Drop for Bitnami {
    fn drop(&mut self) {
        let script = repo_root().join("tests/peers/bitnami-controller");
        let _ = run(&script, &["stop"], b"");
    }
}

#[tokio::test]
async fn bitnami_and_sealer_controllers_read_each_others_work() {
    let client = cluster::client().await;
    cluster::apply_crd(&client, &cluster::read_crd(&cluster::sealedsecret_crd())).await;
    let ns = cluster::namespace(&client, "bitnami").await;
    let script = repo_root().join("tests/peers/bitnami-controller");
    peer("SEALER_PEER_CONTROLLER");

    // 1. The Bitnami controller, scoped to this namespace, makes its key.
    let out = run_ok(
        &script,
        &[
            "start",
            "--namespace",
            &ns,
            "--no-crd",
            "--",
            "--all-namespaces=false",
        ],
        b"",
    );
    let guard = Bitnami;
    let env = exports(&out);
    let url = env
        .get("SEALER_BITNAMI_CONTROLLER_URL")
        .expect("the runner prints the controller URL");
    let (status, pem) = http_get(&format!("{url}/v1/cert.pem"));
    assert_eq!(status, 200, "{pem}");
    let dir = std::env::temp_dir().join(cluster::unique_name("bitnami"));
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("bitnami-cert.pem");
    std::fs::write(&cert, &pem).unwrap();

    // 2. `seal` seals with Bitnami's certificate; the Bitnami controller unseals it.
    let secret = format!(
        r#"{{"apiVersion":"v1","kind":"Secret","metadata":{{"name":"from-seal","namespace":"{ns}","labels":{{"made-by":"seal"}}}},"stringData":{{"password":"hunter2","empty":""}}}}"#
    );
    let sealed = run_ok(
        &seal_bin(),
        &["--cert", cert.to_str().unwrap(), "-o", "json"],
        secret.as_bytes(),
    );
    apply(&client, &ns, &sealed).await;
    wait_for(T, "Bitnami to unseal what seal made", || async {
        (value(&client, &ns, "from-seal", "password")
            .await
            .as_deref()
            == Some(&b"hunter2"[..]))
        .then_some(())
    })
    .await;
    let produced = Api::<Secret>::namespaced(client.clone(), &ns)
        .get("from-seal")
        .await
        .unwrap();
    assert_eq!(produced.metadata.labels.unwrap()["made-by"], "seal");
    assert_eq!(produced.data.unwrap()["empty"].0, b"");
    drop(guard);

    // 3. Our controller takes over Bitnami's key as it is: no new key, same certificate.
    let ours = RunningController::start(&ns, &ns, &["--key-renew-period", "0"]);
    assert_eq!(ours.metric("sealer_keys"), 1.0, "{}", ours.log_text());
    assert_eq!(http_get(&format!("{}/v1/cert.pem", ours.api)).1, pem);

    // 4. kubeseal seals with that certificate; our controller unseals it.
    let kubeseal = peer("SEALER_PEER_KUBESEAL");
    let secret2 = format!(
        r#"{{"apiVersion":"v1","kind":"Secret","metadata":{{"name":"from-kubeseal","namespace":"{ns}"}},"stringData":{{"token":"t0k3n"}}}}"#
    );
    let sealed2 = run_ok(
        &kubeseal,
        &["--cert", cert.to_str().unwrap(), "-o", "json"],
        secret2.as_bytes(),
    );
    apply(&client, &ns, &sealed2).await;
    wait_for(T, "our controller to unseal what kubeseal made", || async {
        (value(&client, &ns, "from-kubeseal", "token")
            .await
            .as_deref()
            == Some(&b"t0k3n"[..]))
        .then_some(())
    })
    .await;

    // 5. The Secret Bitnami produced is adopted (same owner), values unchanged.
    wait_for(T, "our digest on the Secret Bitnami made", || async {
        let s = Api::<Secret>::namespaced(client.clone(), &ns)
            .get("from-seal")
            .await
            .ok()?;
        s.metadata
            .annotations?
            .contains_key("sealer.dev/unsealed-digest")
            .then_some(())
    })
    .await;
    assert_eq!(
        value(&client, &ns, "from-seal", "password")
            .await
            .as_deref(),
        Some(&b"hunter2"[..])
    );
    assert!(!ours.log_text().contains("hunter2"));
}
