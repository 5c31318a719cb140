//! Key custody on the real control plane: `seal keys list/backup/restore`, the disaster
//! drill (a whole private control plane destroyed and rebuilt from a backup), and bad
//! backups that must leave the cluster untouched. Keys moved between the Bitnami
//! controller and ours are in `key_interop.rs`; `seal keys new` and
//! `seal reencrypt --dir` in `key_rotation.rs`.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Event, Namespace, Secret};
use kube::Client;
use kube::api::{Api, ListParams, ObjectMeta, PostParams};
use sealer_core::backup::{self, KdfParams};
use sealer_core::keys::KEY_LABEL;
use sealer_tests::cluster::{self, PrivatePlane};
use sealer_tests::controller::{RunningController, wait_for};
use sealer_tests::custody::{
    PASSPHRASE, TIMEOUT, apply_all, base64_of, expected_data, key_secrets, keys_list, ok, p,
    run_in, seal_all, seal_in, secrets_yaml, wait_data,
};
use sealer_tests::peers::seal_bin;
use serde_json::{Value, json};

const T: Duration = TIMEOUT;

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

#[tokio::test]
async fn disaster_drill_50_secrets_come_back_byte_identical_on_a_fresh_plane() {
    let work = tempfile::tempdir().unwrap();
    let pass = work.path().join("pass");
    std::fs::write(&pass, format!("{PASSPHRASE}\n")).unwrap();
    let plain = work.path().join("keys-plain.yaml");
    let encrypted = work.path().join("keys.backup");
    let (keys_ns, apps) = ("sealer-keys", "apps");

    // Plane A: our controller unseals 50 SealedSecrets.
    let mut a = PrivatePlane::up("drill-a");
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
    let dir_a = a.dir().to_path_buf();
    a.destroy();
    assert!(!dir_a.exists());
    drop(client_a);

    // Each backup form on its own fresh plane, so each one alone must bring every
    // Secret back: the plain one through `kubectl apply`, the encrypted one through
    // `seal keys restore` (twice: the second changes nothing).
    for form in ["plain", "encrypted"] {
        let b = PrivatePlane::up(&format!("drill-{form}"));
        let client_b = b.client().await;
        cluster::apply_crd(&client_b, &cluster::read_crd(&cluster::sealedsecret_crd())).await;
        create_namespace(&client_b, keys_ns).await;
        create_namespace(&client_b, apps).await;
        if form == "plain" {
            ok(
                run_in(
                    Some(&b.kubeconfig),
                    Path::new("kubectl"),
                    &["apply", "-f", p(&plain)],
                ),
                "kubectl apply -f <plain backup>",
            );
        } else {
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
        }
        let names_b: Vec<String> = key_secrets(&client_b, keys_ns)
            .await
            .iter()
            .map(|s| s.metadata.name.clone().unwrap())
            .collect();
        assert_eq!(names_b, names_a, "{form}: the same key Secrets");

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
            "{form}: the 50 Secrets must come back byte-identical"
        );
        assert_eq!(
            ctl_b.metric("sealer_keys"),
            1.0,
            "{form}: no new key was made"
        );
        if form == "encrypted" {
            assert_eq!(ctl_b.metric("sealer_newest_key_backed_up"), 1.0);
        }
        assert!(!ctl_b.log_text().contains("pw-1-"));
    }
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
