//! How `seal scan` shows its findings: text for people, JSON, or SARIF 2.1.0 for
//! code-scanning dashboards. Values never appear: only their mask and fingerprint.

use std::path::Path;

use clap::ValueEnum;
use sealer_scan::{Finding, Rule, Severity};
use serde_json::{Value, json};

use super::commits::CommitId;
use crate::error::{CliError, CliResult};

/// A finding as it is shown: with the commit it comes from, for `--commits`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Shown<'a> {
    /// What was found.
    pub finding: &'a Finding,
    /// The commit that added it (`--commits` only).
    pub commit: Option<&'a CommitId>,
}

/// Output format of `seal scan`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ScanFormat {
    /// One block per finding, for people.
    Text,
    /// An array of findings.
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}

/// The findings in `format`. Text output names the paths' base when `cwd` is not the
/// repository `root`.
pub(super) fn render(
    format: ScanFormat,
    findings: &[Shown<'_>],
    root: Option<&Path>,
    cwd: &Path,
) -> CliResult<String> {
    match format {
        ScanFormat::Text => Ok(render_text(findings, root, cwd)),
        ScanFormat::Json => render_json(findings),
        ScanFormat::Sarif => render_sarif(findings),
    }
}

fn render_text(findings: &[Shown<'_>], root: Option<&Path>, cwd: &Path) -> String {
    let mut s = String::new();
    if !findings.is_empty() && root.is_some_and(|r| r != cwd) {
        s.push_str("(paths are relative to the repository root)\n\n");
    }
    for shown in findings {
        let f = shown.finding;
        let commit = shown
            .commit
            .map(|c| format!("commit {}: ", c.short))
            .unwrap_or_default();
        let line = f.line.map(|l| format!(":{l}")).unwrap_or_default();
        let level = match f.severity {
            Severity::Error => "",
            Severity::Warning => "warning: ",
            Severity::Strict => "strict: ",
        };
        s.push_str(&format!(
            "{commit}{}{line}: {level}{} [{}]\n",
            f.file,
            f.message,
            f.rule.id()
        ));
        let mut at = Vec::new();
        if let Some(d) = f.document {
            at.push(format!("document {d}"));
        }
        if !f.yaml_path.is_empty() {
            at.push(format!("path {}", f.yaml_path));
        }
        let at = if at.is_empty() {
            String::new()
        } else {
            format!(" ({})", at.join(", "))
        };
        s.push_str(&format!("  value:       {}{at}\n", f.masked));
        s.push_str(&format!("  fix:         {}\n", f.fix));
        s.push_str(&format!("  fingerprint: {}\n\n", f.fingerprint));
    }
    s
}

fn finding_json(shown: &Shown<'_>) -> Value {
    let f = shown.finding;
    let mut v = json!({
        "file": f.file,
        "document": f.document,
        "path": f.yaml_path,
        "line": f.line,
        "rule": f.rule.id(),
        "severity": f.severity.id(),
        "message": f.message,
        "value": f.masked,
        "fingerprint": f.fingerprint,
        "fix": f.fix,
    });
    if let Some(c) = shown.commit {
        v["commit"] = json!(c.full);
    }
    v
}

fn render_json(findings: &[Shown<'_>]) -> CliResult<String> {
    let all: Vec<Value> = findings.iter().map(finding_json).collect();
    serde_json::to_string_pretty(&all)
        .map(|s| s + "\n")
        .map_err(|e| CliError::Internal(format!("rendering JSON: {e}")))
}

fn render_sarif(findings: &[Shown<'_>]) -> CliResult<String> {
    let all = Rule::all();
    let rules: Vec<Value> = all
        .iter()
        .map(|r| {
            json!({
                "id": r.id(),
                "name": r.id(),
                "shortDescription": {"text": r.title()},
                "help": {"text": r.fix()},
                "defaultConfiguration": {"level": sarif_level(r.severity())},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|shown| {
            let f = shown.finding;
            let in_commit = shown
                .commit
                .map(|c| format!(", added in commit {}", c.short))
                .unwrap_or_default();
            let mut location = json!({"physicalLocation": {"artifactLocation": {"uri": f.file}}});
            if let Some(line) = f.line {
                location["physicalLocation"]["region"] = json!({"startLine": line});
            }
            let mut result = json!({
                "ruleId": f.rule.id(),
                "ruleIndex": all.iter().position(|r| *r == f.rule),
                "level": sarif_level(f.severity),
                "message": {"text": format!("{}{} ({}). Fix: {}", f.message, in_commit, f.masked, f.fix)},
                "locations": [location],
                "partialFingerprints": {"sealerFingerprint/v1": f.fingerprint},
            });
            if let Some(c) = shown.commit {
                result["properties"] = json!({"commit": c.full});
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "seal scan",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/sealer/docs/COMMIT-GATE.md",
                "rules": rules,
            }},
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&doc)
        .map(|s| s + "\n")
        .map_err(|e| CliError::Internal(format!("rendering SARIF: {e}")))
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Strict => "note",
    }
}
