//! `seal scan` (the commit gate) and `seal hook install`.
//!
//! These modules do the I/O (files, the git index and objects, output); every decision
//! about what is a finding is made by `sealer_scan`. `sources` reads what to scan,
//! `commits` walks a `--commits` range, `render` prints the findings, `baseline` writes
//! and reads baselines, `fix` seals plaintext Secret files in place, `hook` installs the
//! git hook.

mod baseline;
mod commits;
mod fix;
mod hook;
mod render;
mod sources;

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

use clap::Args;
use sealer_scan::{Finding, RepoConfig, Severity, Skipped};

use crate::error::{CliError, CliResult};
use crate::io;
use crate::repo_config::{cwd, find_root, load_config};
use commits::CommitId;
use render::Shown;
use sources::Outcome;

pub use hook::{HookArgs, cmd_hook};
pub use render::ScanFormat;

/// Flags of `seal scan`.
#[derive(Debug, Args)]
#[command(after_help = "\
What is scanned: PATHs (default: the working tree), --staged (what the pre-commit hook
runs: the staged blobs) or --commits A..B (what each commit of a range adds: the CI check
that `git commit --no-verify` cannot skip; --commits REV scans that one commit).

Warnings (malformed sealed values, tokens whose checksum fails) are shown and do not
block; --strict blocks on them and shows what only --strict reports.
--write-baseline FILE records today's findings; --baseline FILE then reports only
findings not in it (adopting the gate in a repository that already has findings).
Suppress one finding with a `# seal:allow` comment in its document, or in .sealer.yaml
at the repository root (allow: {paths: [GLOB], fingerprints: [FP]}).

Exit codes: 0 nothing that blocks (also after --write-baseline), 1 findings that block,
2 usage or input error (bad flags, bad revision, bad .sealer.yaml or baseline),
3 internal error.")]
pub struct ScanArgs {
    /// Files or folders to scan (folders recursively, honouring .gitignore). Default: the
    /// working tree.
    #[arg(value_name = "PATH", conflicts_with_all = ["staged", "commits"])]
    pub paths: Vec<PathBuf>,
    /// Scan exactly what is about to be committed: the staged blobs (what the pre-commit
    /// hook runs).
    #[arg(long, conflicts_with = "commits")]
    pub staged: bool,
    /// Scan what each commit of a range adds or changes, oldest first: `A..B` (the commits
    /// reachable from B and not from A, as `git rev-list A..B`), or `REV` for one commit.
    /// What CI runs on a pull request or a push.
    #[arg(long, value_name = "A..B|REV")]
    pub commits: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ScanFormat,
    /// Seal the plaintext Secret files found, in place, with the certificate mapped to
    /// their path in .sealer.yaml (then re-stage them).
    #[arg(long, conflicts_with_all = ["commits", "write_baseline"])]
    pub fix: bool,
    /// Block on warnings too (malformed sealed values, tokens whose checksum fails), and
    /// report SealedSecrets that cannot be checked against their cluster.
    #[arg(long)]
    pub strict: bool,
    /// Report only findings whose fingerprint is not in FILE (a baseline written by
    /// --write-baseline).
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,
    /// Record every finding (warnings and --strict ones too) in FILE, a baseline for
    /// --baseline, instead of reporting them; exits 0.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
}

/// What one run read: one outcome per commit with --commits, a single one otherwise.
struct Run {
    parts: Vec<(Option<CommitId>, Outcome)>,
    root: Option<PathBuf>,
    config: RepoConfig,
}

impl Run {
    fn reports(&self) -> impl Iterator<Item = &sealer_scan::FileReport> {
        self.parts.iter().flat_map(|(_, o)| o.reports.iter())
    }
}

fn read_sources(a: &ScanArgs) -> CliResult<Run> {
    if let Some(spec) = &a.commits {
        let r = commits::scan_commits(spec)?;
        return Ok(Run {
            parts: r.commits.into_iter().map(|(c, o)| (Some(c), o)).collect(),
            root: r.root,
            config: r.config,
        });
    }
    if a.staged {
        let (out, root, config) = sources::scan_staged(None)?;
        return Ok(Run {
            parts: vec![(None, out)],
            root: Some(root),
            config,
        });
    }
    let cwd = cwd()?;
    let root = find_root(&cwd);
    let config = load_config(root.as_deref())?;
    let out = sources::scan_paths(&a.paths, root.as_deref(), &cwd, &config)?;
    Ok(Run {
        parts: vec![(None, out)],
        root,
        config,
    })
}

/// Every finding, in order (commits oldest first, then file, line, YAML path). A finding
/// that several commits carry (the same fingerprint) is shown at the first of them.
fn all_findings(run: &Run) -> Vec<Shown<'_>> {
    let mut earlier: HashSet<&str> = HashSet::new();
    let mut all = Vec::new();
    for (commit, out) in &run.parts {
        let mut found: Vec<&Finding> = out.reports.iter().flat_map(|r| r.findings.iter()).collect();
        // An env file a secretGenerator reads: once, as what the generator makes of it.
        sealer_scan::drop_repeated(&mut found);
        let mut these: Vec<Shown<'_>> = found
            .into_iter()
            .filter(|f| !earlier.contains(f.fingerprint.as_str()))
            .map(|finding| Shown {
                finding,
                commit: commit.as_ref(),
            })
            .collect();
        these.sort_by(|x, y| {
            let (x, y) = (x.finding, y.finding);
            (&x.file, x.line, &x.yaml_path).cmp(&(&y.file, y.line, &y.yaml_path))
        });
        earlier.extend(these.iter().map(|s| s.finding.fingerprint.as_str()));
        all.extend(these);
    }
    all
}

/// `seal scan`.
pub fn cmd_scan(a: &ScanArgs) -> CliResult {
    let cwd = cwd()?;
    // A bad baseline is an input error before anything is scanned.
    let baseline = a.baseline.as_deref().map(baseline::read).transpose()?;
    let run = read_sources(a)?;
    let every = all_findings(&run);
    let commits = a.commits.as_ref().map(|_| run.parts.len());
    let scanned: usize = run.parts.iter().map(|(_, o)| o.scanned).sum();
    let scanned = match commits {
        Some(n) => format!("{n} commit(s), {scanned} file(s) scanned"),
        None => format!("{scanned} file(s) scanned"),
    };
    for (commit, out) in &run.parts {
        let at = commit
            .as_ref()
            .map(|c| format!("commit {}: ", c.short))
            .unwrap_or_default();
        for r in out.reports.iter().filter(|r| r.truncated) {
            if let Some(f) = r.findings.first() {
                note!(
                    "seal scan: {at}{} is larger than 10 MiB: only its first 10 MiB were scanned",
                    f.file
                );
            }
        }
        for (path, reason) in &out.unreadable {
            note!("seal scan: {at}cannot read {path}: {reason} (skipped)");
        }
    }
    if let Some(path) = &a.write_baseline {
        let findings: Vec<&Finding> = every.iter().map(|s| s.finding).collect();
        let recorded = baseline::write(path, &findings)?;
        note!(
            "seal scan: {scanned}; recorded {recorded} finding(s) in the baseline {}: `seal scan --baseline {}` reports only findings not in it",
            path.display(),
            path.display()
        );
        return Ok(());
    }
    let shown: Vec<Shown<'_>> = every
        .iter()
        .copied()
        .filter(|s| a.strict || s.finding.severity != Severity::Strict)
        .collect();
    let (findings, accepted): (Vec<Shown<'_>>, Vec<Shown<'_>>) = match &baseline {
        Some(b) => shown.into_iter().partition(|s| !b.accepts(s.finding)),
        None => (shown, Vec::new()),
    };
    let rendered = render::render(a.format, &findings, run.root.as_deref(), &cwd)?;
    io::write_output(None, rendered.as_bytes(), None)?;
    if a.fix && !findings.is_empty() {
        let plain: Vec<&Finding> = findings.iter().map(|s| s.finding).collect();
        fix::fix(&plain, run.root.as_deref(), &run.config);
    }
    let files: BTreeSet<&str> = findings.iter().map(|s| s.finding.file.as_str()).collect();
    let suppressed: usize = run.reports().map(|r| r.suppressed).sum();
    let allowed_paths = run
        .reports()
        .filter(|r| r.skipped == Some(Skipped::AllowedPath))
        .count();
    let mut notes = Vec::new();
    if suppressed > 0 {
        notes.push(format!("{suppressed} allowed by seal:allow or fingerprint"));
    }
    if allowed_paths > 0 {
        notes.push(format!("{allowed_paths} file(s) skipped by allow.paths"));
    }
    if let Some(path) = &a.baseline {
        notes.push(format!(
            "{} accepted by the baseline {}",
            accepted.len(),
            path.display()
        ));
    }
    let blocking = findings
        .iter()
        .filter(|s| a.strict || s.finding.severity == Severity::Error)
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
        note!("seal scan: {scanned}, {verdict}{notes}");
        Ok(())
    } else {
        let blocked = if a.staged {
            "; the commit is blocked"
        } else {
            ""
        };
        let fix = if commits.is_some() {
            "fix them as shown and rotate each value (removing it in a later commit leaves it in the history)"
        } else {
            "fix them as shown"
        };
        Err(CliError::Failed(format!(
            "{blocking} finding(s) in {} file(s) ({scanned}{notes}){blocked}: {fix}, or accept one with `# seal:allow` or its fingerprint in .sealer.yaml",
            files.len(),
        )))
    }
}
