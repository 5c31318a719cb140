//! Finding and reading the repository's `.sealer.yaml` (its format is
//! `sealer_scan::repo_config`), and the certificate it maps to the file `seal` reads:
//! shared by `seal` and `seal scan`.

use std::path::{Component, Path, PathBuf};

use sealer_core::SealingCert;
use sealer_scan::repo_config::{self, RepoConfig};

use crate::error::{CliError, CliResult, describe};
use crate::io;

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
        .find(|d| d.join(".git").exists() || d.join(repo_config::FILE_NAME).is_file())
        .map(Path::to_path_buf)
}

/// Reads `.sealer.yaml` at `root`, if any.
pub fn load_config(root: Option<&Path>) -> CliResult<RepoConfig> {
    let Some(root) = root else {
        return Ok(RepoConfig::default());
    };
    let path = root.join(repo_config::FILE_NAME);
    match std::fs::metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(RepoConfig::default()),
        _ => {}
    }
    let bytes = io::read_file(&path, io::Kind::Config)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| CliError::Input(format!("{}: not UTF-8 text", path.display())))?;
    RepoConfig::parse(text).map_err(|e| CliError::Input(format!("{}: {e}", path.display())))
}

/// `path` relative to `root`, with `/` separators (as globs and git see it).
pub fn repo_relative(root: Option<&Path>, cwd: &Path, path: &Path) -> String {
    let abs = normalize(&cwd.join(path));
    let rel = root
        .and_then(|r| abs.strip_prefix(r).ok())
        .map_or_else(|| normalize(path), Path::to_path_buf);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The current folder.
pub fn cwd() -> CliResult<PathBuf> {
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
    let pem = io::read_file(&cert_path, io::Kind::Certificate).map_err(|e| {
        CliError::Input(format!(
            "{e} (mapped to {rel} by {})",
            root.join(repo_config::FILE_NAME).display()
        ))
    })?;
    SealingCert::from_pem(&pem, now)
        .map(Some)
        .map_err(|e| CliError::Input(format!("{}: {}", cert_path.display(), describe(&e))))
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
}
