//! The certificate mapping of `.sealer.yaml` (`certificates: [{path: GLOB, cert: FILE}]`):
//! it only ever reads a certificate inside the repository, and `seal` says which one it
//! chose and why.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::*;

/// A repository (a folder with a `.sealer.yaml`) inside a temporary folder, with the
/// plaintext Secret `apps/s.yaml` and a valid certificate `outside.pem` next to the
/// repository, outside it.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new(config: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let repo = Self { dir };
        std::fs::create_dir_all(repo.root().join("apps")).unwrap();
        std::fs::create_dir_all(repo.root().join("certs")).unwrap();
        std::fs::write(repo.root().join("apps/s.yaml"), SECRET).unwrap();
        std::fs::copy(fx().cert(), repo.outside()).unwrap();
        std::fs::write(repo.root().join(".sealer.yaml"), config).unwrap();
        repo
    }
    fn root(&self) -> PathBuf {
        self.dir.path().join("repo")
    }
    fn outside(&self) -> PathBuf {
        self.dir.path().join("outside.pem")
    }
    fn config(&self) -> String {
        self.root().join(".sealer.yaml").display().to_string()
    }
    /// `seal ARGS` run from the repository root.
    fn seal(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_seal"))
            .args(args)
            .current_dir(self.root())
            .env_remove("SEALER_CERT")
            .env_remove("KUBECONFIG")
            .env("HOME", std::env::temp_dir().join("seal-test-no-home"))
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
}

fn assert_refused(out: &Output, expected: &str, what: &str) {
    assert_eq!(stderr(out), expected, "{what}");
    assert_eq!(out.status.code(), Some(2), "{what}");
    assert!(out.stdout.is_empty(), "{what}: stdout must stay empty");
}

fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// The case: a mapping read /etc/passwd. `seal -f` and `seal scan` both refuse
/// the file, naming the entry.
#[test]
fn fail_a_certificate_mapped_to_an_absolute_path_is_refused() {
    let repo = Repo::new("certificates:\n- {path: 'apps/**', cert: /etc/passwd}\n");
    let expected = format!(
        "seal: {}: certificates entry `apps/**` maps to `/etc/passwd`, an absolute path: name a certificate inside the repository, relative to its root (e.g. certs/prod.pem)\n",
        repo.config()
    );
    assert_refused(&repo.seal(&["-f", "apps/s.yaml"]), &expected, "seal -f");
    assert_refused(&repo.seal(&["scan"]), &expected, "seal scan");
}

/// The other case: `../../../../dev/zero`; and any path that leaves the root
/// once `..` is resolved, even to a valid certificate.
#[test]
fn fail_a_certificate_mapped_outside_the_repository_through_dot_dot_is_refused() {
    for cert in [
        "../outside.pem",
        "../../../../dev/zero",
        "certs/../../outside.pem",
        "./../outside.pem",
    ] {
        let repo = Repo::new(&format!(
            "certificates:\n- {{path: 'apps/**', cert: '{cert}'}}\n"
        ));
        assert_refused(
            &repo.seal(&["-f", "apps/s.yaml"]),
            &format!(
                "seal: {}: certificates entry `apps/**` maps to `{cert}`, which leaves the repository: name a certificate inside the repository, relative to its root (e.g. certs/prod.pem)\n",
                repo.config()
            ),
            cert,
        );
    }
}

/// A symlink inside the repository that points outside it is not followed either.
#[test]
fn fail_a_certificate_mapped_to_a_symlink_leading_outside_the_repository_is_refused() {
    let repo = Repo::new("certificates:\n- {path: 'apps/**', cert: certs/link.pem}\n");
    symlink(&repo.outside(), &repo.root().join("certs/link.pem"));
    assert_refused(
        &repo.seal(&["-f", "apps/s.yaml"]),
        &format!(
            "seal: {}: certificates entry `apps/**` maps to `certs/link.pem`, which leads outside the repository through a symlink: name a certificate inside the repository, relative to its root (e.g. certs/prod.pem)\n",
            repo.config()
        ),
        "symlink",
    );
    // A symlinked folder on the way does not get around it.
    let repo = Repo::new("certificates:\n- {path: 'apps/**', cert: shared/outside.pem}\n");
    symlink(repo.dir.path(), &repo.root().join("shared"));
    let out = repo.seal(&["-f", "apps/s.yaml"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`shared/outside.pem`, which leads outside the repository"),
        "{}",
        stderr(&out)
    );
}

/// `seal scan --fix` reads the mapped certificate with the same check.
#[test]
fn fail_scan_fix_does_not_seal_with_a_symlinked_certificate_outside_the_repository() {
    let repo = Repo::new("certificates:\n- {path: 'apps/**', cert: certs/link.pem}\n");
    symlink(&repo.outside(), &repo.root().join("certs/link.pem"));
    let out = repo.seal(&["scan", "--fix", "apps/s.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "seal scan --fix: apps/s.yaml: not sealed: {}: certificates entry `apps/**` maps to `certs/link.pem`, which leads outside the repository through a symlink",
            repo.config()
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(repo.root().join("apps/s.yaml")).unwrap(),
        SECRET,
        "the file is left as it was"
    );
}

/// The chosen certificate, and the entry that chose it, are one line on stderr; a symlink
/// that stays inside the repository is followed.
#[test]
fn a_mapped_certificate_is_named_on_stderr_with_the_glob_that_chose_it() {
    let repo = Repo::new(
        "certificates:\n- {path: 'clusters/**', cert: certs/other.pem}\n- {path: 'apps/**', cert: certs/prod.pem}\n",
    );
    std::fs::copy(fx().cert(), repo.root().join("certs/prod.pem")).unwrap();
    let out = repo.seal(&["-f", "apps/s.yaml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "seal: sealing with certs/prod.pem (mapped to apps/** by .sealer.yaml)\n"
    );
    assert!(
        stdout(&out).contains("kind: SealedSecret"),
        "{}",
        stdout(&out)
    );

    let repo = Repo::new("certificates:\n- {path: 'apps/*.yaml', cert: certs/current.pem}\n");
    std::fs::copy(fx().cert(), repo.root().join("certs/prod.pem")).unwrap();
    symlink(
        Path::new("prod.pem"),
        &repo.root().join("certs/current.pem"),
    );
    let out = repo.seal(&["-f", "apps/s.yaml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "seal: sealing with certs/current.pem (mapped to apps/*.yaml by .sealer.yaml)\n"
    );
    // --cert wins over the mapping, and then nothing is said about it.
    let out = repo.seal(&["-f", "apps/s.yaml", "--cert", &fx().cert()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}
