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
//! are not well-formed sealed values.
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

#![warn(missing_docs)]

mod lines;
pub mod pem;
pub mod repo_config;
mod yaml;

use memchr::memmem;
use sha2::{Digest, Sha256};

pub use repo_config::{ConfigError, RepoConfig};

/// At most this many bytes of a file are scanned; the rest is ignored (documented).
pub const MAX_SCAN_BYTES: usize = 10 * 1024 * 1024;

/// A file with a NUL byte in its first this-many bytes is binary and skipped.
const BINARY_SNIFF: usize = 8000;

/// What a finding is about. The ids are part of the interface (JSON, SARIF,
/// `.sealer.yaml` documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// A Secret with a plaintext value in `data` or `stringData`.
    SecretPlaintext,
    /// A Secret labelled `sealedsecrets.bitnami.com/sealed-secrets-key`: an unencrypted
    /// backup of a controller's private key.
    KeyBackupPlaintext,
    /// A PEM private key block.
    PrivateKey,
    /// A PEM private key block wrapped in base64 (e.g. `tls.key: LS0tLS1CRUdJTi...`).
    PrivateKeyBase64,
    /// A kubeconfig user with a token, password or client key.
    KubeconfigCredential,
    /// A kustomize `secretGenerator` literal (`literals: [key=value]`).
    KustomizeSecretLiteral,
    /// A line of an env file read by a kustomize `secretGenerator`.
    KustomizeSecretEnv,
    /// A file read by a kustomize `secretGenerator`.
    KustomizeSecretFile,
    /// A SealedSecret `encryptedData` value that is not a well-formed sealed value.
    SealedValueMalformed,
}

impl Rule {
    /// Every rule.
    pub const ALL: [Rule; 9] = [
        Rule::SecretPlaintext,
        Rule::KeyBackupPlaintext,
        Rule::PrivateKey,
        Rule::PrivateKeyBase64,
        Rule::KubeconfigCredential,
        Rule::KustomizeSecretLiteral,
        Rule::KustomizeSecretEnv,
        Rule::KustomizeSecretFile,
        Rule::SealedValueMalformed,
    ];

    /// The stable id, e.g. `secret-plaintext`.
    pub fn id(self) -> &'static str {
        match self {
            Rule::SecretPlaintext => "secret-plaintext",
            Rule::KeyBackupPlaintext => "key-backup-plaintext",
            Rule::PrivateKey => "private-key",
            Rule::PrivateKeyBase64 => "private-key-base64",
            Rule::KubeconfigCredential => "kubeconfig-credential",
            Rule::KustomizeSecretLiteral => "kustomize-secret-literal",
            Rule::KustomizeSecretEnv => "kustomize-secret-env",
            Rule::KustomizeSecretFile => "kustomize-secret-file",
            Rule::SealedValueMalformed => "sealed-value-malformed",
        }
    }

    /// One line saying what the rule catches.
    pub fn title(self) -> &'static str {
        match self {
            Rule::SecretPlaintext => "plaintext value in a Kubernetes Secret",
            Rule::KeyBackupPlaintext => "unencrypted backup of a sealing key",
            Rule::PrivateKey => "PEM private key",
            Rule::PrivateKeyBase64 => "base64-wrapped PEM private key",
            Rule::KubeconfigCredential => "credential in a kubeconfig",
            Rule::KustomizeSecretLiteral => "plaintext literal in a kustomize secretGenerator",
            Rule::KustomizeSecretEnv => "plaintext value in an env file read by a secretGenerator",
            Rule::KustomizeSecretFile => "file read by a kustomize secretGenerator",
            Rule::SealedValueMalformed => "SealedSecret value that is not a sealed value",
        }
    }
}

/// One finding. Holds no value: only its mask and fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What was found.
    pub rule: Rule,
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
/// [`scan_generator_source`], if it is part of what is being committed.
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
    /// Files a kustomization reads (to scan with [`scan_generator_source`]).
    pub references: Vec<Reference>,
    /// Set when the file was not looked into.
    pub skipped: Option<Skipped>,
    /// Set when the file was longer than [`MAX_SCAN_BYTES`] and only its start was read.
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

/// Cheap byte search deciding whether a file can hold anything the engine looks for.
pub fn might_hold_secrets(bytes: &[u8], manifest_like: bool) -> bool {
    let finders: &[&[u8]] = if manifest_like {
        &[
            b"Secret",
            b"PRIVATE KEY",
            pem::BASE64_BEGIN,
            b"secretGenerator",
            b"users",
        ]
    } else {
        &[b"PRIVATE KEY", pem::BASE64_BEGIN]
    };
    finders.iter().any(|f| memmem::find(bytes, f).is_some())
}

/// Whether a path is read as a manifest (YAML/JSON); other files only get the private
/// key search.
pub fn is_manifest_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rsplit_once('.') {
        None => true,
        Some((_, ext)) => matches!(
            ext.to_ascii_lowercase().as_str(),
            "yaml" | "yml" | "json" | "tpl" | "kubeconfig" | "conf" | "config"
        ),
    }
}

/// The shared finding maker: computes mask and fingerprint, applies suppression.
pub(crate) struct Sink<'a> {
    pub file: &'a str,
    pub config: &'a RepoConfig,
    pub report: FileReport,
}

/// What a rule hands to the sink.
pub(crate) struct Raw<'v> {
    pub rule: Rule,
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
    pub fn push(&mut self, raw: Raw<'_>) {
        let fingerprint = fingerprint(raw.rule, self.file, &raw.yaml_path, raw.value);
        if raw.allowed_inline || self.config.fingerprint_allowed(&fingerprint) {
            self.report.suppressed += 1;
            return;
        }
        self.report.findings.push(Finding {
            rule: raw.rule,
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

/// The fix for a plaintext Secret in `file`: the exact `seal` command.
pub fn secret_fix(file: &str, config: &RepoConfig, whole_file: bool) -> String {
    let (stem, ext) = match file.rsplit_once('.') {
        Some((s, e)) if matches!(e, "yaml" | "yml" | "json") => (s, e),
        _ => (file, "yaml"),
    };
    let out = format!(
        "{stem}.sealed.{}",
        if ext == "json" { "json" } else { "yaml" }
    );
    let format = if ext == "json" { " -o json" } else { "" };
    let cert = config
        .cert_for(file)
        .map_or_else(|| " --cert CERT.pem".to_owned(), |c| format!(" --cert {c}"));
    let mut fix = format!(
        "seal it: `seal -f {file}{cert}{format} -w {out}`, then commit {out} instead: `git rm --cached {file}`"
    );
    if config.cert_for(file).is_none() {
        fix.push_str(
            " (map the path to a certificate under `certificates:` in .sealer.yaml to drop --cert)",
        );
    }
    if whole_file {
        fix.push_str("; or run `seal scan --fix` to seal the file in place");
    } else {
        fix.push_str(
            "; move the Secret to a file of its own first if the file holds other objects",
        );
    }
    fix
}

const KEY_FIX: &str = "take the key out of the commit (`git rm --cached FILE` or edit it out) and rotate it if it was ever pushed; keep keys in a Secret sealed with `seal`, or outside the repository";

/// Scans one file. `path` is repository-relative (used for `.sealer.yaml` globs, the
/// fingerprint and messages); `bytes` its content (only the first [`MAX_SCAN_BYTES`]
/// are read). Never panics.
pub fn scan_file(path: &str, bytes: &[u8], config: &RepoConfig) -> FileReport {
    let mut sink = Sink {
        file: path,
        config,
        report: FileReport::default(),
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
    let manifest_like = is_manifest_path(path);
    if !might_hold_secrets(bytes, manifest_like) {
        return sink.report;
    }
    let text = String::from_utf8_lossy(bytes);
    if manifest_like {
        yaml::scan_manifests(&text, &mut sink);
    } else {
        scan_raw_keys(&text, None, 1, &mut sink);
    }
    sink.report
}

/// Byte search for private keys in `text` (a whole file, or one document of it that did
/// not parse). `first_line` is the 1-based line `text` starts at.
pub(crate) fn scan_raw_keys(
    text: &str,
    document: Option<usize>,
    first_line: usize,
    sink: &mut Sink<'_>,
) {
    let bytes = text.as_bytes();
    let line_of = |offset: usize| first_line + memchr::memchr_iter(b'\n', &bytes[..offset]).count();
    let allowed_at = |line: usize| {
        let idx = line - first_line;
        let mut it = text.lines().skip(idx.saturating_sub(1));
        let prev = if idx > 0 { it.next() } else { None };
        let here = it.next();
        [prev, here]
            .into_iter()
            .flatten()
            .any(lines::has_allow_comment)
    };
    for (wrapped, hits) in [
        (false, pem::private_keys(bytes)),
        (true, pem::base64_private_keys(bytes)),
    ] {
        for hit in hits {
            let line = line_of(hit.offset);
            let rule = if wrapped {
                Rule::PrivateKeyBase64
            } else {
                Rule::PrivateKey
            };
            sink.push(Raw {
                rule,
                document,
                yaml_path: String::new(),
                line: Some(line),
                value: &hit.body,
                message: format!("{} ({})", rule.title(), hit.label),
                fix: KEY_FIX.to_owned(),
                allowed_inline: document.is_none() && allowed_at(line),
            });
        }
    }
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
                if value.is_empty() || yaml::is_template(value) {
                    continue;
                }
                sink.push(Raw {
                    rule: Rule::KustomizeSecretEnv,
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
                    allowed_inline: lines::has_allow_comment(line),
                });
            }
        }
    }
    sink.report
}

#[cfg(test)]
mod tests;
