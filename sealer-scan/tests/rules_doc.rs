//! docs/SCAN-RULES.md is the rule table of the code: regenerate it with `make scan-rules`.

use std::path::Path;

#[test]
fn the_rules_document_matches_the_rule_table() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/SCAN-RULES.md");
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        written == sealer_scan::rules_markdown(),
        "docs/SCAN-RULES.md differs from the rule table: run `make scan-rules`"
    );
}

#[test]
fn every_rule_id_is_unique_and_resolves_to_itself() {
    let all = sealer_scan::Rule::all();
    let mut ids: Vec<&str> = all.iter().map(|r| r.id()).collect();
    ids.sort_unstable();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate rule ids");
    for r in all {
        assert_eq!(sealer_scan::Rule::from_id(r.id()), Some(r));
    }
}
