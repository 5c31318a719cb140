//! What `seal scan` reads: files and folders (the working tree by default, honouring
//! .gitignore), or the blobs a git diff adds (the index against `HEAD` for `--staged`, a
//! commit against its parent for `--commits`); then the files a kustomize
//! `secretGenerator` reads, when they would be committed too.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sealer_scan::{self as scan, FileReport, RefKind, Reference, RepoConfig};

use crate::error::{CliError, CliResult};
use crate::io;
use crate::repo_config::{load_config, repo_relative};

/// Maps a git error to an input error saying what could not be done.
pub(super) fn git_err(what: &str) -> impl Fn(git2::Error) -> CliError + '_ {
    move |e| CliError::Input(format!("{what}: {}", e.message()))
}

/// Reads at most `MAX_SCAN_BYTES` (+1, to know it was cut) of a file.
fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let cap = scan::MAX_SCAN_BYTES as u64 + 1;
    // Sized from the file's length: one read, no regrowth (the length is a hint; the
    // read is still bounded by `take`).
    let hint = file.metadata().map_or(0, |m| m.len().min(cap));
    let mut buf = Vec::with_capacity(usize::try_from(hint).unwrap_or(0) + 1);
    file.take(cap).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Everything one run found.
#[derive(Default)]
pub(super) struct Outcome {
    /// One report per scanned file.
    pub reports: Vec<FileReport>,
    /// How many files were scanned.
    pub scanned: usize,
    /// Files a kustomization reads, still to scan.
    references: Vec<Reference>,
    /// Files that could not be read: (path, reason).
    pub unreadable: Vec<(String, String)>,
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
    config: &RepoConfig,
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
pub(super) fn scan_paths(
    given: &[PathBuf],
    root: Option<&Path>,
    cwd: &Path,
    config: &RepoConfig,
) -> CliResult<Outcome> {
    let mut out = Outcome::default();
    let mut dirs = Vec::new();
    let paths: Vec<PathBuf> = if given.is_empty() {
        vec![root.map_or_else(|| cwd.to_path_buf(), Path::to_path_buf)]
    } else {
        given.to_vec()
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
pub(super) fn scan_staged(
    config_override: Option<&RepoConfig>,
) -> CliResult<(Outcome, PathBuf, RepoConfig)> {
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
    let diff = repo
        .diff_tree_to_index(head.as_ref(), Some(&index), Some(&mut diff_options()))
        .map_err(git_err("cannot compare the index with HEAD"))?;
    let out = scan_diff(
        &repo,
        &diff,
        &Snapshot::Index(&index),
        &config,
        "a staged blob",
    )?;
    Ok((out, root, config))
}

/// How the staged blobs and a commit's changes are compared with what came before:
/// type changes are changes, submodules are not content.
pub(super) fn diff_options() -> git2::DiffOptions {
    let mut opts = git2::DiffOptions::new();
    opts.include_typechange(true).ignore_submodules(true);
    opts
}

/// What is being committed (or was committed): where the files a kustomization reads are
/// looked up.
pub(super) enum Snapshot<'a> {
    /// The index: `--staged`.
    Index(&'a git2::Index),
    /// A commit's tree: `--commits`.
    Tree(&'a git2::Tree<'a>),
}

impl Snapshot<'_> {
    /// The blob at `path`, if this snapshot holds a file there.
    fn blob(&self, path: &str) -> Option<git2::Oid> {
        match self {
            Snapshot::Index(index) => index.get_path(Path::new(path), 0).map(|e| e.id),
            Snapshot::Tree(tree) => tree
                .get_path(Path::new(path))
                .ok()
                .filter(|e| e.kind() == Some(git2::ObjectType::Blob))
                .map(|e| e.id()),
        }
    }
}

/// Blob bytes held at once before they are scanned.
const BATCH_BYTES: usize = 64 << 20;

/// Reads a blob, at most `MAX_SCAN_BYTES` (+1, to know it was cut) of it. `what` names
/// it in the error.
pub(super) fn read_blob(repo: &git2::Repository, oid: git2::Oid, what: &str) -> CliResult<Vec<u8>> {
    let blob = repo
        .find_blob(oid)
        .map_err(git_err(&format!("cannot read {what}")))?;
    let content = blob.content();
    Ok(content[..content.len().min(scan::MAX_SCAN_BYTES + 1)].to_vec())
}

/// Scans the files `diff` adds or changes (added, modified, renamed under their new path,
/// copied, type-changed; not deleted ones), whole, then the files their kustomizations
/// read, as `snapshot` holds them. `what` names a blob in errors.
pub(super) fn scan_diff(
    repo: &git2::Repository,
    diff: &git2::Diff<'_>,
    snapshot: &Snapshot<'_>,
    config: &RepoConfig,
    what: &str,
) -> CliResult<Outcome> {
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
    // Read and scanned a batch at a time: memory stays bounded however many files
    // (of up to 10 MiB each) a commit adds.
    let mut batch = Vec::new();
    let mut batch_bytes = 0;
    for (path, oid) in blobs {
        let bytes = read_blob(repo, oid, what)?;
        batch_bytes += bytes.len();
        batch.push((path, bytes));
        if batch_bytes >= BATCH_BYTES {
            for r in scan_parallel(&batch, config) {
                out.add(r);
            }
            batch.clear();
            batch_bytes = 0;
        }
    }
    for r in scan_parallel(&batch, config) {
        out.add(r);
    }
    drop(batch);
    for r in dedup(std::mem::take(&mut out.references)) {
        // Only what is being committed counts.
        if let Some(oid) = snapshot.blob(&r.path) {
            let bytes = read_blob(repo, oid, what)?;
            out.add(scan::scan_generator_source(&r, &bytes, config));
        }
    }
    Ok(out)
}

/// Scans in-memory files on all cores.
fn scan_parallel(files: &[(String, Vec<u8>)], config: &RepoConfig) -> Vec<FileReport> {
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
