//! The commit gate in throw-away git repositories: the real `git` making real commits
//! through the hook written by `seal hook install`, and the real `pre-commit` framework
//! installing this repository's `seal-scan` hook. No control plane needed; the
//! pre-commit tests need the `pre-commit` peer tool, so they are built with the `cluster`
//! feature only. The hook and `seal scan PATH` are tested here; `--commits`, baselines,
//! warnings and what the repository publishes (hooks, help) in the modules below.

// Test helpers: a failed set-up step should stop the test with its reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
#[cfg(feature = "cluster")]
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use sealer_tests::peers::{repo_root, seal_bin};

// A test crate's root finds its modules beside it: these live in commit_gate/.
#[path = "commit_gate/baseline.rs"]
mod baseline;
#[path = "commit_gate/commits.rs"]
mod commits;
#[path = "commit_gate/published.rs"]
mod published;
#[path = "commit_gate/warnings.rs"]
mod warnings;

/// Values planted in test files; none may ever appear in any output.
const PLANTED: &[&str] = &[
    "fake-gate-password-1",
    "fake-gate-password-2",
    "fake-gate-token-3",
    "fake-huge-4",
    "fake-latin-5",
    "fake-commit-6",
    "fake-commit-7",
    "fake-commit-8",
    "fake-env-9",
];

struct Repo {
    dir: tempfile::TempDir,
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// An input error of seal: exit 2 and one line on stderr, naming `expect`.
fn assert_one_line_error(out: &Output, expect: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{}", text(out));
    assert_eq!(err.lines().count(), 1, "not one line:\n{err}");
    assert!(err.contains(expect), "expected {expect:?} in:\n{err}");
    assert_no_planted_value(out);
}

fn assert_no_planted_value(out: &Output) {
    let all = text(out);
    for v in PLANTED {
        assert!(
            !all.contains(v),
            "output shows the planted value {v}:\n{all}"
        );
    }
}

fn secret(name: &str, password: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: prod\nstringData:\n  password: \"{password}\"\n"
    )
}

/// The same Secret with a label: its value and so its fingerprint stay, its lines move.
fn labelled(secret: &str) -> String {
    secret.replace("namespace: prod\n", "namespace: prod\n  labels: {app: x}\n")
}

impl Repo {
    fn new() -> Self {
        let repo = Self {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        repo.git_ok(&["init", "-q", "-b", "main"]);
        std::fs::write(repo.path().join(".git/test-global-config"), "").expect("config");
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn cmd(&self, program: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(program);
        c.args(args)
            .current_dir(self.path())
            // An empty global config of its own: the user's settings stay out.
            .env(
                "GIT_CONFIG_GLOBAL",
                self.path().join(".git/test-global-config"),
            )
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_DIR")
            .env_remove("SEALER_SEAL")
            .stdin(Stdio::null());
        c
    }

    fn git(&self, args: &[&str]) -> Output {
        self.cmd(Path::new("git"), args).output().expect("git runs")
    }

    fn git_ok(&self, args: &[&str]) -> Output {
        let out = self.git(args);
        assert!(out.status.success(), "git {args:?} failed:\n{}", text(&out));
        out
    }

    fn git_stdin(&self, args: &[&str], input: &str) -> Output {
        use std::io::Write;
        let mut child = self
            .cmd(Path::new("git"), args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("git runs");
        if let Some(mut i) = child.stdin.take() {
            let _ = i.write_all(input.as_bytes());
        }
        child.wait_with_output().expect("git finishes")
    }

    fn seal(&self, args: &[&str]) -> Output {
        self.cmd(&seal_bin(), args).output().expect("seal runs")
    }

    fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let p = self.path().join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::write(p, content).expect("write");
    }

    fn with_hook() -> Self {
        let repo = Self::new();
        let out = repo.seal(&["hook", "install"]);
        assert!(out.status.success(), "hook install failed:\n{}", text(&out));
        repo.write("README.md", "a repository\n");
        repo.git_ok(&["add", "README.md"]);
        repo.git_ok(&["commit", "-q", "-m", "first"]);
        repo
    }

    /// Stages everything and commits it, hooks or not; returns the commit's id.
    fn commit_all(&self, message: &str) -> String {
        self.git_ok(&["add", "-A"]);
        self.git_ok(&[
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            message,
        ]);
        self.rev("HEAD")
    }

    /// The full id of `rev`.
    fn rev(&self, rev: &str) -> String {
        let out = self.git_ok(&["rev-parse", "--verify", rev]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    fn commits(&self) -> usize {
        // No HEAD yet (fresh repository) counts as none.
        let out = self.git(&["rev-list", "--count", "HEAD"]);
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or(0)
    }

    /// Commits and expects the gate to block it: nothing is recorded.
    fn commit_blocked(&self, args: &[&str], expect: &str) -> Output {
        let before = self.commits();
        let out = self.git(args);
        assert!(
            !out.status.success(),
            "commit {args:?} passed:\n{}",
            text(&out)
        );
        assert!(
            text(&out).contains(expect),
            "expected {expect:?} in:\n{}",
            text(&out)
        );
        assert_eq!(
            self.commits(),
            before,
            "a blocked commit recorded something"
        );
        assert_no_planted_value(&out);
        out
    }

    fn commit_passes(&self, args: &[&str]) -> Output {
        let before = self.commits();
        let out = self.git(args);
        assert!(
            out.status.success(),
            "commit {args:?} blocked:\n{}",
            text(&out)
        );
        assert!(self.commits() > before);
        assert_no_planted_value(&out);
        out
    }
}

fn sealed_fixture() -> String {
    std::fs::read_to_string(repo_root().join("tests/corpus/negative/sealedsecret.yaml"))
        .expect("corpus SealedSecret")
}

#[test]
fn staged_plaintext_secret_blocks_the_commit() {
    let r = Repo::with_hook();
    r.write("apps/db.yaml", secret("db", "fake-gate-password-1"));
    r.git_ok(&["add", "apps/db.yaml"]);
    let out = r.commit_blocked(&["commit", "-m", "db"], "secret-plaintext");
    let all = text(&out);
    assert!(all.contains("apps/db.yaml:7"), "{all}");
    assert!(all.contains("stringData.password"), "{all}");
    assert!(all.contains("seal -f apps/db.yaml"), "{all}");
}

#[test]
fn sealed_secret_passes_the_gate() {
    let r = Repo::with_hook();
    r.write("apps/db.sealed.yaml", sealed_fixture());
    r.git_ok(&["add", "."]);
    r.commit_passes(&["commit", "-q", "-m", "sealed"]);
}

#[test]
fn commit_all_is_checked_through_the_temporary_index() {
    let r = Repo::with_hook();
    r.write("apps/db.yaml", secret("db", ""));
    r.git_ok(&["add", "."]);
    r.commit_passes(&["commit", "-q", "-m", "empty secret"]);
    r.write("apps/db.yaml", secret("db", "fake-gate-password-1"));
    r.commit_blocked(&["commit", "-a", "-m", "fill it"], "secret-plaintext");
}

#[test]
fn commit_of_a_path_checks_that_path_and_only_that_path() {
    let r = Repo::with_hook();
    r.write("a.yaml", secret("a", ""));
    r.write("b.yaml", "kind: ConfigMap\ndata: {a: b}\n");
    r.git_ok(&["add", "."]);
    r.commit_passes(&["commit", "-q", "-m", "base"]);
    // Plaintext in a.yaml, not staged: `git commit a.yaml` takes it from the work tree.
    r.write("a.yaml", secret("a", "fake-gate-password-1"));
    r.commit_blocked(&["commit", "a.yaml", "-m", "a"], "a.yaml");
    // Plaintext staged in a.yaml, but only b.yaml is committed: that commit is clean.
    r.git_ok(&["add", "a.yaml"]);
    r.write("b.yaml", "kind: ConfigMap\ndata: {a: c}\n");
    r.commit_passes(&["commit", "-q", "b.yaml", "-m", "b only"]);
}

fn partial_file(password: &str, level: &str) -> String {
    let filler: String = (0..12).map(|i| format!("# filler line {i}\n")).collect();
    format!(
        "{}{filler}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata:\n  level: {level}\n",
        secret("a", password)
    )
}

#[test]
fn partial_staging_blocks_only_plaintext_in_the_staged_part() {
    let r = Repo::with_hook();
    r.write("app.yaml", partial_file("", "info"));
    r.git_ok(&["add", "."]);
    r.commit_passes(&["commit", "-q", "-m", "base"]);
    r.write("app.yaml", partial_file("fake-gate-password-1", "debug"));
    // Stage only the second hunk (the ConfigMap): plaintext stays unstaged.
    let out = r.git_stdin(&["add", "-p", "app.yaml"], "n\ny\n");
    assert!(out.status.success(), "{}", text(&out));
    r.commit_passes(&["commit", "-q", "-m", "level only"]);
    // Now stage the first hunk (the plaintext value): blocked.
    let out = r.git_stdin(&["add", "-p", "app.yaml"], "y\n");
    assert!(out.status.success(), "{}", text(&out));
    r.commit_blocked(&["commit", "-m", "password"], "stringData.password");
}

#[test]
fn changing_one_value_of_an_existing_secret_is_caught_without_a_kind_line_in_the_diff() {
    let r = Repo::with_hook();
    r.write("s.yaml", secret("s", ""));
    r.git_ok(&["add", "."]);
    r.commit_passes(&["commit", "-q", "-m", "empty"]);
    r.write("s.yaml", secret("s", "fake-gate-password-2"));
    let diff = r.git_ok(&["diff"]);
    assert!(!String::from_utf8_lossy(&diff.stdout).contains("+kind"));
    r.git_ok(&["add", "s.yaml"]);
    r.commit_blocked(&["commit", "-m", "value"], "s.yaml:7");
}

#[test]
fn a_rename_is_scanned_under_its_new_path_and_a_deletion_is_not_scanned() {
    let r = Repo::with_hook();
    r.write("old.yaml", secret("x", "fake-gate-password-1"));
    r.git_ok(&["add", "."]);
    r.git_ok(&[
        "commit",
        "-q",
        "--no-verify",
        "-m",
        "leaked before the gate",
    ]);
    r.git_ok(&["mv", "old.yaml", "new.yaml"]);
    r.commit_blocked(&["commit", "-m", "rename"], "new.yaml");
    r.git_ok(&["rm", "-q", "--cached", "new.yaml"]);
    r.commit_passes(&["commit", "-q", "-m", "remove the leak"]);
    let tree = r.git_ok(&["ls-files"]);
    assert!(!String::from_utf8_lossy(&tree.stdout).contains(".yaml"));
}

#[test]
fn a_merge_bringing_in_a_plaintext_secret_is_blocked_and_a_clean_merge_passes() {
    let r = Repo::with_hook();
    r.git_ok(&["checkout", "-q", "-b", "feature"]);
    r.write("ok.sealed.yaml", sealed_fixture());
    r.git_ok(&["add", "."]);
    r.commit_passes(&["commit", "-q", "-m", "sealed"]);
    r.git_ok(&["checkout", "-q", "-b", "leaky"]);
    r.write("leak.yaml", secret("l", "fake-gate-password-1"));
    r.git_ok(&["add", "."]);
    r.git_ok(&["commit", "-q", "--no-verify", "-m", "leak"]);
    r.git_ok(&["checkout", "-q", "main"]);
    r.commit_passes(&["merge", "--no-ff", "-q", "-m", "merge feature", "feature"]);
    let out = r.commit_blocked(
        &["merge", "--no-ff", "-m", "merge leaky", "leaky"],
        "leak.yaml",
    );
    assert!(text(&out).contains("secret-plaintext"));
}

#[test]
fn binary_files_pass_and_huge_files_are_scanned_up_to_the_cap() {
    let r = Repo::with_hook();
    let mut bin = b"\x00\x01\x02kind: Secret\nstringData: {password: x}\n".to_vec();
    bin.extend(std::iter::repeat_n(0xffu8, 4096));
    r.write("blob.bin", bin);
    let huge_clean = "# padding line of a large generated file\n".repeat(300_000);
    r.write("big.yaml", &huge_clean);
    r.git_ok(&["add", "."]);
    r.commit_passes(&["commit", "-q", "-m", "binary and big"]);
    let huge_dirty = format!("{}{huge_clean}", secret("h", "fake-huge-4"));
    assert!(huge_dirty.len() > 10 * 1024 * 1024);
    r.write("big.yaml", huge_dirty);
    r.git_ok(&["add", "."]);
    r.commit_blocked(&["commit", "-m", "huge"], "big.yaml");
}

#[test]
fn non_utf8_content_does_not_hide_a_secret() {
    let r = Repo::with_hook();
    let mut bytes = b"# r\xe9sum\xe9 of the secrets (latin-1)\n".to_vec();
    bytes.extend(secret("n", "fake-latin-5").as_bytes());
    r.write("latin1.yaml", bytes);
    r.git_ok(&["add", "."]);
    r.commit_blocked(&["commit", "-m", "latin1"], "latin1.yaml");
}

#[test]
fn hook_install_refuses_a_foreign_hook_without_force_and_honours_core_hooks_path() {
    let r = Repo::new();
    r.write(".git/hooks/pre-commit", "#!/bin/sh\necho mine\n");
    let out = r.seal(&["hook", "install"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--force"), "{}", text(&out));
    let out = r.seal(&["hook", "install", "--force"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(r.path().join(".git/hooks/pre-commit.seal-backup").exists());
    // Re-installing over our own hook needs no --force.
    assert!(r.seal(&["hook", "install"]).status.success());
    r.git_ok(&["config", "core.hooksPath", "githooks"]);
    assert!(r.seal(&["hook", "install"]).status.success());
    let hook = std::fs::read_to_string(r.path().join("githooks/pre-commit")).expect("hook");
    assert!(hook.contains("scan --staged"));
    r.write("s.yaml", secret("s", "fake-gate-password-1"));
    r.git_ok(&["add", "."]);
    r.commit_blocked(&["commit", "-m", "through hooksPath"], "secret-plaintext");
}

#[test]
fn scan_fix_seals_a_plaintext_secret_in_place_with_the_mapped_certificate() {
    let r = Repo::new();
    let cert = std::fs::read(repo_root().join("tests/vectors/test-cert.pem")).expect("cert");
    r.write("certs/dev.pem", cert);
    r.write(
        ".sealer.yaml",
        "certificates:\n- {path: 'clusters/dev/**', cert: certs/dev.pem}\n",
    );
    r.write("clusters/dev/db.yaml", secret("db", "fake-gate-password-1"));
    r.write("other/db.yaml", secret("db", "fake-gate-password-2"));
    let out = r.seal(&["scan", "--fix", "clusters", "other"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_no_planted_value(&out);
    let all = text(&out);
    assert!(all.contains("git add clusters/dev/db.yaml"), "{all}");
    assert!(all.contains("other/db.yaml: not sealed"), "{all}");
    let fixed = std::fs::read_to_string(r.path().join("clusters/dev/db.yaml")).expect("read");
    assert!(
        fixed.contains("kind: SealedSecret") && !fixed.contains("fake-gate"),
        "{fixed}"
    );
    let untouched = std::fs::read_to_string(r.path().join("other/db.yaml")).expect("read");
    assert!(untouched.contains("fake-gate-password-2"));
    let out = r.seal(&["scan", "clusters"]);
    assert!(out.status.success(), "{}", text(&out));
    // `seal -f` without --cert takes the mapped certificate too.
    r.write("clusters/dev/api.yaml", secret("api", "fake-gate-token-3"));
    let out = r
        .cmd(&seal_bin(), &["-f", "clusters/dev/api.yaml"])
        .env_remove("SEALER_CERT")
        .output()
        .expect("seal");
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("kind: SealedSecret"));
}

#[test]
fn json_and_sarif_outputs_are_well_formed_and_mask_values() {
    let r = Repo::new();
    r.write("a.yaml", secret("a", "fake-gate-password-1"));
    let out = r.seal(&["scan", "--format", "json", "a.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert_no_planted_value(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v[0]["rule"], "secret-plaintext");
    assert_eq!(v[0]["path"], "stringData.password");
    assert_eq!(v[0]["line"], 7);
    assert_eq!(v[0]["value"], "*** (20 chars)");
    let out = r.seal(&["scan", "--format", "sarif", "a.yaml"]);
    assert_no_planted_value(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    assert_eq!(v["version"], "2.1.0");
    let result = &v["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "secret-plaintext");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        7
    );
    let out = r.seal(&["scan", "--staged", "a.yaml"]);
    assert_eq!(out.status.code(), Some(2), "paths and --staged conflict");
}

#[test]
fn this_repository_scans_clean_with_its_own_sealer_yaml() {
    let out = Command::new(seal_bin())
        .arg("scan")
        .current_dir(repo_root())
        .output()
        .expect("seal runs");
    assert!(out.status.success(), "{}", text(&out));
}

/// A clone of this repository's HEAD in a temporary folder (kept alive by the first
/// value): what `pre-commit try-repo` installs hooks from, at a stable revision.
#[cfg(feature = "cluster")]
fn clone_of_head() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp");
    let clone = Command::new("git")
        .args(["clone", "-q", "--no-hardlinks"])
        .arg(repo_root())
        .arg(dir.path().join("sealer"))
        .output()
        .expect("git clone");
    assert!(clone.status.success(), "{}", text(&clone));
    let path = dir.path().join("sealer");
    (dir, path)
}

/// The pre-commit framework, for real: `pre-commit try-repo` installs this repository's
/// `seal-scan` hook (`language: rust`: cargo install at the root) and runs it. It needs
/// the `pre-commit` peer tool, hence the `cluster` feature (see tests/Cargo.toml).
#[cfg(feature = "cluster")]
#[test]
fn pre_commit_try_repo_blocks_a_plaintext_secret_and_passes_a_sealed_secret() {
    let pre_commit = sealer_tests::peers::peer("SEALER_PEER_PRE_COMMIT");
    // try-repo on a clone of HEAD: a stable revision, so the hook environment is cached.
    let home = std::env::var_os("SEALER_PRE_COMMIT_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/sealer-pre-commit")
        });
    let target = home.join("cargo-target");
    let (_clone_dir, hook_repo) = clone_of_head();
    let r = Repo::new();
    let run = |args: &[&str]| -> Output {
        let mut c = r.cmd(&pre_commit, &["try-repo"]);
        c.arg(&hook_repo)
            .arg("seal-scan")
            .args(args)
            .env("PRE_COMMIT_HOME", &home)
            .env("CARGO_TARGET_DIR", &target)
            .env("PRE_COMMIT_COLOR", "never");
        c.output().expect("pre-commit runs")
    };
    r.write("sealed.yaml", sealed_fixture());
    r.git_ok(&["add", "."]);
    let out = run(&[]);
    assert!(out.status.success(), "staged SealedSecret:\n{}", text(&out));
    let out = run(&["--all-files"]);
    assert!(
        out.status.success(),
        "--all-files SealedSecret:\n{}",
        text(&out)
    );
    r.git_ok(&["commit", "-q", "--no-verify", "-m", "sealed"]);
    r.write("db.yaml", secret("db", "fake-gate-password-1"));
    r.git_ok(&["add", "."]);
    let out = run(&[]);
    assert!(
        !out.status.success(),
        "staged plaintext passed:\n{}",
        text(&out)
    );
    assert!(text(&out).contains("secret-plaintext"), "{}", text(&out));
    assert_no_planted_value(&out);
    r.git_ok(&["commit", "-q", "--no-verify", "-m", "leak"]);
    let out = run(&["--all-files"]);
    assert!(
        !out.status.success(),
        "--all-files plaintext passed:\n{}",
        text(&out)
    );
    assert!(text(&out).contains("db.yaml"), "{}", text(&out));
    assert_no_planted_value(&out);
}
