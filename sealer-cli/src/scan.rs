//! `seal scan` (the commit gate), `seal hook install`, and the `.sealer.yaml`
//! certificate mapping used by `seal` when no `--cert` is given.
//!
//! This file does the I/O (files, the git index, output); every decision about what is a
//! finding is made by `sealer_core::scan`.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use clap::{Args, Subcommand, ValueEnum};
use sealer_core::scan::{self, Config, FileReport, Finding, RefKind, Reference, Rule, Skipped};
use sealer_core::seal::{self, SealOptions};
use sealer_core::{SealingCert, manifest};
use serde_json::{Value, json};

use crate::error::{CliError, CliResult, describe};
use crate::io;

/// The line of hooks/pre-commit that `seal hook install` points at its own binary.
const HOOK_SCRIPT: &str = include_str!("../../hooks/pre-commit");
const HOOK_SEAL_LINE: &str = "seal_bin=${SEALER_SEAL:-seal}";
/// How an installed hook is recognised as ours.
const HOOK_MARKER: &str = "sealer-commit-gate";

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
}

/// `seal hook ...`.
#[derive(Debug, Args)]
pub struct HookArgs {
    #[command(subcommand)]
    pub command: HookCommand,
}

/// Hook subcommands.
#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Install the commit gate as this repository's pre-commit (and pre-merge-commit)
    /// hook, honouring core.hooksPath.
    Install {
        /// Replace a hook that seal did not write (it is kept as HOOK.seal-backup).
        #[arg(long)]
        force: bool,
    },
}

fn git_err(what: &str) -> impl Fn(git2::Error) -> CliError + '_ {
    move |e| CliError::Input(format!("{what}: {}", e.message()))
}

/// Lexical normalisation: `a/./b/../c` → `a/c` (no file system access).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The repository root above `start`: the nearest folder with `.git` or `.sealer.yaml`.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| d.join(".git").exists() || d.join(scan::config::FILE_NAME).is_file())
        .map(Path::to_path_buf)
}

/// Reads `.sealer.yaml` at `root`, if any.
pub fn load_config(root: Option<&Path>) -> CliResult<Config> {
    let Some(root) = root else {
        return Ok(Config::default());
    };
    let path = root.join(scan::config::FILE_NAME);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            Config::parse(&text).map_err(|e| CliError::Input(format!("{}: {e}", path.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(CliError::Input(format!(
            "cannot read {}: {}",
            path.display(),
            io::io_reason(&e)
        ))),
    }
}

/// `path` relative to `root`, with `/` separators (as globs and git see it).
fn repo_relative(root: Option<&Path>, cwd: &Path, path: &Path) -> String {
    let abs = normalize(&cwd.join(path));
    let rel = root
        .and_then(|r| abs.strip_prefix(r).ok())
        .map_or_else(|| normalize(path), Path::to_path_buf);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn cwd() -> CliResult<PathBuf> {
    std::env::current_dir().map_err(|e| {
        CliError::Input(format!(
            "cannot read the current folder: {}",
            io::io_reason(&e)
        ))
    })
}

/// The certificate `.sealer.yaml` maps to `input` (the `-f` file of `seal`), if any.
/// Only consulted when no `--cert`/`SEALER_CERT` is given (`given`).
pub fn mapped_cert(
    given: Option<&str>,
    input: Option<&Path>,
    now: i64,
) -> CliResult<Option<SealingCert>> {
    if given.is_some_and(|c| !c.is_empty()) {
        return Ok(None);
    }
    let Some(input) = input.filter(|p| *p != Path::new("-")) else {
        return Ok(None);
    };
    let cwd = cwd()?;
    let abs = normalize(&cwd.join(input));
    let Some(root) = abs.parent().and_then(find_root) else {
        return Ok(None);
    };
    let config = load_config(Some(&root))?;
    let rel = repo_relative(Some(&root), &cwd, input);
    let Some(cert) = config.cert_for(&rel) else {
        return Ok(None);
    };
    let cert_path = root.join(cert);
    let pem = io::read_file(&cert_path).map_err(|e| {
        CliError::Input(format!(
            "{e} (mapped to {rel} by {})",
            root.join(scan::config::FILE_NAME).display()
        ))
    })?;
    SealingCert::from_pem(&pem, now)
        .map(Some)
        .map_err(|e| CliError::Input(format!("{}: {}", cert_path.display(), describe(&e))))
}

/// Reads at most `MAX_SCAN_BYTES` (+1, to know it was cut) of a file.
fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let mut buf = Vec::new();
    file.take(scan::MAX_SCAN_BYTES as u64 + 1)
        .read_to_end(&mut buf)?;
    Ok(buf)
}

/// Everything one run found.
#[derive(Default)]
struct Outcome {
    reports: Vec<FileReport>,
    scanned: usize,
    references: Vec<Reference>,
    /// Files that could not be read: (path, reason).
    unreadable: Vec<(String, String)>,
}

impl Outcome {
    fn add(&mut self, report: FileReport) {
        self.scanned += 1;
        self.references.extend(report.references.iter().cloned());
        self.reports.push(report);
    }
}

/// Walks `dirs` in parallel (honouring .gitignore, skipping `.git`), scanning each file.
fn scan_tree(
    dirs: &[PathBuf],
    root: Option<&Path>,
    cwd: &Path,
    config: &Config,
    out: &mut Outcome,
) {
    let Some((first, rest)) = dirs.split_first() else {
        return;
    };
    let mut builder = ignore::WalkBuilder::new(first);
    for d in rest {
        builder.add(d);
    }
    builder
        .hidden(false)
        .parents(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .ignore(false)
        .filter_entry(|e| e.file_name() != ".git");
    let shared = Mutex::new(Outcome::default());
    builder.build_parallel().run(|| {
        let shared = &shared;
        Box::new(move |entry| {
            let Ok(entry) = entry else {
                return ignore::WalkState::Continue;
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return ignore::WalkState::Continue;
            }
            let rel = repo_relative(root, cwd, entry.path());
            let result =
                read_capped(entry.path()).map(|bytes| scan::scan_file(&rel, &bytes, config));
            if let Ok(mut o) = shared.lock() {
                match result {
                    Ok(report) => o.add(report),
                    Err(e) => o.unreadable.push((rel, io::io_reason(&e))),
                }
            }
            ignore::WalkState::Continue
        })
    });
    if let Ok(o) = shared.into_inner() {
        out.scanned += o.scanned;
        out.reports.extend(o.reports);
        out.references.extend(o.references);
        out.unreadable.extend(o.unreadable);
    }
}

/// Scans files and folders given on the command line (or the working tree).
fn scan_paths(
    a: &ScanArgs,
    root: Option<&Path>,
    cwd: &Path,
    config: &Config,
) -> CliResult<Outcome> {
    let mut out = Outcome::default();
    let mut dirs = Vec::new();
    let paths: Vec<PathBuf> = if a.paths.is_empty() {
        vec![root.map_or_else(|| cwd.to_path_buf(), Path::to_path_buf)]
    } else {
        a.paths.clone()
    };
    for p in &paths {
        let meta = std::fs::metadata(p).map_err(|e| {
            CliError::Input(format!(
                "cannot scan {}: {}",
                p.display(),
                io::io_reason(&e)
            ))
        })?;
        if meta.is_dir() {
            dirs.push(p.clone());
        } else {
            let rel = repo_relative(root, cwd, p);
            let bytes = read_capped(p).map_err(|e| {
                CliError::Input(format!(
                    "cannot read {}: {}",
                    p.display(),
                    io::io_reason(&e)
                ))
            })?;
            out.add(scan::scan_file(&rel, &bytes, config));
        }
    }
    scan_tree(&dirs, root, cwd, config, &mut out);
    // Files read by a secretGenerator: only those that would be committed (not ignored).
    let repo = root.and_then(|r| git2::Repository::open(r).ok());
    for r in dedup(std::mem::take(&mut out.references)) {
        let Some(root) = root else { continue };
        if repo
            .as_ref()
            .is_some_and(|repo| repo.is_path_ignored(&r.path).unwrap_or(false))
        {
            continue;
        }
        if let Ok(bytes) = read_capped(&root.join(&r.path)) {
            out.add(scan::scan_generator_source(&r, &bytes, config));
        }
    }
    Ok(out)
}

fn dedup(refs: Vec<Reference>) -> Vec<Reference> {
    let mut seen = BTreeSet::new();
    refs.into_iter()
        .filter(|r| seen.insert((r.path.clone(), r.kind == RefKind::Env)))
        .collect()
}

/// Scans the staged blobs: what `git commit` is about to record. Honours
/// `GIT_INDEX_FILE` (git sets it for `git commit -a` and `git commit PATH`).
fn scan_staged(config_override: Option<&Config>) -> CliResult<(Outcome, PathBuf, Config)> {
    let repo =
        git2::Repository::open_from_env().map_err(git_err("--staged needs a git repository"))?;
    let root = repo.workdir().map(Path::to_path_buf).ok_or_else(|| {
        CliError::Input("--staged needs a repository with a working tree (this one is bare)".into())
    })?;
    let config = match config_override {
        Some(c) => c.clone(),
        None => load_config(Some(&root))?,
    };
    let index = repo.index().map_err(git_err("cannot read the git index"))?;
    let head = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    let mut opts = git2::DiffOptions::new();
    opts.include_typechange(true).ignore_submodules(true);
    let diff = repo
        .diff_tree_to_index(head.as_ref(), Some(&index), Some(&mut opts))
        .map_err(git_err("cannot compare the index with HEAD"))?;
    let mut blobs: Vec<(String, git2::Oid)> = Vec::new();
    for delta in diff.deltas() {
        use git2::Delta;
        if !matches!(
            delta.status(),
            Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange
        ) {
            continue;
        }
        let file = delta.new_file();
        // Symlinks hold a path, submodules a commit: neither is content.
        if !matches!(
            file.mode(),
            git2::FileMode::Blob | git2::FileMode::BlobExecutable
        ) {
            continue;
        }
        if let Some(path) = file.path() {
            blobs.push((path.to_string_lossy().replace('\\', "/"), file.id()));
        }
    }
    let mut out = Outcome::default();
    let read = |oid: git2::Oid| -> CliResult<Vec<u8>> {
        repo.find_blob(oid)
            .map(|b| b.content().to_vec())
            .map_err(git_err("cannot read a staged blob"))
    };
    let mut contents = Vec::with_capacity(blobs.len());
    for (path, oid) in blobs {
        contents.push((path, read(oid)?));
    }
    let reports = scan_parallel(&contents, &config);
    for r in reports {
        out.add(r);
    }
    for r in dedup(std::mem::take(&mut out.references)) {
        // Only what is in the index gets committed.
        if let Some(entry) = index.get_path(Path::new(&r.path), 0) {
            let bytes = read(entry.id)?;
            out.add(scan::scan_generator_source(&r, &bytes, &config));
        }
    }
    Ok((out, root, config))
}

/// Scans in-memory files on all cores.
fn scan_parallel(files: &[(String, Vec<u8>)], config: &Config) -> Vec<FileReport> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(files.len().max(1));
    if threads <= 1 || files.len() < 8 {
        return files
            .iter()
            .map(|(p, b)| scan::scan_file(p, b, config))
            .collect();
    }
    let chunk = files.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|(p, b)| scan::scan_file(p, b, config))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// `seal scan`.
pub fn cmd_scan(a: &ScanArgs) -> CliResult {
    let cwd = cwd()?;
    let (out, root, config) = if a.staged {
        let (out, root, config) = scan_staged(None)?;
        (out, Some(root), config)
    } else {
        let root = find_root(&cwd);
        let config = load_config(root.as_deref())?;
        let out = scan_paths(a, root.as_deref(), &cwd, &config)?;
        (out, root, config)
    };
    let mut findings: Vec<&Finding> = out.reports.iter().flat_map(|r| r.findings.iter()).collect();
    findings.sort_by(|x, y| (&x.file, x.line, &x.yaml_path).cmp(&(&y.file, y.line, &y.yaml_path)));
    let suppressed: usize = out.reports.iter().map(|r| r.suppressed).sum();
    let allowed_paths = out
        .reports
        .iter()
        .filter(|r| r.skipped == Some(Skipped::AllowedPath))
        .count();
    for r in out.reports.iter().filter(|r| r.truncated) {
        if let Some(f) = r.findings.first() {
            eprintln!(
                "seal scan: {} is larger than 10 MiB: only its first 10 MiB were scanned",
                f.file
            );
        }
    }
    for (path, reason) in &out.unreadable {
        eprintln!("seal scan: cannot read {path}: {reason} (skipped)");
    }
    let rendered = match a.format {
        ScanFormat::Text => render_text(&findings, root.as_deref(), &cwd),
        ScanFormat::Json => render_json(&findings)?,
        ScanFormat::Sarif => render_sarif(&findings)?,
    };
    io::write_output(None, rendered.as_bytes(), None)?;
    if a.fix && !findings.is_empty() {
        fix(&findings, root.as_deref(), &config);
    }
    let files: BTreeSet<&str> = findings.iter().map(|f| f.file.as_str()).collect();
    let mut notes = Vec::new();
    if suppressed > 0 {
        notes.push(format!("{suppressed} allowed by seal:allow or fingerprint"));
    }
    if allowed_paths > 0 {
        notes.push(format!("{allowed_paths} file(s) skipped by allow.paths"));
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!("; {}", notes.join(", "))
    };
    if findings.is_empty() {
        eprintln!(
            "seal scan: {} file(s) scanned, no plaintext secret found{notes}",
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
            "{} finding(s) in {} file(s) ({} scanned{notes}){blocked}: fix them as shown, or accept one with `# seal:allow` or its fingerprint in .sealer.yaml",
            findings.len(),
            files.len(),
            out.scanned
        )))
    }
}

fn render_text(findings: &[&Finding], root: Option<&Path>, cwd: &Path) -> String {
    let mut s = String::new();
    if !findings.is_empty() && root.is_some_and(|r| r != cwd) {
        s.push_str("(paths are relative to the repository root)\n\n");
    }
    for f in findings {
        let line = f.line.map(|l| format!(":{l}")).unwrap_or_default();
        s.push_str(&format!(
            "{}{line}: {} [{}]\n",
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

fn finding_json(f: &Finding) -> Value {
    json!({
        "file": f.file,
        "document": f.document,
        "path": f.yaml_path,
        "line": f.line,
        "rule": f.rule.id(),
        "message": f.message,
        "value": f.masked,
        "fingerprint": f.fingerprint,
        "fix": f.fix,
    })
}

fn render_json(findings: &[&Finding]) -> CliResult<String> {
    let all: Vec<Value> = findings.iter().map(|f| finding_json(f)).collect();
    serde_json::to_string_pretty(&all)
        .map(|s| s + "\n")
        .map_err(|e| CliError::Internal(format!("rendering JSON: {e}")))
}

fn render_sarif(findings: &[&Finding]) -> CliResult<String> {
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|r| json!({"id": r.id(), "name": r.id(), "shortDescription": {"text": r.title()}}))
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut location = json!({"physicalLocation": {"artifactLocation": {"uri": f.file}}});
            if let Some(line) = f.line {
                location["physicalLocation"]["region"] = json!({"startLine": line});
            }
            json!({
                "ruleId": f.rule.id(),
                "ruleIndex": Rule::ALL.iter().position(|r| *r == f.rule),
                "level": "error",
                "message": {"text": format!("{} ({}). Fix: {}", f.message, f.masked, f.fix)},
                "locations": [location],
                "partialFingerprints": {"sealerFingerprint/v1": f.fingerprint},
            })
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

/// `--fix`: seals each file whose findings are plaintext Secrets, in place.
fn fix(findings: &[&Finding], root: Option<&Path>, config: &Config) {
    let files: BTreeSet<&str> = findings
        .iter()
        .filter(|f| f.rule == Rule::SecretPlaintext)
        .map(|f| f.file.as_str())
        .collect();
    let Some(root) = root else {
        eprintln!(
            "seal scan --fix: no repository root (.git or .sealer.yaml) found, so no certificate mapping: nothing sealed"
        );
        return;
    };
    for file in files {
        match fix_file(root, file, config) {
            Ok(msg) => eprintln!("seal scan --fix: {msg}"),
            Err(e) => eprintln!("seal scan --fix: {file}: not sealed: {e}"),
        }
    }
}

fn fix_file(root: &Path, file: &str, config: &Config) -> CliResult<String> {
    let Some(cert_rel) = config.cert_for(file) else {
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
    let pem = io::read_file(&root.join(cert_rel))?;
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

/// `seal hook install`.
pub fn cmd_hook(a: &HookArgs) -> CliResult {
    let HookCommand::Install { force } = a.command;
    let repo = git2::Repository::open_from_env().map_err(git_err(
        "seal hook install must run inside a git repository",
    ))?;
    let workdir = repo.workdir().map(Path::to_path_buf);
    let configured = repo
        .config()
        .ok()
        .and_then(|c| c.get_path("core.hooksPath").ok());
    let dir = match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => workdir
            .clone()
            .unwrap_or_else(|| repo.path().to_path_buf())
            .join(p),
        None => repo.commondir().join("hooks"),
    };
    std::fs::create_dir_all(&dir).map_err(|e| {
        CliError::Input(format!(
            "cannot create {}: {}",
            dir.display(),
            io::io_reason(&e)
        ))
    })?;
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok())
        .map(|p| p.display().to_string());
    let script = match exe {
        // The binary that installed the hook, unless SEALER_SEAL says otherwise; plain
        // `seal` from PATH if that binary is gone.
        Some(exe) if !exe.contains(['"', '$', '`', '\\']) => HOOK_SCRIPT.replace(
            HOOK_SEAL_LINE,
            &format!("seal_bin=${{SEALER_SEAL:-\"{exe}\"}}\n[ -x \"$seal_bin\" ] || seal_bin=seal"),
        ),
        _ => HOOK_SCRIPT.to_owned(),
    };
    let targets = ["pre-commit", "pre-merge-commit"].map(|n| dir.join(n));
    // Check both before writing either: all or nothing.
    for t in &targets {
        if let Ok(existing) = std::fs::read_to_string(t) {
            if !existing.contains(HOOK_MARKER) && !force {
                return Err(CliError::Input(format!(
                    "{} exists and was not written by seal: look at it, then pass --force to replace it (it is kept as {}.seal-backup), or call `seal scan --staged` from it",
                    t.display(),
                    t.display()
                )));
            }
        } else if t.exists() && !force {
            return Err(CliError::Input(format!(
                "{} exists and cannot be read: pass --force to replace it",
                t.display()
            )));
        }
    }
    for t in &targets {
        let ours = std::fs::read_to_string(t).is_ok_and(|s| s.contains(HOOK_MARKER));
        if t.exists() && !ours {
            let backup = PathBuf::from(format!("{}.seal-backup", t.display()));
            std::fs::rename(t, &backup).map_err(|e| {
                CliError::Input(format!(
                    "cannot keep {} as {}: {}",
                    t.display(),
                    backup.display(),
                    io::io_reason(&e)
                ))
            })?;
            eprintln!("kept the previous hook as {}", backup.display());
        }
        io::write_atomic(t, script.as_bytes(), Some(0o755))?;
    }
    eprintln!(
        "installed the commit gate: {} and {} run `seal scan --staged`",
        targets[0].display(),
        targets[1].display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_made_relative_to_the_repository_root() {
        let root = Path::new("/r");
        assert_eq!(
            repo_relative(Some(root), Path::new("/r/sub"), Path::new("../a/./b.yaml")),
            "a/b.yaml"
        );
        assert_eq!(
            repo_relative(Some(root), Path::new("/r"), Path::new("/r/x.yaml")),
            "x.yaml"
        );
        assert_eq!(
            repo_relative(None, Path::new("/x"), Path::new("a/b")),
            "a/b"
        );
    }

    #[test]
    fn the_hook_script_carries_the_marker_and_the_line_install_rewrites() {
        assert!(HOOK_SCRIPT.contains(HOOK_MARKER));
        assert!(HOOK_SCRIPT.contains(HOOK_SEAL_LINE));
        assert!(HOOK_SCRIPT.contains("scan --staged"));
    }
}
