//! `seal scan --commits A..B`: what each commit of a range adds, read from git's
//! objects; the CI check that `git commit --no-verify` cannot skip.

use super::*;

/// The lines of text output that open a finding of a commit.
fn commit_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("commit "))
        .map(str::to_owned)
        .collect()
}

/// A finding line of commit `id` about `file_line` (`apps/a.yaml:7`).
fn is_at(line: &str, id: &str, file_line: &str) -> bool {
    line.starts_with(&format!("commit {}", &id[..7])) && line.contains(&format!(": {file_line}: "))
}

#[test]
fn commits_report_each_finding_once_at_the_commit_that_added_it() {
    let r = Repo::with_hook();
    let base = r.rev("HEAD");
    r.git_ok(&["checkout", "-q", "-b", "feature"]);
    // The hook would block these: --no-verify skips it, the range check does not.
    r.write("apps/a.yaml", secret("a", "fake-commit-6"));
    let c1 = r.commit_all("leak a");
    r.write("apps/a.yaml", labelled(&secret("a", "fake-commit-6")));
    let c2 = r.commit_all("label a: the same value, so the same finding");
    r.write("README.md", "more words\n");
    let c3 = r.commit_all("clean");
    r.write("apps/b.yaml", secret("b", "fake-commit-7"));
    let c4 = r.commit_all("leak b");
    let range = format!("{base}..feature");

    let out = r.seal(&["scan", "--commits", &range]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_no_planted_value(&out);
    let lines = commit_lines(&out);
    assert_eq!(lines.len(), 2, "{}", text(&out));
    assert!(is_at(&lines[0], &c1, "apps/a.yaml:7"), "{}", text(&out));
    assert!(is_at(&lines[1], &c4, "apps/b.yaml:7"), "{}", text(&out));
    assert!(stderr(&out).contains("4 commit(s)"), "{}", stderr(&out));

    let out = r.seal(&["scan", "--commits", &range, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_no_planted_value(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let commits: Vec<&str> = v
        .as_array()
        .expect("array")
        .iter()
        .map(|f| f["commit"].as_str().expect("commit"))
        .collect();
    assert_eq!(commits, [c1.as_str(), c4.as_str()]);
    assert_eq!(v[0]["file"], "apps/a.yaml");

    let out = r.seal(&["scan", "--commits", &range, "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    assert_no_planted_value(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let results = v["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["properties"]["commit"], c1.as_str());
    assert_eq!(results[1]["properties"]["commit"], c4.as_str());
    assert!(results[0]["partialFingerprints"]["sealerFingerprint/v1"].is_string());

    // One commit alone: what it changed, against its parent.
    let out = r.seal(&["scan", "--commits", &c2]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let lines = commit_lines(&out);
    assert_eq!(lines.len(), 1, "{}", text(&out));
    assert!(is_at(&lines[0], &c2, "apps/a.yaml:8"), "{}", text(&out));
    let out = r.seal(&["scan", "--commits", &c3]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(stderr(&out).contains("1 commit(s), 1 file(s) scanned"));
    // Paths, not findings, appear when nothing blocks; the branch's tip is clean again.
    r.git_ok(&["checkout", "-q", "main"]);
    let out = r.seal(&["scan", "--commits", &format!("{base}..main")]);
    assert!(out.status.success(), "empty range: {}", text(&out));
    assert!(stderr(&out).contains("0 commit(s)"), "{}", stderr(&out));
}

#[test]
fn commits_scan_a_root_commit_whole_renames_under_the_new_path_and_not_deletions() {
    let r = Repo::new();
    r.write("old.yaml", secret("x", "fake-commit-6"));
    r.write("README.md", "a repository\n");
    let root = r.commit_all("root, with a leak");
    let out = r.seal(&["scan", "--commits", &root]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let lines = commit_lines(&out);
    assert_eq!(lines.len(), 1, "{}", text(&out));
    assert!(is_at(&lines[0], &root, "old.yaml:7"), "{}", text(&out));
    assert!(
        stderr(&out).contains("2 file(s) scanned"),
        "{}",
        stderr(&out)
    );

    r.git_ok(&["mv", "old.yaml", "new.yaml"]);
    let renamed = r.commit_all("rename");
    r.git_ok(&["rm", "-q", "new.yaml"]);
    r.commit_all("delete");
    // `A..` is A..HEAD, as in git.
    for range in [format!("{root}..HEAD"), format!("{root}..")] {
        let out = r.seal(&["scan", "--commits", &range]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert_no_planted_value(&out);
        let lines = commit_lines(&out);
        assert_eq!(lines.len(), 1, "{}", text(&out));
        assert!(is_at(&lines[0], &renamed, "new.yaml:7"), "{}", text(&out));
    }
    let out = r.seal(&["scan", "--commits", &format!("{renamed}..HEAD")]);
    assert!(
        out.status.success(),
        "a deletion was scanned: {}",
        text(&out)
    );
}

#[test]
fn commits_honour_the_sealer_yaml_at_the_end_of_the_range_else_the_working_trees() {
    let r = Repo::new();
    r.write("README.md", "a repository\n");
    let base = r.commit_all("base");
    r.write("fixtures/x.yaml", secret("x", "fake-commit-6"));
    let fixture = r.commit_all("a fixture");
    r.write(".sealer.yaml", "allow:\n  paths: [\"fixtures/**\"]\n");
    r.commit_all("allow the fixtures");
    // The working tree says otherwise: the range's own .sealer.yaml wins.
    r.write(".sealer.yaml", "allow:\n  paths: []\n");
    let out = r.seal(&["scan", "--commits", &format!("{base}..HEAD")]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("skipped by allow.paths"),
        "{}",
        stderr(&out)
    );
    // A range that ends before .sealer.yaml was committed: the working tree's.
    let before = format!("{base}..{fixture}");
    let out = r.seal(&["scan", "--commits", &before]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    r.write(".sealer.yaml", "allow:\n  paths: [\"fixtures/*\"]\n");
    let out = r.seal(&["scan", "--commits", &before]);
    assert!(out.status.success(), "{}", text(&out));
    // A bad .sealer.yaml at the end of the range is an input error naming its commit.
    r.write(".sealer.yaml", "allow:\n  pathz: []\n");
    let bad = r.commit_all("a typo");
    let out = r.seal(&["scan", "--commits", &format!("{base}..HEAD")]);
    assert_one_line_error(&out, &format!(".sealer.yaml of commit {}", &bad[..7]));
}

#[test]
fn commits_read_the_files_a_kustomization_reads_from_the_same_commit() {
    let r = Repo::new();
    r.write("README.md", "a repository\n");
    let base = r.commit_all("base");
    r.write(
        "k/kustomization.yaml",
        "secretGenerator:\n- name: app\n  envs: [app.env]\n",
    );
    r.write("k/app.env", "API_KEY=fake-env-9\n");
    let generator = r.commit_all("a generator and its env file");
    // Gone from the working tree and from the branch's tip: still in the commit.
    r.git_ok(&["rm", "-q", "k/app.env"]);
    r.commit_all("drop the env file");
    // An env file git ignores is never committed: not reported.
    r.write(".gitignore", "*.local.env\n");
    r.write(
        "k2/kustomization.yaml",
        "secretGenerator:\n- name: app\n  envs: [app.local.env]\n",
    );
    r.write("k2/app.local.env", "API_KEY=fake-env-9\n");
    r.commit_all("a generator reading an ignored env file");
    let out = r.seal(&["scan", "--commits", &format!("{base}..HEAD")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_no_planted_value(&out);
    let lines = commit_lines(&out);
    assert_eq!(lines.len(), 1, "{}", text(&out));
    assert!(
        is_at(&lines[0], &generator, "k/app.env:1"),
        "{}",
        text(&out)
    );
    assert!(
        lines[0].contains("[kustomize-secret-env]"),
        "{}",
        text(&out)
    );
}

#[test]
fn commits_bad_revisions_and_conflicting_sources_are_usage_errors() {
    let r = Repo::new();
    r.write("README.md", "a repository\n");
    r.commit_all("one");
    let zero = "0".repeat(40);
    for (spec, expect) in [
        ("nope..HEAD".to_owned(), "`nope` is not a commit"),
        ("HEAD..nope".to_owned(), "`nope` is not a commit"),
        ("HEAD~1".to_owned(), "`HEAD~1` is not a commit"),
        ("HEAD~1...HEAD".to_owned(), "`A...B`"),
        (
            format!("{zero}..HEAD"),
            "null id, which a push that creates a branch",
        ),
        (
            format!("HEAD..{zero}"),
            "null id, which a push that deletes a branch",
        ),
        (String::new(), "needs a range A..B or a commit REV"),
    ] {
        let out = r.seal(&["scan", "--commits", &spec]);
        assert_one_line_error(&out, expect);
    }
    r.write("a.yaml", secret("a", "fake-commit-6"));
    for args in [
        &["scan", "--commits", "HEAD", "--staged"][..],
        &["scan", "--commits", "HEAD", "a.yaml"],
        &["scan", "--commits", "HEAD", "--fix"],
        &["scan", "--baseline", "b.json", "--write-baseline", "b.json"],
    ] {
        let out = r.seal(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
    }
    // Outside a repository.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let out = Command::new(seal_bin())
        .args(["scan", "--commits", "HEAD"])
        .current_dir(elsewhere.path())
        .env("GIT_CEILING_DIRECTORIES", elsewhere.path())
        .env_remove("GIT_DIR")
        .output()
        .expect("seal runs");
    assert_one_line_error(&out, "--commits needs a git repository");
}

#[test]
fn commits_scan_a_range_of_ten_thousand_commits_and_refuse_a_longer_one() {
    let r = Repo::new();
    // 10,002 commits in one go (the git CLI would take minutes).
    let mut stream = String::new();
    for i in 0..10_002u64 {
        stream.push_str(&format!(
            "commit refs/heads/long\ncommitter t <t@example.invalid> {} +0000\ndata 2\nc\n\n",
            1_700_000_000 + i
        ));
    }
    let out = r.git_stdin(&["fast-import", "--quiet"], &stream);
    assert!(out.status.success(), "{}", text(&out));
    let out = r.seal(&["scan", "--commits", "long~10000..long"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(stderr(&out).contains("10000 commit(s)"), "{}", stderr(&out));
    let out = r.seal(&["scan", "--commits", "long~10001..long"]);
    assert_one_line_error(&out, "more than 10000 commits: scan a narrower range");
}
