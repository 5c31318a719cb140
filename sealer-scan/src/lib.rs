//! The commit gate's scanning engine: `(path, bytes)` in, findings out. Pure: no I/O,
//! no git. The caller reads files (working tree, or staged blobs from the index) and
//! hands over their bytes; the engine answers with findings and with the paths a
//! kustomization points at (`secretGenerator` `envs`/`files`), which the caller reads and
//! passes to [`scan_generator_source`].
//!
//! What it finds (rule ids are stable, see [`Rule`]): plaintext Secrets (`data` /
//! `stringData` with a value) in YAML streams, JSON, `List` items; key backups; PEM
//! private keys (raw, or base64-wrapped in a YAML/JSON value); kubeconfig credentials;
//! kustomize `secretGenerator` literals and the files they read; SealedSecret values that
//! are not well-formed sealed values; Secrets that do not parse and whose values the
//! line-by-line reading cannot vouch for (never passed as clean).
//!
//! What it lets through: SealedSecrets with well-formed values, SOPS-encrypted values
//! (`ENC[...]` under a `sops:` key), empty values, template expressions (`{{ ... }}`,
//! `${VAR}`), binary files. Values are never kept in a finding: only a mask and a
//! fingerprint (a truncated SHA-256 over the rule, path, YAML path and the value's own
//! SHA-256).
//!
//! Cost: a file is only parsed when a byte search finds a marker (`Secret`,
//! `secretGenerator`, `users`, `PRIVATE KEY`, the base64 of `-----BEGIN`); at most
//! [`MAX_SCAN_BYTES`] of a file are looked at.
//!
//! Settings come from the repository's `.sealer.yaml` ([`RepoConfig`]), which the engine
//! reads through [`repo_config`] and shares with `seal`'s certificate mapping.

#![warn(missing_docs)]

mod advice;
mod chunk;
mod files;
mod finding;
mod generic;
mod lines;
pub mod pem;
mod prefilter;
pub mod repo_config;
mod rules;
mod tokens;
mod values;
mod yaml;

pub use advice::secret_fix;
pub use finding::{FileReport, Finding, RefKind, Reference, Skipped, fingerprint, mask};
use finding::{Raw, Sink};
pub use repo_config::{ConfigError, RepoConfig};
pub use rules::{Rule, RuleInfo, Severity, TABLE as RULES, rules_markdown};

/// At most this many bytes of a file are scanned; the rest is ignored (documented).
pub const MAX_SCAN_BYTES: usize = 10 * 1024 * 1024;

/// A file with a NUL byte in its first this-many bytes is binary and skipped.
const BINARY_SNIFF: usize = 8000;

/// Whether a path is read as a manifest (YAML/JSON); other files only get the private
/// key search.
pub fn is_manifest_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rsplit_once('.') {
        None => true,
        Some((_, ext)) => matches!(
            ext.to_ascii_lowercase().as_str(),
            "yaml"
                | "yml"
                | "json"
                | "tpl"
                | "kubeconfig"
                | "conf"
                | "config"
                | "dockerconfigjson"
                | "dockercfg"
        ),
    }
}

/// Scans one file. `path` is repository-relative (used for `.sealer.yaml` globs, the
/// fingerprint and messages); `bytes` its content (only the first [`MAX_SCAN_BYTES`]
/// are read). Never panics.
pub fn scan_file(path: &str, bytes: &[u8], config: &RepoConfig) -> FileReport {
    let mut sink = Sink {
        file: path,
        config,
        report: FileReport::default(),
        text_chunks: Vec::new(),
    };
    if config.path_allowed(path) {
        sink.report.skipped = Some(Skipped::AllowedPath);
        return sink.report;
    }
    let bytes = if bytes.len() > MAX_SCAN_BYTES {
        sink.report.truncated = true;
        &bytes[..MAX_SCAN_BYTES]
    } else {
        bytes
    };
    if memchr::memchr(0, &bytes[..bytes.len().min(BINARY_SNIFF)]).is_some() {
        sink.report.skipped = Some(Skipped::Binary);
        return sink.report;
    }
    let kind = files::Kind::of(path);
    if !prefilter::might_hold_secrets(bytes, kind) {
        return sink.report;
    }
    let text = String::from_utf8_lossy(bytes);
    match kind {
        files::Kind::Manifest => yaml::scan_manifests(&text, &mut sink),
        files::Kind::Text => lines::raw_keys(&text, None, 1, &mut sink),
        other => {
            files::scan(other, &text, &mut sink);
            lines::raw_keys(&text, None, 1, &mut sink);
        }
    }
    tokens_pass(&text, &mut sink);
    if kind == files::Kind::Text {
        generic::scan_text(&text, 1, &mut sink);
    }
    for (chunk, first_line) in std::mem::take(&mut sink.text_chunks) {
        generic::scan_text(&chunk, first_line, &mut sink);
    }
    sink.report
}

/// Provider tokens anywhere in the text, except on lines another rule already reported
/// (a Secret's value, a Helm value, an `.env` entry: one finding per value).
fn tokens_pass(text: &str, sink: &mut Sink<'_>) {
    if !tokens::might_hold_tokens(text.as_bytes()) {
        return;
    }
    let taken: std::collections::HashSet<usize> =
        sink.report.findings.iter().filter_map(|f| f.line).collect();
    let lines: Vec<&str> = text.lines().collect();
    for hit in tokens::scan(text) {
        if taken.contains(&hit.line) {
            continue;
        }
        let Ok(family) = u8::try_from(hit.family) else {
            continue;
        };
        let rule = Rule::Token(family);
        let allowed = lines
            .get(hit.line.saturating_sub(1))
            .is_some_and(|l| chunk::has_allow_comment(l));
        sink.push(Raw {
            rule,
            severity: (!hit.confident).then_some(Severity::Warning),
            document: None,
            yaml_path: String::new(),
            line: Some(hit.line),
            value: &text.as_bytes()[hit.start..hit.end],
            message: format!("{}: {}", rule.title(), hit.why),
            fix: rule.fix().to_owned(),
            allowed_inline: allowed,
        });
    }
}

/// Drops findings that repeat another one about the same line of the same file: a
/// `.env` file read by a `secretGenerator` is reported once, as what the generator makes
/// of it (`kustomize-secret-env`), not also as `dotenv-secret`. Call it on the findings
/// of a whole run, after [`scan_generator_source`].
pub fn drop_repeated<F: std::borrow::Borrow<Finding>>(findings: &mut Vec<F>) {
    let generated: std::collections::HashSet<(String, usize)> = findings
        .iter()
        .map(|f| f.borrow())
        .filter(|f| f.rule == Rule::KustomizeSecretEnv)
        .filter_map(|f| f.line.map(|l| (f.file.clone(), l)))
        .collect();
    findings.retain(|f| {
        let f = f.borrow();
        f.rule == Rule::KustomizeSecretEnv
            || !f
                .line
                .is_some_and(|l| generated.contains(&(f.file.clone(), l)))
    });
}

/// Scans a file read by a kustomize `secretGenerator` (see [`FileReport::references`]).
pub fn scan_generator_source(
    reference: &Reference,
    bytes: &[u8],
    config: &RepoConfig,
) -> FileReport {
    let mut sink = Sink {
        file: &reference.path,
        config,
        report: FileReport::default(),
        text_chunks: Vec::new(),
    };
    if config.path_allowed(&reference.path) {
        sink.report.skipped = Some(Skipped::AllowedPath);
        return sink.report;
    }
    let bytes = &bytes[..bytes.len().min(MAX_SCAN_BYTES)];
    let fix = format!(
        "keep {} out of the repository (add it to .gitignore, `git rm --cached {}`), and commit a SealedSecret instead: `kubectl create secret generic NAME --from-env-file/--from-file ... --dry-run=client -o yaml | seal -w NAME.sealed.yaml`",
        reference.path, reference.path
    );
    match reference.kind {
        RefKind::File => {
            if !bytes.iter().all(u8::is_ascii_whitespace) {
                sink.push(Raw {
                    rule: Rule::KustomizeSecretFile,
                    severity: None,
                    document: None,
                    yaml_path: String::new(),
                    line: None,
                    value: bytes,
                    message: format!(
                        "read as a Secret value by the secretGenerator of {}",
                        reference.origin
                    ),
                    fix,
                    allowed_inline: false,
                });
            }
        }
        RefKind::Env => {
            let text = String::from_utf8_lossy(bytes);
            for (i, line) in text.lines().enumerate() {
                let t = line.trim();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                let Some((key, value)) = t.split_once('=') else {
                    continue;
                };
                let value = value.trim().trim_matches(['"', '\'']);
                if value.is_empty() || chunk::is_template(value) {
                    continue;
                }
                sink.push(Raw {
                    rule: Rule::KustomizeSecretEnv,
                    severity: None,
                    document: None,
                    yaml_path: key.trim().to_owned(),
                    line: Some(i + 1),
                    value: value.as_bytes(),
                    message: format!(
                        "`{}` is read as a Secret value by the secretGenerator of {}",
                        key.trim(),
                        reference.origin
                    ),
                    fix: fix.clone(),
                    allowed_inline: chunk::has_allow_comment(line),
                });
            }
        }
    }
    sink.report
}

#[cfg(test)]
mod tests;
