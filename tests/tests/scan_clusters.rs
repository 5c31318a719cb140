//! `seal scan` tells a SealedSecret sealed for another cluster, offline: the fingerprint
//! `seal` records in `sealer.dev/sealed-with` against the certificate `.sealer.yaml` maps
//! to the file's path. No cluster and no private key are involved.

// Test helpers: a failed set-up step should stop the test with its reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

use sealer_tests::peers::{repo_root, seal_bin};

const PLANTED: &str = "fake-cluster-password-6";

fn run(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut c = Command::new(seal_bin());
    c.args(args)
        .current_dir(dir)
        .env_remove("SEALER_CERT")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().expect("seal");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("seal")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A repository mapping `clusters/prod/**` to `certs/prod.pem`, with `db.yaml` there
/// sealed by `seal` with `sealed_with` (a certificate of tests/vectors).
fn repo(mapped: &str, sealed_with: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir_all(root.join("certs")).unwrap();
    std::fs::create_dir_all(root.join("clusters/prod")).unwrap();
    std::fs::copy(
        repo_root().join("tests/vectors").join(mapped),
        root.join("certs/prod.pem"),
    )
    .unwrap();
    std::fs::write(
        root.join(".sealer.yaml"),
        "certificates:\n- {path: 'clusters/prod/**', cert: certs/prod.pem}\n",
    )
    .unwrap();
    let secret = format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: db, namespace: prod}}\nstringData:\n  password: {PLANTED}\n"
    );
    let cert = repo_root().join("tests/vectors").join(sealed_with);
    let out = run(
        root,
        &[
            "--cert",
            cert.to_str().unwrap(),
            "-w",
            "clusters/prod/db.yaml",
        ],
        Some(secret.as_bytes()),
    );
    assert!(out.status.success(), "{}", text(&out));
    dir
}

#[test]
fn a_sealed_secret_for_the_mapped_certificate_passes() {
    let dir = repo("test-cert.pem", "test-cert.pem");
    let out = run(dir.path(), &["scan", "--strict", "clusters"], None);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn a_sealed_secret_for_another_clusters_certificate_is_blocked() {
    let dir = repo("test-cert.pem", "other-cert.pem");
    let out = run(dir.path(), &["scan", "clusters"], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let all = text(&out);
    assert!(all.contains("[sealed-wrong-cluster]"), "{all}");
    assert!(all.contains("certs/prod.pem"), "{all}");
    assert!(!all.contains(PLANTED));
}

#[test]
fn a_sealed_secret_without_the_annotation_is_reported_only_with_strict() {
    let dir = repo("test-cert.pem", "test-cert.pem");
    let path = dir.path().join("clusters/prod/db.yaml");
    let sealed = std::fs::read_to_string(&path).unwrap();
    // What kubeseal writes: no sealer.dev/sealed-with.
    let kubeseal: String = sealed
        .lines()
        .filter(|l| !l.contains("sealer.dev/sealed-with"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(kubeseal, sealed);
    std::fs::write(&path, kubeseal).unwrap();
    let out = run(dir.path(), &["scan", "clusters"], None);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("sealed-unverified"), "{}", text(&out));
    let out = run(dir.path(), &["scan", "--strict", "clusters"], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("[sealed-unverified]"), "{}", text(&out));
}
