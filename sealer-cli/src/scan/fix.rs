//! `seal scan --fix`: seals, in place, the files whose findings are plaintext Secrets,
//! with the certificate `.sealer.yaml` maps to their path.

use std::collections::BTreeSet;
use std::path::Path;

use sealer_core::seal::{self, SealOptions};
use sealer_core::{SealingCert, manifest};
use sealer_scan::{Finding, RepoConfig, Rule};

use crate::error::{CliError, CliResult, describe};
use crate::io;
use crate::repo_config::mapped_cert_file;

/// `--fix`: seals each file whose findings are plaintext Secrets, in place.
pub(super) fn fix(findings: &[&Finding], root: Option<&Path>, config: &RepoConfig) {
    let files: BTreeSet<&str> = findings
        .iter()
        .filter(|f| f.rule == Rule::SecretPlaintext)
        .map(|f| f.file.as_str())
        .collect();
    let Some(root) = root else {
        note!(
            "seal scan --fix: no repository root (.git or .sealer.yaml) found, so no certificate mapping: nothing sealed"
        );
        return;
    };
    for file in files {
        match fix_file(root, file, config) {
            Ok(msg) => note!("seal scan --fix: {msg}"),
            Err(e) => note!("seal scan --fix: {file}: not sealed: {e}"),
        }
    }
}

fn fix_file(root: &Path, file: &str, config: &RepoConfig) -> CliResult<String> {
    let Some(mapping) = config.mapping_for(file) else {
        return Err(CliError::Input(
            "no certificate is mapped to this path: add `certificates: [{path: GLOB, cert: FILE}]` to .sealer.yaml, or run the `seal` command shown above".into(),
        ));
    };
    let path = root.join(file);
    let text = io::read_text(Some(&path), "a Secret manifest")?;
    let docs = manifest::parse_documents(&text).map_err(CliError::from)?;
    if docs.is_empty() || docs.iter().any(|d| manifest::kind(d) != Some("Secret")) {
        return Err(CliError::Input(
            "the file holds objects other than Secrets: move the Secret to a file of its own and seal that".into(),
        ));
    }
    let cert_rel = &mapping.cert;
    let pem = io::read_file(&mapped_cert_file(root, mapping)?, io::Kind::Certificate)?;
    let cert = SealingCert::from_pem(&pem, now())
        .map_err(|e| CliError::Input(format!("{cert_rel}: {}", describe(&e))))?;
    let opts = SealOptions::default();
    let sealed = docs
        .iter()
        .map(|d| seal::seal_secret(d, &cert, &opts))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::from)?;
    let format = if manifest::is_json(&text) {
        manifest::Format::Json
    } else {
        manifest::Format::Yaml
    };
    let rendered = manifest::render(&sealed, format)?;
    io::write_atomic(&path, rendered.as_bytes(), None)?;
    Ok(format!(
        "sealed {file} in place with {cert_rel} ({} Secret(s)); re-stage it: git add {file}",
        sealed.len()
    ))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
