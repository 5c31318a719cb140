//! Finding and reading the repository's `.sealer.yaml` (its format is
//! `sealer_scan::repo_config`), and the certificate it maps to the file `seal` reads:
//! shared by `seal` and `seal scan`. A mapped certificate is only read inside the
//! repository: the format refuses absolute and `..` paths, and [`mapped_cert_file`]
//! refuses symlinks that lead out.

use std::path::{Component, Path, PathBuf};

use sealer_core::SealingCert;
use sealer_scan::repo_config::{self, CertMapping, RepoConfig};

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
    let mut config = RepoConfig::parse(text).map_err(|e| {
        // The format's messages start with the file's name: put its full path there.
        let e = e.to_string();
        let rest = e.strip_prefix(repo_config::FILE_NAME).unwrap_or(&e);
        CliError::Input(format!("{}{rest}", path.display()))
    })?;
    record_cert_fingerprints(&mut config, root);
    Ok(config)
}

/// Reads each mapped certificate once and records its fingerprint, so `seal scan` can
/// tell a SealedSecret sealed for another cluster. A certificate that cannot be read
/// (missing, outside the repository, not a certificate) is left out: `seal` reports it
/// when it seals with it, and the scan skips that check.
fn record_cert_fingerprints(config: &mut RepoConfig, root: &Path) {
    let certs: Vec<String> = config
        .mapped_certs()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    for cert in certs {
        let mapping = CertMapping {
            glob: String::new(),
            cert: cert.clone(),
        };
        let Ok(path) = mapped_cert_file(root, &mapping) else {
            continue;
        };
        let Ok(pem) = io::read_file(&path, io::Kind::Certificate) else {
            continue;
        };
        if let Ok(c) = SealingCert::from_pem(&pem, now) {
            config.set_cert_fingerprint(
                &cert,
                &sealer_core::seal::short_fingerprint(&c.fingerprint()),
            );
        }
    }
}

/// The certificate file a `certificates` entry names, under `root`. The entry's path was
/// checked lexically when `.sealer.yaml` was parsed; here symlinks are resolved, and a
/// file (or a folder on the way) that leads outside the repository is refused, naming
/// the entry. A path that cannot be resolved (a missing file) is left for the read to
/// report.
pub fn mapped_cert_file(root: &Path, mapping: &CertMapping) -> CliResult<PathBuf> {
    let path = root.join(&mapping.cert);
    if let (Ok(real_root), Ok(real)) = (root.canonicalize(), path.canonicalize())
        && !real.starts_with(&real_root)
    {
        return Err(CliError::Input(format!(
            "{}: certificates entry `{}` maps to `{}`, which leads outside the repository through a symlink: {}",
            root.join(repo_config::FILE_NAME).display(),
            mapping.glob,
            mapping.cert,
            repo_config::INSIDE
        )));
    }
    Ok(path)
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
    let Some(mapping) = config.mapping_for(&rel) else {
        return Ok(None);
    };
    let cert_path = mapped_cert_file(&root, mapping)?;
    let pem = io::read_file(&cert_path, io::Kind::Certificate).map_err(|e| {
        CliError::Input(format!(
            "{e} (mapped to {rel} by {})",
            root.join(repo_config::FILE_NAME).display()
        ))
    })?;
    let cert = SealingCert::from_pem(&pem, now)
        .map_err(|e| CliError::Input(format!("{}: {}", cert_path.display(), describe(&e))))?;
    // Say which certificate seals the file, and why: nothing on the command line named it.
    note!(
        "seal: sealing with {} (mapped to {} by {})",
        mapping.cert,
        mapping.glob,
        repo_config::FILE_NAME
    );
    Ok(Some(cert))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn fail_a_mapped_certificate_is_not_followed_out_of_the_repository_by_a_symlink() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join("certs")).unwrap();
        std::fs::write(dir.path().join("outside.pem"), "x").unwrap();
        std::fs::write(root.join("certs/prod.pem"), "x").unwrap();
        symlink(dir.path().join("outside.pem"), root.join("certs/out.pem")).unwrap();
        symlink(dir.path(), root.join("up")).unwrap();
        symlink("prod.pem", root.join("certs/in.pem")).unwrap();
        let m = |cert: &str| CertMapping {
            glob: "apps/**".into(),
            cert: cert.into(),
        };
        for inside in ["certs/in.pem", "certs/prod.pem", "certs/missing.pem"] {
            assert_eq!(
                mapped_cert_file(&root, &m(inside)).unwrap(),
                root.join(inside)
            );
        }
        for outside in ["certs/out.pem", "up/outside.pem"] {
            let e = mapped_cert_file(&root, &m(outside)).unwrap_err();
            assert_eq!(e.code(), crate::error::exit::USAGE);
            let e = e.to_string();
            assert!(
                e.contains(&format!("certificates entry `apps/**` maps to `{outside}`, which leads outside the repository through a symlink")),
                "{e}"
            );
        }
    }

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
