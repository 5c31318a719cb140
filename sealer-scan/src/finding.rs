//! What the engine reports: rule ids, findings (a mask and a fingerprint, never a
//! value), one report per file, and the [`Sink`] every rule reports through, which
//! applies the suppressions of `.sealer.yaml` and `# seal:allow`.

use sha2::{Digest, Sha256};

use crate::repo_config::RepoConfig;
pub use crate::rules::{Rule, Severity};

/// One finding. Holds no value: only its mask and fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What was found.
    pub rule: Rule,
    /// Whether it blocks: usually the rule's, lower for a token whose checksum fails.
    pub severity: Severity,
    /// Repository-relative path of the file.
    pub file: String,
    /// 1-based document of a YAML stream / JSON sequence; `None` for files that are not
    /// manifests.
    pub document: Option<usize>,
    /// Where in the document, e.g. `stringData.password`, `items[2].data.tls.key`; empty
    /// for a whole file.
    pub yaml_path: String,
    /// 1-based line, where known.
    pub line: Option<usize>,
    /// What is wrong, naming the object but never a value.
    pub message: String,
    /// `***` and the value's length in characters: nothing of the value itself.
    pub masked: String,
    /// 16 hex digits, stable when lines move: accept a finding by listing it under
    /// `allow.fingerprints` in `.sealer.yaml`.
    pub fingerprint: String,
    /// What to do about it.
    pub fix: String,
}

/// How a kustomization uses a referenced file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    /// `envs:` (or legacy `env:`): `KEY=value` lines.
    Env,
    /// `files:`: the whole file is one value.
    File,
}

/// A file a kustomize `secretGenerator` reads: scan it too, with
/// [`scan_generator_source`](crate::scan_generator_source), if it is part of what is being committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Repository-relative path, resolved against the kustomization's folder.
    pub path: String,
    /// How it is read.
    pub kind: RefKind,
    /// The kustomization that reads it.
    pub origin: String,
}

/// Why a file was not looked into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    /// It has NUL bytes: binary.
    Binary,
    /// `.sealer.yaml` allows its path.
    AllowedPath,
}

/// The result of scanning one file.
#[derive(Debug, Default, Clone)]
pub struct FileReport {
    /// Findings that were not suppressed.
    pub findings: Vec<Finding>,
    /// Findings suppressed by `# seal:allow` or a fingerprint in `.sealer.yaml`.
    pub suppressed: usize,
    /// Files a kustomization reads (to scan with [`scan_generator_source`](crate::scan_generator_source)).
    pub references: Vec<Reference>,
    /// Set when the file was not looked into.
    pub skipped: Option<Skipped>,
    /// Set when the file was longer than [`MAX_SCAN_BYTES`](crate::MAX_SCAN_BYTES) and only its start was read.
    pub truncated: bool,
}

/// `***` and the length: nothing of the value.
pub fn mask(value: &[u8]) -> String {
    let n = std::str::from_utf8(value).map_or(value.len(), |s| s.chars().count());
    format!("*** ({n} chars)")
}

/// The fingerprint of a finding: 16 hex digits of SHA-256(rule, path, YAML path,
/// SHA-256(value)). It does not change when lines move; it changes when the value does.
pub fn fingerprint(rule: Rule, file: &str, yaml_path: &str, value: &[u8]) -> String {
    let inner = Sha256::digest(value);
    let mut h = Sha256::new();
    for part in [rule.id().as_bytes(), file.as_bytes(), yaml_path.as_bytes()] {
        h.update(part);
        h.update([0]);
    }
    h.update(inner);
    hex::encode(&h.finalize()[..8])
}

/// The shared finding maker: computes mask and fingerprint, applies suppression.
pub(crate) struct Sink<'a> {
    pub file: &'a str,
    pub config: &'a RepoConfig,
    pub report: FileReport,
    /// Documents that are text rather than YAML (a Jenkinsfile, a Makefile, an INI file
    /// without an extension): their text and first line, for the catch-all, which runs
    /// after the token pass.
    pub text_chunks: Vec<(String, usize)>,
}

/// What a rule hands to the sink.
pub(crate) struct Raw<'v> {
    pub rule: Rule,
    /// `None`: the rule's own severity.
    pub severity: Option<Severity>,
    pub document: Option<usize>,
    pub yaml_path: String,
    pub line: Option<usize>,
    pub value: &'v [u8],
    pub message: String,
    pub fix: String,
    /// A `# seal:allow` covers it.
    pub allowed_inline: bool,
}

impl Sink<'_> {
    /// Records a document that is text, not YAML (see [`Sink::text_chunks`]).
    pub fn text_chunk(&mut self, text: &str, first_line: usize) {
        self.text_chunks.push((text.to_owned(), first_line));
    }

    /// Records a finding, or counts it as suppressed when `# seal:allow` or an
    /// `allow.fingerprints` entry accepts it.
    pub fn push(&mut self, raw: Raw<'_>) {
        let fingerprint = fingerprint(raw.rule, self.file, &raw.yaml_path, raw.value);
        if raw.allowed_inline || self.config.fingerprint_allowed(&fingerprint) {
            self.report.suppressed += 1;
            return;
        }
        self.report.findings.push(Finding {
            rule: raw.rule,
            severity: raw.severity.unwrap_or(raw.rule.severity()),
            file: self.file.to_owned(),
            document: raw.document,
            yaml_path: raw.yaml_path,
            line: raw.line,
            message: raw.message,
            masked: mask(raw.value),
            fingerprint,
            fix: raw.fix,
        });
    }
}
