//! The labelled corpus of tests/corpus: every positive caught with exactly the expected
//! rule and path, no finding at all on any negative. All values in it are fake.

// A missing corpus file should stop the test with its reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use sealer_scan::{RepoConfig, scan_file, scan_generator_source};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.file_name().is_some_and(|n| n != "EXPECTED") {
            out.push(p);
        }
    }
}

/// `file rule path` lines for everything found under `sub` (references read from disk).
fn detections(sub: &str) -> Vec<String> {
    let root = corpus();
    let mut all = Vec::new();
    files(&root.join(sub), &mut all);
    let config = RepoConfig::default();
    let mut lines = Vec::new();
    let mut reports = Vec::new();
    for p in &all {
        let rel = p
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(p).unwrap();
        let report = scan_file(&rel, &bytes, &config);
        for r in &report.references {
            if let Ok(b) = std::fs::read(root.join(&r.path)) {
                reports.push(scan_generator_source(r, &b, &config));
            }
        }
        reports.push(report);
    }
    let mut findings: Vec<_> = reports.into_iter().flat_map(|r| r.findings).collect();
    sealer_scan::drop_repeated(&mut findings);
    {
        for f in findings {
            let path = if f.yaml_path.is_empty() {
                "-"
            } else {
                &f.yaml_path
            };
            lines.push(format!("{} {} {path}", f.file, f.rule.id()));
        }
    }
    lines.sort();
    lines
}

#[test]
fn every_positive_of_the_corpus_is_caught_exactly() {
    let expected = std::fs::read_to_string(corpus().join("positive/EXPECTED")).unwrap();
    let mut expected: Vec<String> = expected
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    expected.sort();
    assert_eq!(detections("positive"), expected);
}

#[test]
fn no_negative_of_the_corpus_is_reported() {
    assert_eq!(detections("negative"), Vec::<String>::new());
}

#[test]
fn every_positive_file_has_at_least_one_detection() {
    let root = corpus();
    let mut all = Vec::new();
    files(&root.join("positive"), &mut all);
    let found = detections("positive");
    for p in all {
        let rel = p
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        assert!(
            found.iter().any(|l| l.starts_with(&format!("{rel} "))),
            "{rel} is not caught"
        );
    }
}

#[test]
fn planted_values_never_appear_in_findings() {
    let root = corpus();
    let mut all = Vec::new();
    files(&root.join("positive"), &mut all);
    for p in all {
        let bytes = std::fs::read(&p).unwrap();
        let report = scan_file("x", &bytes, &RepoConfig::default());
        let shown = format!("{:?}", report.findings);
        for planted in [
            "fake-Pa55word-0001",
            "fake-smtp-0003",
            "fake-api-key-0004",
            "fake-literal-0005",
            "fake-token-0007",
            "fake-pasted-plaintext-0008",
            "fake-explicit-0009",
            "ZmFrZS10b2tlbi0wMDAy",
        ] {
            assert!(!shown.contains(planted), "{} shows {planted}", p.display());
        }
    }
}

/// Runs of value characters (12 or more, with a letter and a digit) in `text`: what
/// secrets are made of. Key names and prose rarely hold a digit.
fn value_runs(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "+/=_-.:@".contains(c)))
        .filter(|r| {
            r.len() >= 12
                && r.chars().any(|c| c.is_ascii_digit())
                && r.chars().any(|c| c.is_ascii_alphabetic())
        })
        .collect()
}

#[test]
fn no_finding_of_the_corpus_repeats_any_value_of_its_file() {
    let root = corpus();
    let mut all = Vec::new();
    files(&root.join("positive"), &mut all);
    for p in all {
        let bytes = std::fs::read(&p).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let report = scan_file("x", &bytes, &RepoConfig::default());
        for f in &report.findings {
            let shown = format!("{} {} {} {}", f.message, f.masked, f.fix, f.yaml_path);
            for run in value_runs(&text) {
                // Shown parts are fine when they are the finding's own path, or the
                // name of the object (messages name objects by design).
                let named = ["name: ", "namespace: ", "\"name\": \"", "name: \""]
                    .iter()
                    .any(|k| text.contains(&format!("{k}{run}")));
                if f.yaml_path.contains(run) || named {
                    continue;
                }
                for piece in [
                    run,
                    &run[..run.len().min(16)],
                    &run[run.len().saturating_sub(16)..],
                ] {
                    // A piece of the key itself (`KEY=value` runs start with it).
                    if f.yaml_path.contains(piece) {
                        continue;
                    }
                    assert!(
                        piece.len() < 12 || !shown.contains(piece),
                        "{}: a finding shows `{piece}`: {shown}",
                        p.display()
                    );
                }
            }
        }
    }
}
