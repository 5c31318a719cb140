//! Helpers shared by the key custody tests (`tests/tests/key_custody.rs`,
//! `key_interop.rs` and `key_rotation.rs`): running `seal` against a chosen plane,
//! sealing and applying batches of test Secrets, and reading back what a controller
//! unsealed and which keys it holds.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use k8s_openapi::api::core::v1::Secret;
use kube::Client;
use kube::api::{Api, ListParams, PostParams};
use sealer_controller::crd::SealedSecret;
use sealer_core::keys::KEY_LABEL;
use serde_json::Value;

use crate::controller::wait_for;
use crate::peers::{run_ok, seal_bin};

/// How long the custody tests wait for a controller or the plane to catch up.
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// The passphrase of the encrypted backups the custody tests write.
pub const PASSPHRASE: &str = "correct horse battery staple";

/// Runs `program` with `KUBECONFIG` set to `kubeconfig` (or inherited when `None`).
///
/// # Panics
/// When `program` cannot be started.
pub fn run_in(kubeconfig: Option<&Path>, program: &Path, args: &[&str]) -> Output {
    let mut c = Command::new(program);
    c.args(args).stdin(Stdio::null());
    if let Some(k) = kubeconfig {
        c.env("KUBECONFIG", k);
    }
    c.output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
}

/// What a successful run printed, stdout then stderr.
///
/// # Panics
/// When the run failed; the message names it as `what` and holds its output.
pub fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// Runs `seal args` against the plane of `kubeconfig` (see [`run_in`]); returns what it
/// printed.
///
/// # Panics
/// When `seal` fails.
pub fn seal_in(kubeconfig: Option<&Path>, args: &[&str]) -> String {
    ok(
        run_in(kubeconfig, &seal_bin(), args),
        &format!("seal {args:?}"),
    )
}

/// `path` as a command-line argument.
///
/// # Panics
/// When the path is not UTF-8 (the tests only make paths under the temp dir).
pub fn p(path: &Path) -> &str {
    path.to_str()
        .unwrap_or_else(|| panic!("{} is not UTF-8", path.display()))
}

/// `count` Secrets in `ns` as one YAML stream, two values each (one binary).
pub fn secrets_yaml(ns: &str, prefix: &str, count: usize) -> String {
    (0..count)
        .map(|i| {
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {prefix}-{i}\n  namespace: {ns}\n  labels: {{n: \"{i}\"}}\ndata:\n  blob: {}\nstringData:\n  password: \"pw-{i}-{}\"\n",
                base64_of(&[i as u8, 0, 255, 10]),
                "x".repeat(i)
            )
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

/// `bytes` in standard base64, as Secret `data` holds them.
pub fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Seals a YAML stream of Secrets with `cert`; returns the SealedSecrets.
///
/// # Panics
/// When `seal` fails or prints something that is not a stream of SealedSecrets.
pub fn seal_all(cert: &Path, yaml: &str) -> Vec<SealedSecret> {
    let out = run_ok(
        &seal_bin(),
        &["--cert", p(cert), "-o", "json"],
        yaml.as_bytes(),
    );
    let text = String::from_utf8(out)
        .unwrap_or_else(|e| panic!("seal printed output that is not UTF-8: {e}"));
    sealer_core::manifest::parse_documents(&text)
        .unwrap_or_else(|e| panic!("seal printed invalid documents: {e}\n{text}"))
        .iter()
        .map(|d| {
            serde_json::from_value(d.clone())
                .unwrap_or_else(|e| panic!("seal printed something not a SealedSecret: {e}\n{d}"))
        })
        .collect()
}

/// Creates `sealed` in `ns`, each as a new object (server-set metadata cleared, so
/// SealedSecrets read from another plane can be applied again).
///
/// # Panics
/// When the API server refuses one.
pub async fn apply_all(client: &Client, ns: &str, sealed: &[SealedSecret]) {
    let api = Api::<SealedSecret>::namespaced(client.clone(), ns);
    for ss in sealed {
        let mut ss = ss.clone();
        ss.metadata.resource_version = None;
        ss.metadata.uid = None;
        ss.metadata.creation_timestamp = None;
        api.create(&PostParams::default(), &ss)
            .await
            .unwrap_or_else(|e| panic!("creating a SealedSecret in {ns}: {e}"));
    }
}

/// The data of Secrets by name: Secret name → key → decoded value.
pub type Data = BTreeMap<String, BTreeMap<String, Vec<u8>>>;

/// The data of every Secret in `ns` whose name starts with `prefix`.
async fn secret_data(client: &Client, ns: &str, prefix: &str) -> Data {
    Api::<Secret>::namespaced(client.clone(), ns)
        .list(&ListParams::default())
        .await
        .unwrap_or_else(|e| panic!("listing the Secrets of {ns}: {e}"))
        .items
        .into_iter()
        .filter(|s| {
            s.metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with(prefix))
        })
        .map(|s| {
            (
                // The filter above kept only Secrets with a name.
                s.metadata.name.unwrap_or_default(),
                s.data
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, v.0))
                    .collect(),
            )
        })
        .collect()
}

/// Waits (at most [`TIMEOUT`]) until exactly `count` Secrets `ns/prefix-*` exist;
/// returns their data.
pub async fn wait_data(client: &Client, ns: &str, prefix: &str, count: usize) -> Data {
    wait_for(
        TIMEOUT,
        &format!("{count} Secrets {ns}/{prefix}-*"),
        || async {
            let data = secret_data(client, ns, prefix).await;
            (data.len() == count).then_some(data)
        },
    )
    .await
}

/// Waits (at most `timeout`) until the Secrets `ns/prefix-*` hold exactly `want`;
/// returns how long that took.
///
/// # Panics
/// After `timeout`, with how many Secrets were missing or wrong.
pub async fn wait_equal(
    client: &Client,
    ns: &str,
    prefix: &str,
    want: &Data,
    timeout: Duration,
) -> Duration {
    let start = std::time::Instant::now();
    let deadline = start + timeout;
    loop {
        let got = secret_data(client, ns, prefix).await;
        if &got == want {
            return start.elapsed();
        }
        if std::time::Instant::now() > deadline {
            let wrong = want.iter().filter(|(k, v)| got.get(*k) != Some(v)).count();
            let extra = got.keys().filter(|k| !want.contains_key(*k)).count();
            panic!(
                "after {timeout:?}, {wrong} of {} Secrets {ns}/{prefix}-* were missing or wrong and {extra} unexpected",
                want.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// How many Secrets `ns/prefix-*` exist.
pub async fn count_secrets(client: &Client, ns: &str, prefix: &str) -> usize {
    secret_data(client, ns, prefix).await.len()
}

/// The data [`secrets_yaml`] with the same `prefix` and `count` unseals to.
pub fn expected_data(prefix: &str, count: usize) -> Data {
    (0..count)
        .map(|i| {
            (
                format!("{prefix}-{i}"),
                [
                    ("blob".to_owned(), vec![i as u8, 0, 255, 10]),
                    (
                        "password".to_owned(),
                        format!("pw-{i}-{}", "x".repeat(i)).into_bytes(),
                    ),
                ]
                .into(),
            )
        })
        .collect()
}

/// The sealing key Secrets in `ns` (every state: labelled with [`KEY_LABEL`]).
///
/// # Panics
/// When they cannot be listed.
pub async fn key_secrets(client: &Client, ns: &str) -> Vec<Secret> {
    Api::<Secret>::namespaced(client.clone(), ns)
        .list(&ListParams::default().labels(KEY_LABEL))
        .await
        .unwrap_or_else(|e| panic!("listing the key Secrets of {ns}: {e}"))
        .items
}

/// `seal keys list -o json` for the controller namespace `ns`.
///
/// # Panics
/// When `seal` fails or does not print JSON.
pub fn keys_list(kubeconfig: Option<&Path>, ns: &str) -> Value {
    let out = run_in(
        kubeconfig,
        &seal_bin(),
        &["keys", "list", "--controller-namespace", ns, "-o", "json"],
    );
    let text = ok(out, "seal keys list").lines().collect::<String>();
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("seal keys list printed invalid JSON: {e}\n{text}"))
}
