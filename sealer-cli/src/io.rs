//! Input and output: stdin or `-f`, stdout or atomic `-w`, certificates from files or URLs.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::{CliError, CliResult};

/// Where input comes from, for messages.
pub fn source_name(file: Option<&Path>) -> String {
    file.map_or_else(|| "stdin".to_owned(), |p| p.display().to_string())
}

/// Reads a whole file, naming it in the error.
pub fn read_file(path: &Path) -> CliResult<Zeroizing<Vec<u8>>> {
    std::fs::read(path)
        .map(Zeroizing::new)
        .map_err(|e| CliError::Input(format!("cannot read {}: {}", path.display(), io_reason(&e))))
}

/// Reads the input of a command: the file, or stdin. Plaintext inputs are wiped on drop.
pub fn read_input(file: Option<&Path>, what: &str) -> CliResult<Zeroizing<Vec<u8>>> {
    match file {
        Some(path) if path != Path::new("-") => read_file(path),
        _ => {
            let mut stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprintln!("(reading {what} from the terminal; end with Ctrl-D, or pass -f FILE)");
            }
            let mut buf = Zeroizing::new(Vec::new());
            stdin
                .read_to_end(&mut buf)
                .map_err(|e| CliError::Input(format!("cannot read stdin: {}", io_reason(&e))))?;
            Ok(buf)
        }
    }
}

/// Reads a passphrase file: its bytes without the trailing line break; empty is an error.
pub fn read_passphrase(path: &Path) -> CliResult<Zeroizing<Vec<u8>>> {
    let mut bytes = read_file(path)?;
    while matches!(bytes.last(), Some(b'\n' | b'\r')) {
        bytes.pop();
    }
    if bytes.is_empty() {
        return Err(CliError::Input(format!(
            "passphrase file {} is empty: write the passphrase into it",
            path.display()
        )));
    }
    Ok(bytes)
}

/// Reads input as UTF-8 text.
pub fn read_text(file: Option<&Path>, what: &str) -> CliResult<Zeroizing<String>> {
    let bytes = read_input(file, what)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        CliError::Input(format!(
            "{}: input is not UTF-8 text: expected a YAML or JSON manifest",
            source_name(file)
        ))
    })?;
    if text.trim().is_empty() {
        return Err(CliError::Input(format!(
            "{}: input is empty: expected {what}",
            source_name(file)
        )));
    }
    Ok(Zeroizing::new(text.to_owned()))
}

/// Short, stable text for an I/O error (no OS error numbers).
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => e.to_string(),
    }
}

/// Writes the output of a command: atomically to `path` (temp file in the same folder,
/// then rename), or to stdout. A closed stdout is not an error.
pub fn write_output(path: Option<&Path>, data: &[u8], mode: Option<u32>) -> CliResult {
    match path {
        Some(p) if p != Path::new("-") => write_atomic(p, data, mode),
        _ => {
            let mut out = std::io::stdout().lock();
            match out.write_all(data).and_then(|()| out.flush()) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(CliError::Internal(format!("cannot write stdout: {e}"))),
            }
        }
    }
}

/// Writes `data` to `path` atomically: nothing is left behind if anything fails. `mode`
/// sets Unix permissions (the existing file's are kept otherwise, or 0644 for new files).
pub fn write_atomic(path: &Path, data: &[u8], mode: Option<u32>) -> CliResult {
    let dir: PathBuf = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let fail = |e: std::io::Error| {
        CliError::Input(format!(
            "cannot write {}: {}",
            path.display(),
            io_reason(&e)
        ))
    };
    // Renaming over a device or a pipe (`-w /dev/stdout`, `--key-out /dev/null`) would
    // replace it with a regular file: write to such targets in place instead.
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.is_dir() {
            return Err(CliError::Input(format!(
                "cannot write {}: it is a directory",
                path.display()
            )));
        }
        if !meta.is_file() {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(fail)?;
            return f.write_all(data).and_then(|()| f.flush()).map_err(fail);
        }
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".seal-")
        .tempfile_in(&dir)
        .map_err(fail)?;
    tmp.write_all(data).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = mode.unwrap_or_else(|| {
            std::fs::metadata(path)
                .map(|m| m.permissions().mode() & 0o7777)
                .unwrap_or(0o644)
        });
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))
            .map_err(fail)?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// Reads a certificate from a file path or an http(s) URL.
pub fn read_cert_source(source: &str) -> CliResult<Vec<u8>> {
    if source.starts_with("https://") || source.starts_with("http://") {
        fetch_url(source)
    } else {
        read_file(Path::new(source)).map(|b| b.to_vec())
    }
}

fn fetch_url(url: &str) -> CliResult<Vec<u8>> {
    // rustls needs a process-wide provider; aws-lc-rs is the one we already ship.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .into();
    let mut response = agent
        .get(url)
        .call()
        .map_err(|e| CliError::Input(format!("cannot fetch the certificate from {url}: {e}")))?;
    response
        .body_mut()
        .with_config()
        .limit(1024 * 1024)
        .read_to_vec()
        .map_err(|e| CliError::Input(format!("cannot read the certificate from {url}: {e}")))
}
