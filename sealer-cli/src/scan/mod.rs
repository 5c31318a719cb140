//! `seal scan` (the commit gate) and `seal hook install`.
//!
//! These modules do the I/O (files, the git index, output); every decision about what is
//! a finding is made by `sealer_scan`. `sources` reads what to scan, `render` prints the
//! findings, `fix` seals plaintext Secret files in place, `hook` installs the git hook.

mod fix;
mod hook;
mod render;
mod sources;

use std::collections::BTreeSet;
use std::path::PathBuf;

use clap::Args;
use sealer_scan::{Finding, Severity, Skipped};

use crate::error::{CliError, CliResult};
use crate::io;
use crate::repo_config::{cwd, find_root, load_config};

pub use hook::{HookArgs, cmd_hook};
pub use render::ScanFormat;

/// Flags of `seal scan`.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit codes: 0 nothing found, 1 findings, 2 usage or input error, 3 internal error.\n\
                  Suppress a finding with a `# seal:allow` comment in its document, or in .sealer.yaml \
                  at the repository root (allow: {paths: [GLOB], fingerprints: [FP]})."
)]
pub struct ScanArgs {
    /// Files or folders to scan (folders recursively, honouring .gitignore). Default: the
    /// working tree.
    #[arg(value_name = "PATH", conflicts_with = "staged")]
    pub paths: Vec<PathBuf>,
    /// Scan exactly what is about to be committed: the staged blobs (what the pre-commit
    /// hook runs).
    #[arg(long)]
    pub staged: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ScanFormat,
    /// Seal the plaintext Secret files found, in place, with the certificate mapped to
    /// their path in .sealer.yaml (then re-stage them).
    #[arg(long)]
    pub fix: bool,
    /// Block on warnings too (malformed sealed values, tokens whose checksum fails), and
    /// report SealedSecrets that cannot be checked against their cluster.
    #[arg(long)]
    pub strict: bool,
}

/// `seal scan`.
pub fn cmd_scan(a: &ScanArgs) -> CliResult {
    let cwd = cwd()?;
    let (out, root, config) = if a.staged {
        let (out, root, config) = sources::scan_staged(None)?;
        (out, Some(root), config)
    } else {
        let root = find_root(&cwd);
        let config = load_config(root.as_deref())?;
        let out = sources::scan_paths(&a.paths, root.as_deref(), &cwd, &config)?;
        (out, root, config)
    };
    let mut findings: Vec<&Finding> = out
        .reports
        .iter()
        .flat_map(|r| r.findings.iter())
        .filter(|f| a.strict || f.severity != Severity::Strict)
        .collect();
    findings.sort_by(|x, y| (&x.file, x.line, &x.yaml_path).cmp(&(&y.file, y.line, &y.yaml_path)));
    let suppressed: usize = out.reports.iter().map(|r| r.suppressed).sum();
    let allowed_paths = out
        .reports
        .iter()
        .filter(|r| r.skipped == Some(Skipped::AllowedPath))
        .count();
    for r in out.reports.iter().filter(|r| r.truncated) {
        if let Some(f) = r.findings.first() {
            note!(
                "seal scan: {} is larger than 10 MiB: only its first 10 MiB were scanned",
                f.file
            );
        }
    }
    for (path, reason) in &out.unreadable {
        note!("seal scan: cannot read {path}: {reason} (skipped)");
    }
    let rendered = render::render(a.format, &findings, root.as_deref(), &cwd)?;
    io::write_output(None, rendered.as_bytes(), None)?;
    if a.fix && !findings.is_empty() {
        fix::fix(&findings, root.as_deref(), &config);
    }
    let files: BTreeSet<&str> = findings.iter().map(|f| f.file.as_str()).collect();
    let mut notes = Vec::new();
    if suppressed > 0 {
        notes.push(format!("{suppressed} allowed by seal:allow or fingerprint"));
    }
    if allowed_paths > 0 {
        notes.push(format!("{allowed_paths} file(s) skipped by allow.paths"));
    }
    let blocking = findings
        .iter()
        .filter(|f| a.strict || f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - blocking;
    if warnings > 0 {
        notes.push(format!(
            "{warnings} warning(s) that do not block (--strict blocks on them)"
        ));
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!("; {}", notes.join(", "))
    };
    if blocking == 0 {
        let verdict = if findings.is_empty() {
            "no plaintext secret found"
        } else {
            "nothing that blocks"
        };
        note!(
            "seal scan: {} file(s) scanned, {verdict}{notes}",
            out.scanned
        );
        Ok(())
    } else {
        let blocked = if a.staged {
            "; the commit is blocked"
        } else {
            ""
        };
        Err(CliError::Failed(format!(
            "{blocking} finding(s) in {} file(s) ({} scanned{notes}){blocked}: fix them as shown, or accept one with `# seal:allow` or its fingerprint in .sealer.yaml",
            files.len(),
            out.scanned
        )))
    }
}
