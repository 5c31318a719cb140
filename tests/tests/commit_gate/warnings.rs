//! Warnings show without blocking, at commit time too; `--strict` blocks on them.

use super::*;

/// The corpus SealedSecret with its sealed value cut short, as documentation cuts them
/// (plaintext pasted there instead is an error, not a warning).
fn malformed_sealed() -> String {
    sealed_fixture()
        .lines()
        .map(|l| match l.strip_prefix("    password: ") {
            Some(v) => format!("    password: {}", &v[..v.len().min(120)]),
            None => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn a_malformed_sealed_value_is_a_warning_that_blocks_only_with_strict() {
    let r = Repo::new();
    r.write("apps/db.sealed.yaml", malformed_sealed());
    let out = r.seal(&["scan", "apps"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_no_planted_value(&out);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("apps/db.sealed.yaml:10: warning: ")
            && shown.contains("[sealed-value-malformed]"),
        "{shown}"
    );
    assert!(
        stderr(&out).contains("1 warning(s) that do not block (--strict blocks on them)"),
        "{}",
        stderr(&out)
    );
    let out = r.seal(&["scan", "--strict", "apps"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_no_planted_value(&out);
    assert!(
        text(&out).contains("sealed-value-malformed"),
        "{}",
        text(&out)
    );
    let out = r.seal(&["scan", "--format", "json", "apps"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v[0]["severity"], "warning");
}

#[test]
fn the_hook_shows_a_warning_and_lets_the_commit_through() {
    let r = Repo::with_hook();
    r.write("apps/db.sealed.yaml", malformed_sealed());
    r.git_ok(&["add", "apps"]);
    let out = r.seal(&["scan", "--staged", "--strict"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let out = r.commit_passes(&["commit", "-q", "-m", "a SealedSecret with a pasted value"]);
    let all = text(&out);
    assert!(
        all.contains("warning: ") && all.contains("[sealed-value-malformed]"),
        "{all}"
    );
    assert!(all.contains("nothing that blocks"), "{all}");
}
