//! `seal scan --commits A..B`: what each commit of a range adds or changes, read from
//! git's objects. This is the check CI runs, which `git commit --no-verify` cannot skip.
//!
//! Each commit is compared with its first parent (a root commit with nothing: its whole
//! tree), as the hook compares the index with `HEAD`; the blobs it adds or changes are
//! scanned whole, with the `.sealer.yaml` of the end of the range.

use std::path::{Path, PathBuf};

use sealer_scan::RepoConfig;
use sealer_scan::repo_config;

use super::sources::{Outcome, Snapshot, diff_options, git_err, scan_diff};
use crate::error::{CliError, CliResult};
use crate::io;
use crate::repo_config::load_config;

/// Most commits one run scans: a range past it is almost always a mistake (a base that
/// is not the branch's), and would take long.
pub(super) const MAX_COMMITS: usize = 10_000;

/// A commit, as findings name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CommitId {
    /// The full hex id (JSON, SARIF).
    pub full: String,
    /// The shortest unambiguous abbreviation, at least 7 digits (text).
    pub short: String,
}

/// What `--commits` read.
pub(super) struct RangeScan {
    /// One outcome per commit, oldest first.
    pub commits: Vec<(CommitId, Outcome)>,
    /// The working tree, if the repository has one.
    pub root: Option<PathBuf>,
    /// The `.sealer.yaml` the range was scanned with.
    pub config: RepoConfig,
}

/// The range `--commits` names: the commits reachable from `end` and not from `start`,
/// or the one commit `end` when there is no `start`.
struct Range<'r> {
    start: Option<git2::Commit<'r>>,
    end: git2::Commit<'r>,
}

/// `rev` as it may appear in a one-line message.
fn shown(rev: &str) -> String {
    rev.escape_debug().to_string()
}

/// Which side of a range a revision is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Start,
    End,
}

/// Resolves one side of the range to a commit; the error names it.
fn resolve<'r>(
    repo: &'r git2::Repository,
    rev: &str,
    side: Side,
    spec: &str,
) -> CliResult<git2::Commit<'r>> {
    let rev_shown = shown(rev);
    let spec_shown = shown(spec);
    if rev.len() >= 7 && rev.bytes().all(|b| b == b'0') {
        let why = match side {
            Side::Start => format!(
                "which a push that creates a branch reports as the commit before it: start the range at the branch it came from instead (e.g. origin/main..{})",
                shown(spec.rsplit_once("..").map_or("HEAD", |(_, b)| b))
            ),
            Side::End => {
                "which a push that deletes a branch reports as its new tip: there is nothing to scan"
                    .to_owned()
            }
        };
        return Err(CliError::Input(format!(
            "`{rev_shown}` in --commits {spec_shown} is git's null id, {why}"
        )));
    }
    repo.revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| {
            CliError::Input(format!(
                "--commits {spec_shown}: `{rev_shown}` is not a commit of this repository ({}): check the name, and fetch the history it is in (CI checkouts are often shallow: fetch-depth: 0 / GIT_DEPTH: 0)",
                one_line(e.message())
            ))
        })
}

/// A git message on one line.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parses `A..B` (either side may be left out, meaning `HEAD`, as in git) or `REV`.
fn parse_range<'r>(repo: &'r git2::Repository, spec: &str) -> CliResult<Range<'r>> {
    if spec.contains("...") {
        return Err(CliError::Input(format!(
            "--commits {}: `A...B` (the commits of either side) is not supported: give A..B, the commits reachable from B and not from A (for a pull request: BASE..HEAD)",
            shown(spec)
        )));
    }
    let or_head = |s: &'_ str| if s.is_empty() { "HEAD" } else { s }.to_owned();
    match spec.split_once("..") {
        Some((a, b)) => Ok(Range {
            start: Some(resolve(repo, &or_head(a), Side::Start, spec)?),
            end: resolve(repo, &or_head(b), Side::End, spec)?,
        }),
        None if spec.is_empty() => Err(CliError::Input(
            "--commits needs a range A..B or a commit REV".into(),
        )),
        None => Ok(Range {
            start: None,
            end: resolve(repo, spec, Side::End, spec)?,
        }),
    }
}

/// The commits of the range, parents before children (`git rev-list --reverse
/// --topo-order A..B`).
fn walk(repo: &git2::Repository, range: &Range<'_>, spec: &str) -> CliResult<Vec<git2::Oid>> {
    let Some(start) = &range.start else {
        return Ok(vec![range.end.id()]);
    };
    let cannot = git_err("cannot walk the commits of --commits");
    let mut walk = repo.revwalk().map_err(&cannot)?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME | git2::Sort::REVERSE)
        .map_err(&cannot)?;
    walk.push(range.end.id()).map_err(&cannot)?;
    walk.hide(start.id()).map_err(&cannot)?;
    let mut commits = Vec::new();
    for oid in walk {
        if commits.len() == MAX_COMMITS {
            return Err(CliError::Input(format!(
                "--commits {} holds more than {MAX_COMMITS} commits: scan a narrower range (the commits of one pull request or push: BASE..HEAD), or the working tree with `seal scan`",
                shown(spec)
            )));
        }
        commits.push(oid.map_err(&cannot)?);
    }
    Ok(commits)
}

/// The `.sealer.yaml` of `commit`'s tree; the working tree's when that tree has none.
fn config_at(
    repo: &git2::Repository,
    commit: &git2::Commit<'_>,
    short: &str,
    root: Option<&Path>,
) -> CliResult<RepoConfig> {
    let tree = commit
        .tree()
        .map_err(git_err("cannot read the tree at the end of --commits"))?;
    let entry = match tree.get_path(Path::new(repo_config::FILE_NAME)) {
        Ok(e) if e.kind() == Some(git2::ObjectType::Blob) => e,
        _ => return load_config(root),
    };
    let name = format!("{} of commit {short}", repo_config::FILE_NAME);
    let limit = io::Kind::Config.limit();
    let blob = repo
        .find_blob(entry.id())
        .map_err(git_err(&format!("cannot read {name}")))?;
    if u64::try_from(blob.size()).map_or(true, |n| n > limit) {
        return Err(CliError::Input(format!(
            "cannot read {name}: it is larger than {}, the limit for a repository config",
            io::size(limit)
        )));
    }
    let text = std::str::from_utf8(blob.content())
        .map_err(|_| CliError::Input(format!("{name}: not UTF-8 text")))?;
    RepoConfig::parse(text).map_err(|e| {
        // The format's messages start with the file's name: say which commit's it is.
        let e = e.to_string();
        let rest = e.strip_prefix(repo_config::FILE_NAME).unwrap_or(&e);
        CliError::Input(format!("{name}{rest}"))
    })
}

fn commit_id(commit: &git2::Commit<'_>) -> CommitId {
    let full = commit.id().to_string();
    let short = commit
        .as_object()
        .short_id()
        .ok()
        .and_then(|b| std::str::from_utf8(&b).ok().map(str::to_owned))
        .unwrap_or_else(|| full.chars().take(7).collect());
    CommitId { full, short }
}

/// Scans each commit of `spec` (`A..B` or `REV`): the blobs it adds or changes relative
/// to its first parent, with the `.sealer.yaml` of the range's end.
pub(super) fn scan_commits(spec: &str) -> CliResult<RangeScan> {
    let repo =
        git2::Repository::open_from_env().map_err(git_err("--commits needs a git repository"))?;
    let root = repo.workdir().map(Path::to_path_buf);
    let range = parse_range(&repo, spec)?;
    let list = walk(&repo, &range, spec)?;
    let config = config_at(
        &repo,
        &range.end,
        &commit_id(&range.end).short,
        root.as_deref(),
    )?;
    let mut commits = Vec::with_capacity(list.len());
    for oid in list {
        let cannot = git_err("cannot read a commit of --commits");
        let commit = repo.find_commit(oid).map_err(&cannot)?;
        let id = commit_id(&commit);
        let tree = commit.tree().map_err(&cannot)?;
        // A commit whose parent is not here (the edge of a shallow clone) counts as a
        // root commit: all of it is scanned.
        let parent_tree = commit.parent(0).ok().and_then(|p| p.tree().ok());
        let diff = repo
            .diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), Some(&mut diff_options()))
            .map_err(git_err(&format!(
                "cannot compare commit {} with its parent",
                id.short
            )))?;
        let what = format!("a blob of commit {}", id.short);
        let out = scan_diff(&repo, &diff, &Snapshot::Tree(&tree), &config, &what)?;
        commits.push((id, out));
    }
    Ok(RangeScan {
        commits,
        root,
        config,
    })
}
