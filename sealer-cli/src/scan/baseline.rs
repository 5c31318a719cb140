//! Baselines: the findings a repository already had when it adopted the gate, recorded
//! by fingerprint (`seal scan --write-baseline FILE`), so that `seal scan --baseline
//! FILE` blocks only on new ones. A baseline holds no values: a fingerprint is a hash,
//! and the rule, file and YAML path beside it are there for the person reading it.

use std::collections::HashSet;
use std::path::Path;

use sealer_scan::Finding;
use serde::Deserialize;
use serde_json::json;

use crate::error::{CliError, CliResult};
use crate::io;

/// The format version written and read.
const VERSION: u64 = 1;
/// The `tool` a baseline names.
const TOOL: &str = "seal scan";
/// Most entries a baseline may hold (the file's size limit, 16 MiB, allows fewer).
pub(super) const MAX_ENTRIES: usize = 1_000_000;

/// Fingerprints a baseline accepts.
#[derive(Debug, Default)]
pub(super) struct Baseline {
    fingerprints: HashSet<String>,
}

impl Baseline {
    /// Whether the baseline records this finding.
    pub fn accepts(&self, f: &Finding) -> bool {
        self.fingerprints.contains(&f.fingerprint)
    }
}

#[derive(Deserialize)]
struct File {
    version: u64,
    #[serde(default)]
    tool: Option<String>,
    findings: Vec<Entry>,
}

/// The other fields of an entry (rule, file, path) are for people: they are not read.
#[derive(Deserialize)]
struct Entry {
    fingerprint: String,
}

fn is_fingerprint(s: &str) -> bool {
    s.len() == 16
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The baseline file's content, sorted (by file, YAML path, rule, fingerprint) and with
/// each fingerprint once.
pub(super) fn render(findings: &[&Finding]) -> CliResult<(String, usize)> {
    let mut entries: Vec<(&str, &str, &str, &str)> = findings
        .iter()
        .map(|f| {
            (
                f.file.as_str(),
                f.yaml_path.as_str(),
                f.rule.id(),
                f.fingerprint.as_str(),
            )
        })
        .collect();
    entries.sort_unstable();
    let mut seen = HashSet::new();
    entries.retain(|e| seen.insert(e.3));
    let count = entries.len();
    let doc = json!({
        "version": VERSION,
        "tool": TOOL,
        "findings": entries
            .iter()
            .map(|(file, path, rule, fingerprint)| json!({
                "fingerprint": fingerprint,
                "rule": rule,
                "file": file,
                "path": path,
            }))
            .collect::<Vec<_>>(),
    });
    let text = serde_json::to_string_pretty(&doc)
        .map_err(|e| CliError::Internal(format!("rendering the baseline: {e}")))?;
    Ok((text + "\n", count))
}

/// Writes the baseline of `findings` to `path`, atomically; returns how many it holds.
pub(super) fn write(path: &Path, findings: &[&Finding]) -> CliResult<usize> {
    let (text, count) = render(findings)?;
    io::write_atomic(path, text.as_bytes(), None)?;
    Ok(count)
}

/// Reads a baseline. Anything but a baseline this `seal` wrote is an error that names
/// the file, never quoting its strings (the wrong file given may hold secrets).
pub(super) fn read(path: &Path) -> CliResult<Baseline> {
    let bytes = io::read_file(path, io::Kind::Baseline)?;
    parse(&bytes).map_err(|why| {
        CliError::Input(format!(
            "{}: not a seal scan baseline: {why} (write one with `seal scan --write-baseline FILE`)",
            path.display()
        ))
    })
}

fn parse(bytes: &[u8]) -> Result<Baseline, String> {
    let file: File = serde_json::from_slice(bytes).map_err(|e| {
        // serde's message may quote the input: only say where it went wrong.
        let what = match e.classify() {
            serde_json::error::Category::Data => {
                "expected {\"version\": 1, \"findings\": [{\"fingerprint\": ...}]}"
            }
            serde_json::error::Category::Eof => "the JSON ends too soon",
            _ => "not JSON",
        };
        format!("{what} (line {}, column {})", e.line(), e.column())
    })?;
    if file.version != VERSION {
        return Err(format!(
            "version {} (this seal reads version {VERSION})",
            file.version
        ));
    }
    if file.tool.as_deref().is_some_and(|t| t != TOOL) {
        return Err(format!("it was not written by {TOOL}"));
    }
    if file.findings.len() > MAX_ENTRIES {
        return Err(format!("more than {MAX_ENTRIES} findings"));
    }
    let mut fingerprints = HashSet::with_capacity(file.findings.len());
    for (i, entry) in file.findings.into_iter().enumerate() {
        if !is_fingerprint(&entry.fingerprint) {
            return Err(format!(
                "finding {} has a fingerprint that is not 16 hex digits",
                i + 1
            ));
        }
        fingerprints.insert(entry.fingerprint);
    }
    Ok(Baseline { fingerprints })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_baseline_reads_back_what_it_recorded() {
        let text = r#"{"version": 1, "tool": "seal scan", "findings": [
            {"fingerprint": "0123456789abcdef", "rule": "secret-plaintext", "file": "a.yaml", "path": "data.x"}
        ]}"#;
        let b = parse(text.as_bytes()).unwrap();
        assert!(b.fingerprints.contains("0123456789abcdef"));
    }

    #[test]
    fn fail_errors_never_quote_the_file() {
        for bad in [
            r#"{"version": "hunter2", "findings": []}"#,
            r#"{"version": 1, "findings": [{"fingerprint": "hunter2"}]}"#,
            r#"{"version": 1, "findings": [{"fingerprint": 7}], "x": "hunter2"}"#,
            "hunter2",
            r#"{"version": 2, "findings": []}"#,
            r#"{"version": 1, "tool": "hunter2", "findings": []}"#,
        ] {
            let e = parse(bad.as_bytes()).map(|_| ()).unwrap_err();
            assert!(!e.contains("hunter2"), "{e}");
        }
    }
}
