//! What this repository publishes for the gate: the pre-commit hooks and `seal scan
//! --help`.

use super::*;

#[test]
fn the_published_hooks_are_seal_scan_built_from_source_and_seal_scan_system_from_path() {
    let text = std::fs::read_to_string(repo_root().join(".pre-commit-hooks.yaml")).expect("hooks");
    let hooks: Vec<serde_json::Value> = serde_saphyr::from_str(&text).expect("hooks YAML");
    let hook = |id: &str| {
        hooks
            .iter()
            .find(|h| h["id"] == id)
            .unwrap_or_else(|| panic!("no hook {id} in .pre-commit-hooks.yaml"))
            .clone()
    };
    let built = hook("seal-scan");
    let system = hook("seal-scan-system");
    assert_eq!(built["language"], "rust");
    assert_eq!(system["language"], "system");
    assert_eq!(system["entry"], "seal scan");
    assert_eq!(system["pass_filenames"], true);
    // Everything but the id, name, description and language is the same.
    let rest = |h: &serde_json::Value| {
        let mut h = h.as_object().expect("a hook is a mapping").clone();
        for k in ["id", "name", "description", "language"] {
            h.remove(k);
        }
        h
    };
    assert_eq!(rest(&built), rest(&system));
}

#[test]
fn scan_help_names_strict_baseline_commits_and_the_exit_codes() {
    let out = Command::new(seal_bin())
        .args(["scan", "--help"])
        .output()
        .expect("seal runs");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    let after = help.split("What is scanned:").nth(1).expect("after_help");
    for s in [
        "--commits A..B",
        "--commits REV",
        "--strict",
        "--write-baseline FILE",
        "--baseline FILE",
        "--staged",
        "Exit codes: 0 nothing that blocks",
        "1 findings that block",
        "2 usage or input error",
        "3 internal error",
    ] {
        assert!(after.contains(s), "{s:?} missing from:\n{after}");
    }
}

/// `seal-scan-system` through the real pre-commit framework: nothing is installed
/// (`language: system`), the `seal` on PATH runs, so this is fast. Needs the
/// `pre-commit` peer tool, hence the `cluster` feature.
#[cfg(feature = "cluster")]
#[test]
fn pre_commit_try_repo_runs_seal_scan_system_with_the_seal_on_path() {
    let pre_commit = sealer_tests::peers::peer("SEALER_PEER_PRE_COMMIT");
    let home = tempfile::tempdir().expect("temp");
    let (_clone_dir, hook_repo) = clone_of_head();
    // PATH gets a folder holding only `seal`: the binary under test.
    let bin = tempfile::tempdir().expect("temp");
    std::os::unix::fs::symlink(seal_bin(), bin.path().join("seal")).expect("symlink");
    let path = std::env::join_paths(std::iter::once(bin.path().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .expect("PATH");
    let r = Repo::new();
    let run = |args: &[&str]| -> Output {
        let mut c = r.cmd(&pre_commit, &["try-repo"]);
        c.arg(&hook_repo)
            .arg("seal-scan-system")
            .args(args)
            .env("PRE_COMMIT_HOME", home.path())
            .env("PRE_COMMIT_COLOR", "never")
            .env("PATH", &path);
        c.output().expect("pre-commit runs")
    };
    r.write("sealed.yaml", sealed_fixture());
    r.git_ok(&["add", "."]);
    let out = run(&[]);
    assert!(out.status.success(), "staged SealedSecret:\n{}", text(&out));
    r.write("db.yaml", secret("db", "fake-gate-password-1"));
    r.git_ok(&["add", "."]);
    let out = run(&[]);
    assert!(
        !out.status.success(),
        "staged plaintext passed:\n{}",
        text(&out)
    );
    assert!(text(&out).contains("secret-plaintext"), "{}", text(&out));
    assert!(text(&out).contains("db.yaml:7"), "{}", text(&out));
    assert_no_planted_value(&out);
}
