//! Key custody on the real control plane: `seal keys backup/restore/new/list`, the
//! disaster drill (a whole private control plane destroyed and rebuilt from a backup),
//! keys moved between the Bitnami controller and ours both ways, and bad backups that
//! must leave the cluster untouched.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use k8s_openapi::api::core::v1::{Event, Namespace, Secret};
use kube::Client;
use kube::api::{Api, DeleteParams, ListParams, ObjectMeta, PostParams};
use sealer_controller::crd::SealedSecret;
use sealer_core::backup::{self, KdfParams};
use sealer_core::keys::KEY_LABEL;
use sealer_tests::cluster;
use sealer_tests::controller::{RunningController, http_get, wait_for};
use sealer_tests::peers::{peer, repo_root, run, run_ok, seal_bin};
use serde_json::{Value, json};

const T: Duration = Duration::from_secs(120);
const PASSPHRASE: &str = "correct horse battery staple";

/// A private control plane with its own state dir under /tmp, so a test may destroy it
/// without disturbing the shared plane other tests use. Stopped and removed on drop.
struct Plane {
    dir: PathBuf,
    kubeconfig: PathBuf,
}

impl Plane {
    fn up(prefix: &str) -> Self {
        let dir = PathBuf::from("/tmp").join(cluster::unique_name(prefix));
        let out = Command::new(repo_root().join("tests/cluster/up"))
            .env("SEALER_CLUSTER_DIR", &dir)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let kubeconfig = stdout
            .trim()
            .strip_prefix("export KUBECONFIG=")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                let _ = std::fs::remove_dir_all(&dir);
                panic!(
                    "tests/cluster/up for a private plane in {} failed ({}): {stdout}{}",
                    dir.display(),
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                )
            });
        Self { dir, kubeconfig }
    }

    async fn client(&self) -> Client {
        let client = cluster::client_from(&self.kubeconfig).await;
        client.apiserver_version().await.unwrap();
        client
    }

    /// Stops etcd and kube-apiserver and deletes every file of the plane.
    fn destroy(&mut self) {
        if self.dir.as_os_str().is_empty() {
            return;
        }
        let _ = Command::new(repo_root().join("tests/cluster/down"))
            .env("SEALER_CLUSTER_DIR", &self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
        self.dir = PathBuf::new();
    }
}

impl Drop for Plane {
    fn drop(&mut self) {
        self.destroy();
    }
}

/// Runs `program` with `KUBECONFIG` set to `kubeconfig` (or inherited when `None`).
fn run_in(kubeconfig: Option<&Path>, program: &Path, args: &[&str]) -> Output {
    let mut c = Command::new(program);
    c.args(args).stdin(Stdio::null());
    if let Some(k) = kubeconfig {
        c.env("KUBECONFIG", k);
    }
    c.output().unwrap()
}

fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

fn seal_in(kubeconfig: Option<&Path>, args: &[&str]) -> String {
    ok(
        run_in(kubeconfig, &seal_bin(), args),
        &format!("seal {args:?}"),
    )
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

async fn create_namespace(client: &Client, name: &str) {
    let ns = Namespace {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    };
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &ns)
        .await
        .unwrap();
}

/// `count` Secrets in `ns` as one YAML stream, two values each (one binary).
fn secrets_yaml(ns: &str, prefix: &str, count: usize) -> String {
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

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Seals a YAML stream of Secrets with `cert`; returns the SealedSecrets.
fn seal_all(cert: &Path, yaml: &str) -> Vec<SealedSecret> {
    let out = run_ok(
        &seal_bin(),
        &["--cert", p(cert), "-o", "json"],
        yaml.as_bytes(),
    );
    let text = String::from_utf8(out).unwrap();
    sealer_core::manifest::parse_documents(&text)
        .unwrap()
        .iter()
        .map(|d| serde_json::from_value(d.clone()).unwrap())
        .collect()
}

async fn apply_all(client: &Client, ns: &str, sealed: &[SealedSecret]) {
    let api = Api::<SealedSecret>::namespaced(client.clone(), ns);
    for ss in sealed {
        let mut ss = ss.clone();
        ss.metadata.resource_version = None;
        ss.metadata.uid = None;
        ss.metadata.creation_timestamp = None;
        api.create(&PostParams::default(), &ss).await.unwrap();
    }
}

type Data = BTreeMap<String, BTreeMap<String, Vec<u8>>>;

/// The data of every Secret in `ns` whose name starts with `prefix`.
async fn secret_data(client: &Client, ns: &str, prefix: &str) -> Data {
    Api::<Secret>::namespaced(client.clone(), ns)
        .list(&ListParams::default())
        .await
        .unwrap()
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
                s.metadata.name.unwrap(),
                s.data
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, v.0))
                    .collect(),
            )
        })
        .collect()
}

async fn wait_data(client: &Client, ns: &str, prefix: &str, count: usize) -> Data {
    wait_for(T, &format!("{count} Secrets {ns}/{prefix}-*"), || async {
        let data = secret_data(client, ns, prefix).await;
        (data.len() == count).then_some(data)
    })
    .await
}

fn expected_data(prefix: &str, count: usize) -> Data {
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

async fn key_secrets(client: &Client, ns: &str) -> Vec<Secret> {
    Api::<Secret>::namespaced(client.clone(), ns)
        .list(&ListParams::default().labels(KEY_LABEL))
        .await
        .unwrap()
        .items
}

fn versions(secrets: &[Secret]) -> BTreeMap<String, String> {
    secrets
        .iter()
        .map(|s| {
            (
                s.metadata.name.clone().unwrap(),
                s.metadata.resource_version.clone().unwrap(),
            )
        })
        .collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn keys_list(kubeconfig: Option<&Path>, ns: &str) -> Value {
    let out = run_in(
        kubeconfig,
        &seal_bin(),
        &["keys", "list", "--controller-namespace", ns, "-o", "json"],
    );
    serde_json::from_str(&ok(out, "seal keys list").lines().collect::<String>()).unwrap()
}

#[tokio::test]
async fn disaster_drill_50_secrets_come_back_byte_identical_on_a_fresh_plane() {
    let work = tempfile::tempdir().unwrap();
    let pass = work.path().join("pass");
    std::fs::write(&pass, format!("{PASSPHRASE}\n")).unwrap();
    let plain = work.path().join("keys-plain.yaml");
    let encrypted = work.path().join("keys.backup");
    let (keys_ns, apps) = ("sealer-keys", "apps");

    // Plane A: our controller unseals 50 SealedSecrets.
    let mut a = Plane::up("drill-a");
    let client_a = a.client().await;
    cluster::apply_crd(&client_a, &cluster::read_crd(&cluster::sealedsecret_crd())).await;
    create_namespace(&client_a, keys_ns).await;
    create_namespace(&client_a, apps).await;
    let mut ctl = RunningController::start_with_kubeconfig(
        &a.kubeconfig,
        keys_ns,
        apps,
        &["--key-renew-period", "0"],
    );
    let cert = ctl.cert_file();
    let sealed = seal_all(&cert, &secrets_yaml(apps, "app", 50));
    assert_eq!(sealed.len(), 50);
    apply_all(&client_a, apps, &sealed).await;
    let before = wait_data(&client_a, apps, "app", 50).await;
    assert_eq!(before, expected_data("app", 50));

    // The fresh key has no backup: metric 0 and a KeyNotBackedUp warning with its age.
    assert_eq!(ctl.metric("sealer_newest_key_backed_up"), 0.0);
    assert_eq!(ctl.metric("sealer_keys_not_backed_up"), 1.0);
    let note = wait_for(T, "a KeyNotBackedUp event", || async {
        Api::<Event>::namespaced(client_a.clone(), keys_ns)
            .list(&ListParams::default())
            .await
            .ok()?
            .items
            .into_iter()
            .find(|e| e.reason.as_deref() == Some("KeyNotBackedUp"))
            .and_then(|e| e.message)
    })
    .await;
    assert!(note.contains("old and has never been backed up"), "{note}");

    // Both backup forms; each is recorded on the key Secret.
    let listed = keys_list(Some(&a.kubeconfig), keys_ns);
    assert_eq!(listed["keys"][0]["backedUpAt"], Value::Null, "{listed}");
    seal_in(
        Some(&a.kubeconfig),
        &[
            "keys",
            "backup",
            "--controller-namespace",
            keys_ns,
            "-o",
            p(&plain),
        ],
    );
    seal_in(
        Some(&a.kubeconfig),
        &[
            "keys",
            "backup",
            "--controller-namespace",
            keys_ns,
            "-o",
            p(&encrypted),
            "--passphrase-file",
            p(&pass),
        ],
    );
    assert_eq!(mode(&plain), 0o600);
    assert_eq!(mode(&encrypted), 0o600);
    let enc_text = std::fs::read_to_string(&encrypted).unwrap();
    assert!(enc_text.starts_with("SEALER-ENCRYPTED-KEY-BACKUP v1\n"));
    assert!(!enc_text.contains("PRIVATE KEY") && !enc_text.contains("tls.key"));
    assert!(
        std::fs::read_to_string(&plain)
            .unwrap()
            .contains("kind: List")
    );
    let listed = keys_list(Some(&a.kubeconfig), keys_ns);
    let key = &listed["keys"][0];
    assert_eq!(key["sealsNewValues"], true, "{listed}");
    assert_eq!(key["state"], "active");
    assert!(key["backedUpAt"].as_str().is_some(), "{listed}");
    wait_for(T, "sealer_newest_key_backed_up = 1", || async {
        (ctl.metric("sealer_newest_key_backed_up") == 1.0).then_some(())
    })
    .await;
    let names_a: Vec<String> = key_secrets(&client_a, keys_ns)
        .await
        .iter()
        .map(|s| s.metadata.name.clone().unwrap())
        .collect();

    // Offline recovery from either form opens all 50.
    let sealed_file = work.path().join("sealed.json");
    std::fs::write(
        &sealed_file,
        sealed
            .iter()
            .map(|s| serde_json::to_string(s).unwrap())
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    for args in [
        vec!["--key", p(&plain)],
        vec!["--key", p(&encrypted), "--passphrase-file", p(&pass)],
    ] {
        let mut full = vec!["unseal", "-f", p(&sealed_file), "-o", "json"];
        full.extend(args);
        let out = seal_in(None, &full);
        assert_eq!(out.matches("\"kind\": \"Secret\"").count(), 50);
    }

    // Disaster: plane A is gone, files and all.
    assert!(ctl.terminate());
    let dir_a = a.dir.clone();
    a.destroy();
    assert!(!dir_a.exists());
    drop(client_a);

    // Plane B: the plain backup through `kubectl apply`, then the encrypted one through
    // `seal keys restore` (twice: the second changes nothing), then the controller.
    let b = Plane::up("drill-b");
    let client_b = b.client().await;
    cluster::apply_crd(&client_b, &cluster::read_crd(&cluster::sealedsecret_crd())).await;
    create_namespace(&client_b, keys_ns).await;
    create_namespace(&client_b, apps).await;
    ok(
        run_in(
            Some(&b.kubeconfig),
            Path::new("kubectl"),
            &["apply", "-f", p(&plain)],
        ),
        "kubectl apply -f <plain backup>",
    );
    let restore = [
        "keys",
        "restore",
        p(&encrypted),
        "--controller-namespace",
        keys_ns,
        "--passphrase-file",
        p(&pass),
    ];
    seal_in(Some(&b.kubeconfig), &restore);
    let first = versions(&key_secrets(&client_b, keys_ns).await);
    let again = seal_in(Some(&b.kubeconfig), &restore);
    assert!(
        again.contains("0 created, 0 updated, 1 unchanged"),
        "{again}"
    );
    assert_eq!(versions(&key_secrets(&client_b, keys_ns).await), first);
    assert_eq!(first.keys().cloned().collect::<Vec<_>>(), names_a);

    apply_all(&client_b, apps, &sealed).await;
    let ctl_b = RunningController::start_with_kubeconfig(
        &b.kubeconfig,
        keys_ns,
        apps,
        &["--key-renew-period", "0"],
    );
    let after = wait_data(&client_b, apps, "app", 50).await;
    assert_eq!(
        after, before,
        "the 50 Secrets must come back byte-identical"
    );
    assert_eq!(ctl_b.metric("sealer_keys"), 1.0, "no new key was made");
    assert_eq!(ctl_b.metric("sealer_newest_key_backed_up"), 1.0);
    assert!(!ctl_b.log_text().contains("pw-1-"));
}

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

/// A key Secret for the bad-input tests (2048 bits, fast).
fn key_secret_json(name: &str) -> Value {
    let g = sealer_core::keys::generate_key(2048, 30, 1_800_000_000).unwrap();
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "labels": {KEY_LABEL: "active"}},
        "type": "kubernetes.io/tls",
        "data": {
            "tls.key": base64_of(g.key_pem.as_bytes()),
            "tls.crt": base64_of(g.cert_pem.as_bytes()),
        },
    })
}

fn fails_with(args: &[&str], message: &str) {
    let out = run_in(None, &seal_bin(), args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "seal {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("seal: {message}\n")
    );
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn bad_backups_are_refused_with_one_line_and_nothing_is_written() {
    let client = cluster::client().await;
    let ns = cluster::namespace(&client, "custody-bad").await;
    let work = tempfile::tempdir().unwrap();
    let f = |name: &str| work.path().join(name);
    let fast = KdfParams {
        m_cost_kib: 1024,
        t_cost: 1,
        p_cost: 1,
    };
    let plain = backup::render_plain(vec![
        backup::backup_item(
            &key_secret_json("sealed-secrets-keyaaaaa"),
            "2026-01-01T00:00:00Z",
        ),
        backup::backup_item(
            &key_secret_json("sealed-secrets-keybbbbb"),
            "2026-01-01T00:00:00Z",
        ),
    ])
    .unwrap();
    let enc = backup::encrypt(plain.as_bytes(), PASSPHRASE.as_bytes(), fast).unwrap();
    std::fs::write(f("pass"), PASSPHRASE).unwrap();
    std::fs::write(f("wrong"), "not the passphrase\n").unwrap();
    std::fs::write(f("empty"), "\n").unwrap();
    std::fs::write(f("good.backup"), &enc).unwrap();

    // Truncated: the last body line is lost (every line is whole base64 quads).
    let mut lines: Vec<&str> = enc.lines().collect();
    let lost = lines.pop().unwrap();
    let body_start = lines.iter().position(|l| l.is_empty()).unwrap() + 1;
    let kept: usize = lines[body_start..].iter().map(|l| l.len()).sum();
    let length: usize = lines[2].rsplit('=').next().unwrap().parse().unwrap();
    assert!(!lost.is_empty() && kept.is_multiple_of(4));
    std::fs::write(f("truncated.backup"), lines.join("\n") + "\n").unwrap();
    // Tampered: one body character changed.
    let mut tampered = enc.clone().into_bytes();
    let at = enc.find("\n\n").unwrap() + 20;
    tampered[at] = if tampered[at] == b'Q' { b'R' } else { b'Q' };
    std::fs::write(f("tampered.backup"), tampered).unwrap();
    std::fs::write(f("empty.yaml"), "apiVersion: v1\nkind: List\nitems: []\n").unwrap();
    std::fs::write(
        f("sealed.yaml"),
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: x, namespace: y}\nspec: {encryptedData: {}}\n",
    )
    .unwrap();
    let mut no_key = key_secret_json("sealed-secrets-keyccccc");
    no_key["data"].as_object_mut().unwrap().remove("tls.key");
    let mut items = vec![key_secret_json("sealed-secrets-keyddddd"), no_key];
    for item in &mut items {
        item["metadata"]["namespace"] = json!(ns);
    }
    std::fs::write(
        f("no-tls-key.json"),
        serde_json::to_string(&json!({"apiVersion": "v1", "kind": "List", "items": items}))
            .unwrap(),
    )
    .unwrap();

    let restore = |file: &str, extra: &[&str]| -> Vec<String> {
        let mut args = vec![
            "keys".to_owned(),
            "restore".to_owned(),
            p(&f(file)).to_owned(),
            "--controller-namespace".to_owned(),
            ns.clone(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    };
    let path = |name: &str| p(&f(name)).to_owned();
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            restore("good.backup", &["--passphrase-file", &path("wrong")]),
            format!(
                "{}: wrong passphrase (or the backup's header was altered)",
                path("good.backup")
            ),
        ),
        (
            restore("good.backup", &[]),
            format!(
                "{} is an encrypted key backup: pass --passphrase-file FILE",
                path("good.backup")
            ),
        ),
        (
            restore("good.backup", &["--passphrase-file", &path("empty")]),
            format!(
                "passphrase file {} is empty: write the passphrase into it",
                path("empty")
            ),
        ),
        (
            restore("truncated.backup", &["--passphrase-file", &path("pass")]),
            format!(
                "{}: the encrypted backup is truncated ({} of {length} bytes): use another copy",
                path("truncated.backup"),
                kept / 4 * 3
            ),
        ),
        (
            restore("tampered.backup", &["--passphrase-file", &path("pass")]),
            format!(
                "{}: the encrypted backup was altered or damaged (it does not authenticate): use another copy",
                path("tampered.backup")
            ),
        ),
        (
            restore("empty.yaml", &[]),
            format!(
                "{} holds no key Secrets: it is not a key backup, or it was taken from a namespace without keys",
                path("empty.yaml")
            ),
        ),
        (
            restore("no-tls-key.json", &[]),
            format!(
                "{}: Secret `sealed-secrets-keyccccc` has no data.tls.key: it is not a sealing key Secret",
                path("no-tls-key.json")
            ),
        ),
        (
            vec![
                "unseal".to_owned(),
                "--key".to_owned(),
                path("good.backup"),
                "--passphrase-file".to_owned(),
                path("wrong"),
                "-f".to_owned(),
                path("sealed.yaml"),
            ],
            format!(
                "{}: wrong passphrase (or the backup's header was altered)",
                path("good.backup")
            ),
        ),
        (
            vec![
                "keys".to_owned(),
                "backup".to_owned(),
                "--controller-namespace".to_owned(),
                ns.clone(),
                "-o".to_owned(),
                path("never-written"),
                "--passphrase-file".to_owned(),
                path("empty"),
            ],
            format!(
                "passphrase file {} is empty: write the passphrase into it",
                path("empty")
            ),
        ),
    ];
    for (args, message) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        fails_with(&args, message);
    }
    assert!(!f("never-written").exists());
    let left = Api::<Secret>::namespaced(client.clone(), &ns)
        .list(&ListParams::default())
        .await
        .unwrap();
    assert!(
        left.items.is_empty(),
        "nothing may be written: {:?}",
        left.items
            .iter()
            .map(|s| s.metadata.name.clone())
            .collect::<Vec<_>>()
    );

    // A Secret of the same name holding another key is never overwritten, and the
    // other key of the backup is not created either.
    let mut other = key_secret_json("sealed-secrets-keyaaaaa");
    other["metadata"]["namespace"] = json!(ns);
    let other: Secret = serde_json::from_value(other).unwrap();
    let api = Api::<Secret>::namespaced(client.clone(), &ns);
    let existing = api.create(&PostParams::default(), &other).await.unwrap();
    let out = run_in(
        None,
        &seal_bin(),
        &restore("good.backup", &["--passphrase-file", &path("pass")])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "seal: nothing restored: Secret sealed-secrets-keyaaaaa already exists with a different key ("
        ) && stderr.ends_with("refusing to overwrite it; delete or rename it first if the backup's key is the one you want\n")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
    let left = api.list(&ListParams::default()).await.unwrap().items;
    assert_eq!(left.len(), 1);
    assert_eq!(
        left[0].metadata.resource_version,
        existing.metadata.resource_version
    );
}

#[tokio::test]
async fn keys_new_installs_the_key_that_seals_and_the_controller_switches_to_it() {
    let client = cluster::client().await;
    let ns = cluster::namespace(&client, "custody-new").await;
    let work = tempfile::tempdir().unwrap();
    let (byo_key, byo_cert) = (work.path().join("k.pem"), work.path().join("c.pem"));
    seal_in(
        None,
        &[
            "keygen",
            "--key-out",
            p(&byo_key),
            "--cert-out",
            p(&byo_cert),
            "--bits",
            "2048",
        ],
    );
    std::thread::sleep(Duration::from_millis(1100));
    let ctl = RunningController::start(&ns, &ns, &["--key-renew-period", "0"]);
    let first = std::fs::read_to_string(ctl.cert_file()).unwrap();

    // A generated key becomes the one that seals; the controller serves it at once.
    let out = seal_in(
        None,
        &[
            "keys",
            "new",
            "--controller-namespace",
            &ns,
            "--bits",
            "2048",
        ],
    );
    assert!(out.contains("it seals new values from now on"), "{out}");
    let listed = keys_list(None, &ns);
    let sealing: Vec<&Value> = listed["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["sealsNewValues"] == true)
        .collect();
    assert_eq!(sealing.len(), 1);
    assert_eq!(
        sealing[0]["name"].as_str().unwrap(),
        out.lines().next().unwrap()
    );
    let url = format!("{}/v1/cert.pem", ctl.api);
    wait_for(T, "the controller to serve the new certificate", || async {
        (http_get(&url).1 != first).then_some(())
    })
    .await;

    // Bring-your-own with a certificate older than the newest key: refused, explained.
    let out = run_in(
        None,
        &seal_bin(),
        &[
            "keys",
            "new",
            "--controller-namespace",
            &ns,
            "--key",
            p(&byo_key),
            "--cert",
            p(&byo_cert),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is not later than that of the newest key")
            && stderr.contains("omit --cert to give the key a fresh certificate"),
        "{stderr}"
    );
    assert_eq!(key_secrets(&client, &ns).await.len(), 2);

    // The same key without --cert gets a fresh certificate and seals.
    let out = seal_in(
        None,
        &[
            "keys",
            "new",
            "--controller-namespace",
            &ns,
            "--key",
            p(&byo_key),
        ],
    );
    let name = out.lines().next().unwrap().to_owned();
    let listed = keys_list(None, &ns);
    let newest = &listed["keys"][0];
    assert_eq!(newest["name"], name.as_str(), "{listed}");
    assert_eq!(newest["sealsNewValues"], true);
    wait_for(T, "the controller to serve the imported key", || async {
        let pem = http_get(&url).1;
        let cert = sealer_core::SealingCert::from_pem(pem.as_bytes(), 0).ok()?;
        let want = sealer_core::SealingCert::from_pem(&std::fs::read(&byo_cert).unwrap(), 0)
            .unwrap()
            .fingerprint();
        (cert.fingerprint() == want).then_some(())
    })
    .await;
    // Installing it twice is refused.
    let out = run_in(
        None,
        &seal_bin(),
        &[
            "keys",
            "new",
            "--controller-namespace",
            &ns,
            "--key",
            p(&byo_key),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is already installed as Secret"));
}

#[test]
fn reencrypt_dir_reseals_only_sealed_secret_files_in_place_and_summarises() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("manifests");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let pair = |name: &str| {
        let (k, c) = (
            work.path().join(format!("{name}.key")),
            work.path().join(format!("{name}.crt")),
        );
        seal_in(
            None,
            &[
                "keygen",
                "--key-out",
                p(&k),
                "--cert-out",
                p(&c),
                "--bits",
                "2048",
            ],
        );
        (k, c)
    };
    let (old_key, old_cert) = pair("old");
    let (new_key, new_cert) = pair("new");
    let (_, stranger_cert) = pair("stranger");
    let seal_to = |cert: &Path, yaml: &str, json: bool| {
        let mut args = vec!["--cert", p(cert)];
        if json {
            args.extend(["-o", "json"]);
        }
        run_ok(&seal_bin(), &args, yaml.as_bytes())
    };
    let cm =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: apps}\ndata: {a: b}\n";
    std::fs::write(
        dir.join("a.yaml"),
        seal_to(&old_cert, &secrets_yaml("apps", "a", 1), false),
    )
    .unwrap();
    std::fs::write(
        dir.join("b.json"),
        seal_to(&old_cert, &secrets_yaml("apps", "b", 2), true),
    )
    .unwrap();
    std::fs::write(
        dir.join("sub/c.yml"),
        seal_to(&old_cert, &secrets_yaml("apps", "c", 1), false),
    )
    .unwrap();
    let mut mixed = seal_to(&old_cert, &secrets_yaml("apps", "m", 1), false);
    mixed.extend_from_slice(format!("---\n{cm}").as_bytes());
    std::fs::write(dir.join("mixed.yaml"), &mixed).unwrap();
    std::fs::write(dir.join("cm.yaml"), cm).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a manifest").unwrap();
    let broken = seal_to(&stranger_cert, &secrets_yaml("apps", "x", 1), false);
    std::fs::write(dir.join("broken.yaml"), &broken).unwrap();

    let out = run_in(
        None,
        &seal_bin(),
        &[
            "reencrypt",
            "--dir",
            p(&dir),
            "--key",
            p(&old_key),
            "--cert",
            p(&new_cert),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.ends_with("3 file(s) re-sealed, 2 skipped, 1 failed\n"),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "skipped   {}: holds a ConfigMap, not only SealedSecrets",
            p(&dir.join("cm.yaml"))
        )),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "FAILED    {}: SealedSecret apps/x-0: no key could decrypt",
            p(&dir.join("broken.yaml"))
        )),
        "{report}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "seal: 1 file(s) could not be re-sealed and were left unchanged\n"
    );
    for file in ["a.yaml", "b.json", "sub/c.yml"] {
        seal_in(
            None,
            &["validate", "--key", p(&new_key), "-f", p(&dir.join(file))],
        );
    }
    assert!(
        std::fs::read_to_string(dir.join("b.json"))
            .unwrap()
            .starts_with('{')
    );
    assert!(
        std::fs::read_to_string(dir.join("a.yaml"))
            .unwrap()
            .starts_with("apiVersion:")
    );
    assert_eq!(std::fs::read(dir.join("broken.yaml")).unwrap(), broken);
    assert_eq!(std::fs::read(dir.join("mixed.yaml")).unwrap(), mixed);
    assert_eq!(std::fs::read_to_string(dir.join("cm.yaml")).unwrap(), cm);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".seal-"))
        .collect();
    assert!(leftovers.is_empty());
}
