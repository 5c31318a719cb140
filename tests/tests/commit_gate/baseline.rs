//! Baselines: `seal scan --write-baseline FILE` records today's findings, `--baseline
//! FILE` reports only the others, and the hook honours `.seal-baseline.json`.

use super::*;

#[test]
fn a_baseline_accepts_the_findings_it_recorded_and_only_those() {
    let r = Repo::new();
    r.write("apps/b.yaml", secret("b", "fake-commit-7"));
    r.write("apps/a.yaml", secret("a", "fake-commit-6"));
    let out = r.seal(&["scan", "--write-baseline", ".seal-baseline.json"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_no_planted_value(&out);
    assert!(out.stdout.is_empty(), "{}", text(&out));
    assert!(
        stderr(&out).contains("recorded 2 finding(s) in the baseline .seal-baseline.json"),
        "{}",
        stderr(&out)
    );
    let written = std::fs::read_to_string(r.path().join(".seal-baseline.json")).expect("baseline");
    for v in PLANTED {
        assert!(!written.contains(v), "the baseline holds {v}:\n{written}");
    }
    let v: serde_json::Value = serde_json::from_str(&written).expect("baseline JSON");
    assert_eq!(v["version"], 1);
    assert_eq!(v["tool"], "seal scan");
    let entries = v["findings"].as_array().expect("findings");
    let files: Vec<&str> = entries
        .iter()
        .map(|e| e["file"].as_str().expect("file"))
        .collect();
    assert_eq!(files, ["apps/a.yaml", "apps/b.yaml"], "sorted");
    for e in entries {
        let mut keys: Vec<&str> = e
            .as_object()
            .expect("entry")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["file", "fingerprint", "path", "rule"]);
        assert_eq!(e["rule"], "secret-plaintext");
        assert_eq!(e["path"], "stringData.password");
    }
    let report = r.seal(&["scan", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).expect("json");
    let mut reported: Vec<&str> = report
        .as_array()
        .expect("array")
        .iter()
        .map(|f| f["fingerprint"].as_str().expect("fingerprint"))
        .collect();
    reported.sort_unstable();
    let mut recorded: Vec<&str> = entries
        .iter()
        .map(|e| e["fingerprint"].as_str().expect("fingerprint"))
        .collect();
    recorded.sort_unstable();
    assert_eq!(recorded, reported);

    let out = r.seal(&["scan", "--baseline", ".seal-baseline.json"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("2 accepted by the baseline .seal-baseline.json"),
        "{}",
        stderr(&out)
    );
    // A new finding blocks, alone; so does a recorded value that changed.
    r.write("apps/c.yaml", secret("c", "fake-commit-8"));
    r.write("apps/b.yaml", secret("b", "fake-commit-6"));
    let out = r.seal(&["scan", "--baseline", ".seal-baseline.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_no_planted_value(&out);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("apps/c.yaml:7") && shown.contains("apps/b.yaml:7"),
        "{shown}"
    );
    assert!(!shown.contains("apps/a.yaml"), "{shown}");
    assert!(
        stderr(&out).contains("1 accepted by the baseline"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_baseline_works_with_staged_blobs_and_commit_ranges() {
    let r = Repo::new();
    r.write("README.md", "a repository\n");
    let base = r.commit_all("base");
    r.write("apps/a.yaml", secret("a", "fake-commit-6"));
    let leak = r.commit_all("a leak from before the gate");
    let range = format!("{base}..HEAD");
    let out = r.seal(&["scan", "--commits", &range, "--write-baseline", "b.json"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("recorded 1 finding(s)"),
        "{}",
        stderr(&out)
    );
    let out = r.seal(&["scan", "--commits", &leak, "--baseline", "b.json"]);
    assert!(out.status.success(), "{}", text(&out));
    r.write("apps/a.yaml", labelled(&secret("a", "fake-commit-6")));
    r.write("apps/b.yaml", secret("b", "fake-commit-7"));
    r.git_ok(&["add", "apps"]);
    let out = r.seal(&["scan", "--staged", "--baseline", "b.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("apps/b.yaml") && !shown.contains("apps/a.yaml"),
        "{shown}"
    );
    assert!(
        stderr(&out).contains("1 accepted by the baseline"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_hook_honours_a_baseline_at_the_repository_root() {
    let r = Repo::new();
    r.write("apps/a.yaml", secret("a", "fake-commit-6"));
    r.commit_all("a leak from before the gate");
    let out = r.seal(&["scan", "--write-baseline", ".seal-baseline.json"]);
    assert!(out.status.success(), "{}", text(&out));
    r.commit_all("adopt the gate with a baseline");
    let out = r.seal(&["hook", "install"]);
    assert!(out.status.success(), "{}", text(&out));
    // Touching the file that holds the recorded finding does not block...
    r.write("apps/a.yaml", labelled(&secret("a", "fake-commit-6")));
    r.git_ok(&["add", "apps"]);
    let out = r.commit_passes(&["commit", "-q", "-m", "label a"]);
    assert!(
        text(&out).contains("1 accepted by the baseline"),
        "{}",
        text(&out)
    );
    // ...a new value does.
    r.write("apps/a.yaml", secret("a", "fake-commit-7"));
    r.git_ok(&["add", "apps"]);
    r.commit_blocked(&["commit", "-m", "new value"], "apps/a.yaml");
}

#[test]
fn a_missing_or_invalid_baseline_is_a_one_line_error_that_quotes_nothing() {
    let r = Repo::new();
    r.write("a.yaml", secret("a", "fake-commit-6"));
    let out = r.seal(&["scan", "--baseline", "missing.json"]);
    assert_one_line_error(&out, "cannot read missing.json: no such file");
    let cases: [(&str, String, &str); 6] = [
        (
            "planted.json",
            r#"{"version": 1, "findings": [{"fingerprint": "fake-commit-7"}]}"#.to_owned(),
            "fingerprint that is not 16 hex digits",
        ),
        (
            "typed.json",
            r#"{"version": "fake-commit-7", "findings": []}"#.to_owned(),
            "not a seal scan baseline",
        ),
        ("secret.yaml", secret("s", "fake-commit-8"), "not JSON"),
        (
            "v2.json",
            r#"{"version": 2, "findings": []}"#.to_owned(),
            "version 2",
        ),
        (
            "cut.json",
            r#"{"version": 1, "findings": ["#.to_owned(),
            "ends too soon",
        ),
        (
            "huge.json",
            format!(
                "{{\"version\": 1, \"findings\": []}}{}",
                " ".repeat(16 << 20)
            ),
            "larger than 16 MiB",
        ),
    ];
    for (name, content, expect) in cases {
        r.write(name, content);
        let out = r.seal(&["scan", "--baseline", name]);
        assert_one_line_error(&out, expect);
        assert!(stderr(&out).contains(name), "{}", stderr(&out));
    }
    std::fs::create_dir(r.path().join("dir.json")).expect("mkdir");
    assert_one_line_error(
        &r.seal(&["scan", "--baseline", "dir.json"]),
        "it is a directory",
    );
}

#[test]
fn a_baseline_is_written_whole_or_not_at_all() {
    let r = Repo::new();
    r.write("a.yaml", secret("a", "fake-commit-6"));
    let out = r.seal(&["scan", "--write-baseline", "no/such/folder/b.json"]);
    assert_one_line_error(&out, "cannot write no/such/folder/b.json");
    assert!(!r.path().join("no").exists());
    // An existing file is replaced, with nothing left beside it.
    r.write("b.json", "an older baseline\n");
    let out = r.seal(&["scan", "--write-baseline", "b.json"]);
    assert!(out.status.success(), "{}", text(&out));
    let written = std::fs::read(r.path().join("b.json")).expect("baseline");
    let v: serde_json::Value = serde_json::from_slice(&written).expect("baseline JSON");
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(1));
    let names: Vec<String> = std::fs::read_dir(r.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with(".seal-")),
        "a temp file was left: {names:?}"
    );
    // A scan that fails leaves the baseline as it was.
    r.write(".sealer.yaml", "allow:\n  pathz: []\n");
    let out = r.seal(&["scan", "--write-baseline", "b.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        std::fs::read(r.path().join("b.json")).expect("baseline"),
        written
    );
}
