//! Interop with independent implementations, live: Go `kubeseal` (Bitnami), Python
//! `cryptography`, and the npm package `@linode/kubeseal-encrypt`. Both directions where
//! the peer can do both. Needs the peers from `tests/peers/install` (no cluster).
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sealer_tests::peers::{peer, repo_root, run, run_ok, seal_bin};

struct Keys {
    dir: PathBuf,
}

impl Keys {
    fn key(&self) -> String {
        self.dir.join("key.pem").display().to_string()
    }
    fn cert(&self) -> String {
        self.dir.join("cert.pem").display().to_string()
    }
    fn other_key(&self) -> String {
        self.dir.join("other.pem").display().to_string()
    }
    fn file(&self, name: &str, content: &[u8]) -> String {
        let p = self.dir.join(name);
        std::fs::write(&p, content).unwrap();
        p.display().to_string()
    }
}

/// A 4096-bit key made by `seal keygen`, as the controller would, and an unrelated key.
fn keys() -> &'static Keys {
    static K: OnceLock<Keys> = OnceLock::new();
    K.get_or_init(|| {
        let dir = tempfile_dir();
        let d = |n: &str| dir.join(n).display().to_string();
        run_ok(
            &seal_bin(),
            &[
                "keygen",
                "--key-out",
                &d("key.pem"),
                "--cert-out",
                &d("cert.pem"),
            ],
            b"",
        );
        run_ok(
            &seal_bin(),
            &[
                "keygen",
                "--bits",
                "2048",
                "--key-out",
                &d("other.pem"),
                "--cert-out",
                &d("other-cert.pem"),
            ],
            b"",
        );
        Keys { dir }
    })
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sealer-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn secret_json(name: &str, ns: &str) -> String {
    format!(
        r#"{{"apiVersion":"v1","kind":"Secret","metadata":{{"name":"{name}","namespace":"{ns}","labels":{{"app":"x"}}}},"type":"Opaque","stringData":{{"password":"hunter2","empty":""}},"data":{{"bin":"AAEC/w=="}}}}"#
    )
}

fn python() -> PathBuf {
    peer("SEALER_PEER_PYTHON")
}

fn py_script() -> String {
    repo_root()
        .join("tests/interop/sealed_py.py")
        .display()
        .to_string()
}

fn kubeseal() -> PathBuf {
    peer("SEALER_PEER_KUBESEAL")
}

const SCOPES: [&str; 3] = ["strict", "namespace-wide", "cluster-wide"];

#[test]
fn python_cryptography_decrypts_what_seal_makes_in_every_scope() {
    let k = keys();
    for scope in SCOPES {
        let sealed = run_ok(
            &seal_bin(),
            &["--cert", &k.cert(), "--scope", scope, "-o", "json"],
            secret_json("db", "prod").as_bytes(),
        );
        let file = k.file(&format!("ours-{scope}.json"), &sealed);
        let out = run_ok(&python(), &[&py_script(), "open", &k.key(), &file], b"");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "bin=000102ff\nempty=\npassword=68756e74657232\n",
            "scope {scope}"
        );
    }
}

#[test]
fn fail_python_refuses_a_strict_value_moved_to_another_name() {
    let k = keys();
    let sealed = run_ok(
        &seal_bin(),
        &["--cert", &k.cert(), "-o", "json"],
        secret_json("db", "prod").as_bytes(),
    );
    let moved =
        String::from_utf8(sealed)
            .unwrap()
            .replacen("\"name\": \"db\"", "\"name\": \"other\"", 1);
    let file = k.file("moved.json", moved.as_bytes());
    let out = run(&python(), &[&py_script(), "open", &k.key(), &file], b"");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn seal_unseal_opens_what_python_cryptography_seals() {
    let k = keys();
    for scope in SCOPES {
        let sealed = run_ok(
            &python(),
            &[
                &py_script(),
                "seal",
                &k.cert(),
                "team",
                "api",
                scope,
                "token=abc",
                "multi=a\nb",
            ],
            b"",
        );
        let out = run_ok(
            &seal_bin(),
            &["unseal", "--key", &k.key(), "-o", "json"],
            &sealed,
        );
        let secret: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(secret["data"]["token"], "YWJj", "scope {scope}");
        assert_eq!(secret["data"]["multi"], "YQpi", "scope {scope}");
    }
}

#[test]
fn seal_unseal_opens_what_linode_kubeseal_encrypt_makes() {
    let k = keys();
    let pubkey = run_ok(&python(), &[&py_script(), "pubkey", &k.cert()], b"");
    let pub_file = k.file("pub.pem", &pubkey);
    let pkg = peer("SEALER_PEER_KUBESEAL_ENCRYPT");
    let script = repo_root().join("tests/interop/linode_seal.mjs");
    let value = run_ok(
        Path::new("node"),
        &[
            script.to_str().unwrap(),
            pkg.to_str().unwrap(),
            &pub_file,
            "team",
            "from-js",
        ],
        b"",
    );
    let value = String::from_utf8(value).unwrap();
    let manifest = format!(
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: js\n  namespace: team\n  annotations:\n    sealedsecrets.bitnami.com/namespace-wide: \"true\"\nspec:\n  encryptedData:\n    v: {}\n",
        value.trim()
    );
    let out = run_ok(
        &seal_bin(),
        &["unseal", "--key", &k.key(), "-o", "json"],
        manifest.as_bytes(),
    );
    let secret: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(secret["data"]["v"], "ZnJvbS1qcw==");
    // The same value is bound to its namespace: under another one it must not open.
    let elsewhere = manifest.replace("namespace: team", "namespace: other");
    let out = run(
        &seal_bin(),
        &["unseal", "--key", &k.key()],
        elsewhere.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn seal_unseal_opens_what_kubeseal_seals_offline_in_every_scope() {
    let k = keys();
    for scope in SCOPES {
        let sealed = run_ok(
            &kubeseal(),
            &["--cert", &k.cert(), "--scope", scope, "-o", "yaml"],
            secret_json("db", "prod").as_bytes(),
        );
        let out = run_ok(
            &seal_bin(),
            &["unseal", "--key", &k.key(), "-o", "json"],
            &sealed,
        );
        let secret: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(secret["data"]["password"], "aHVudGVyMg==", "scope {scope}");
        assert_eq!(secret["data"]["bin"], "AAEC/w==", "scope {scope}");
        assert_eq!(secret["data"]["empty"], "", "scope {scope}");
        assert_eq!(secret["metadata"]["labels"]["app"], "x", "scope {scope}");
        assert_eq!(secret["type"], "Opaque");
        // And `seal validate` agrees; with an unrelated key it fails with exit 1.
        run_ok(&seal_bin(), &["validate", "--key", &k.key()], &sealed);
        let bad = run(&seal_bin(), &["validate", "--key", &k.other_key()], &sealed);
        assert_eq!(bad.status.code(), Some(1));
    }
}

#[test]
fn kubeseal_recovery_unseal_opens_what_seal_makes_in_every_scope() {
    let k = keys();
    for scope in SCOPES {
        let sealed = run_ok(
            &seal_bin(),
            &["--cert", &k.cert(), "--scope", scope],
            secret_json("db", "prod").as_bytes(),
        );
        let out = run_ok(
            &kubeseal(),
            &[
                "--recovery-unseal",
                "--recovery-private-key",
                &k.key(),
                "-o",
                "json",
            ],
            &sealed,
        );
        let secret: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(secret["data"]["password"], "aHVudGVyMg==", "scope {scope}");
        assert_eq!(secret["data"]["bin"], "AAEC/w==", "scope {scope}");
        assert_eq!(secret["metadata"]["name"], "db");
    }
}

#[test]
fn fail_kubeseal_recovery_unseal_refuses_our_value_under_the_wrong_key() {
    let k = keys();
    let sealed = run_ok(
        &seal_bin(),
        &["--cert", &k.cert()],
        secret_json("db", "prod").as_bytes(),
    );
    let out = run(
        &kubeseal(),
        &[
            "--recovery-unseal",
            "--recovery-private-key",
            &k.other_key(),
        ],
        &sealed,
    );
    assert!(!out.status.success());
}

#[test]
fn raw_values_agree_between_kubeseal_and_seal() {
    let k = keys();
    let value = k.file("raw.txt", b"raw-value");
    let theirs = run_ok(
        &kubeseal(),
        &[
            "--raw",
            "--cert",
            &k.cert(),
            "--scope",
            "strict",
            "--namespace",
            "ns",
            "--name",
            "n",
            "--from-file",
            &value,
        ],
        b"",
    );
    let manifest = format!(
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {{name: n, namespace: ns}}\nspec:\n  encryptedData:\n    k: {}\n",
        String::from_utf8(theirs).unwrap().trim()
    );
    let out = run_ok(
        &seal_bin(),
        &["unseal", "--key", &k.key(), "-o", "json"],
        manifest.as_bytes(),
    );
    let secret: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(secret["data"]["k"], "cmF3LXZhbHVl");
}

#[test]
fn kubeseal_merge_into_accepts_a_file_made_by_seal() {
    // kubeseal reads our file, adds a value, and our key still opens both.
    let k = keys();
    let ours = run_ok(
        &seal_bin(),
        &["--cert", &k.cert()],
        secret_json("db", "prod").as_bytes(),
    );
    let file = k.file("merge.yaml", &ours);
    run_ok(
        &kubeseal(),
        &["--cert", &k.cert(), "--merge-into", &file],
        br#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"prod"},"stringData":{"added":"by-kubeseal"}}"#,
    );
    let out = run_ok(
        &seal_bin(),
        &["unseal", "--key", &k.key(), "-f", &file, "-o", "json"],
        b"",
    );
    let secret: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(secret["data"]["added"], "Ynkta3ViZXNlYWw=");
    assert_eq!(secret["data"]["password"], "aHVudGVyMg==");
}
