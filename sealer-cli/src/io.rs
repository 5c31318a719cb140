//! Input and output: stdin or `-f`, stdout or atomic `-w`, certificates from files or URLs.
//!
//! Every input is read with a size limit that depends on what it holds ([`Kind`]), and
//! only from a regular file, a FIFO or stdin: a device (`/dev/zero`, `/dev/urandom`)
//! never ends, and a FIFO with no writer must not block `seal` forever.

use std::fmt;
use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use zeroize::Zeroizing;

use crate::error::{CliError, CliResult};
use crate::interrupt::TempFile;

/// Prints one line on stderr. A stderr that cannot be written (a closed pipe, a full
/// disk) loses the line and nothing else: the command's outcome and exit code stay what
/// they were (`eprintln!` would panic instead). The `note!` macro formats for it.
pub fn note(line: fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Most bytes read from a certificate, a passphrase file or `.sealer.yaml`.
pub const SMALL_LIMIT: u64 = 1 << 20;
/// Most bytes read from a key file: a key backup holds every key the controller ever
/// had (a new one a month, each a few KB, twice that in `kubectl get -o yaml` output).
pub const KEY_LIMIT: u64 = 16 << 20;
/// Most bytes read from a manifest (or a raw value) unless `--max-input-size` says
/// otherwise.
pub const DEFAULT_MANIFEST_LIMIT: u64 = 64 << 20;
/// Most bytes read from a `seal scan` baseline: room for some 400,000 findings.
pub const BASELINE_LIMIT: u64 = 16 << 20;

/// The manifest limit, set once from `--max-input-size` before any command runs. A
/// process-wide setting rather than a parameter because it applies to every manifest
/// read, wherever a command reads one (`-f`, stdin, `merge-into`, `--dir`, `scan --fix`).
static MANIFEST_LIMIT: AtomicU64 = AtomicU64::new(DEFAULT_MANIFEST_LIMIT);

/// Sets the most bytes read from a manifest or a raw value.
pub fn set_manifest_limit(bytes: u64) {
    MANIFEST_LIMIT.store(bytes, Ordering::Relaxed);
}

/// What an input holds, which sets how much of it `seal` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A YAML or JSON manifest, or a raw value to seal: `--max-input-size`, default
    /// [`DEFAULT_MANIFEST_LIMIT`].
    Manifest,
    /// A certificate or public key: [`SMALL_LIMIT`].
    Certificate,
    /// Private keys (PEM, key Secrets, a key backup): [`KEY_LIMIT`].
    Key,
    /// A passphrase file: [`SMALL_LIMIT`].
    Passphrase,
    /// The repository's `.sealer.yaml`: [`SMALL_LIMIT`].
    Config,
    /// A `seal scan` baseline: [`BASELINE_LIMIT`].
    Baseline,
}

impl Kind {
    /// The most bytes read from an input of this kind.
    pub fn limit(self) -> u64 {
        match self {
            Kind::Manifest => MANIFEST_LIMIT.load(Ordering::Relaxed),
            Kind::Key => KEY_LIMIT,
            Kind::Baseline => BASELINE_LIMIT,
            Kind::Certificate | Kind::Passphrase | Kind::Config => SMALL_LIMIT,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Kind::Manifest => "a manifest",
            Kind::Certificate => "a certificate",
            Kind::Key => "a key file",
            Kind::Passphrase => "a passphrase",
            Kind::Config => "a repository config",
            Kind::Baseline => "a seal scan baseline",
        }
    }
}

/// `bytes` as a person reads a limit: `64 MiB`, `1 KiB`, `1000 bytes`.
pub fn size(bytes: u64) -> String {
    for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] {
        if bytes >= 1 << shift && bytes.is_multiple_of(1 << shift) {
            return format!("{} {unit}", bytes >> shift);
        }
    }
    format!("{bytes} bytes")
}

fn too_large(name: &str, kind: Kind) -> CliError {
    let raise = if kind == Kind::Manifest {
        " (raise it with --max-input-size)"
    } else {
        ""
    };
    CliError::Input(format!(
        "cannot read {name}: it is larger than {}, the limit for {}{raise}",
        size(kind.limit()),
        kind.what()
    ))
}

/// Where input comes from, for messages.
pub fn source_name(file: Option<&Path>) -> String {
    file.map_or_else(|| "stdin".to_owned(), |p| p.display().to_string())
}

/// What a file that is not a regular file is, for messages.
fn type_name(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

#[cfg(unix)]
fn is_fifo(t: std::fs::FileType) -> bool {
    std::os::unix::fs::FileTypeExt::is_fifo(&t)
}

#[cfg(not(unix))]
fn is_fifo(_: std::fs::FileType) -> bool {
    false
}

/// Opens `path` to read. Only a regular file or a FIFO is opened; the type is checked
/// before opening (following symlinks: `/dev/stdin`, `/dev/fd/N` of a shell's `<(...)`),
/// since opening a device may have effects and opening a FIFO to read blocks until a
/// writer comes. The open itself does not block either ([`nonblocking`]), in case the
/// path changed in between, and the opened file is checked again.
fn open_input(path: &Path, name: &str) -> CliResult<(File, std::fs::Metadata)> {
    let cannot = |reason: String| CliError::Input(format!("cannot read {name}: {reason}"));
    let readable = |meta: &std::fs::Metadata| -> CliResult<()> {
        let t = meta.file_type();
        if t.is_dir() {
            return Err(cannot("it is a directory".into()));
        }
        if !t.is_file() && !is_fifo(t) {
            return Err(cannot(format!(
                "it is {}, not a regular file",
                type_name(t)
            )));
        }
        Ok(())
    };
    let meta = std::fs::metadata(path).map_err(|e| cannot(io_reason(&e)))?;
    readable(&meta)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    nonblocking(&mut options);
    let file = options.open(path).map_err(|e| cannot(io_reason(&e)))?;
    let meta = file.metadata().map_err(|e| cannot(io_reason(&e)))?;
    readable(&meta)?;
    blocking(&file).map_err(|e| cannot(io_reason(&e)))?;
    Ok((file, meta))
}

/// Opens without waiting: a FIFO opened to read has no writer yet (reads then end at
/// once), one opened to write has no reader (the open fails with ENXIO).
#[cfg(unix)]
fn nonblocking(options: &mut std::fs::OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    // The flag's bits fit an i32: they are a C `int` flag.
    options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
}

#[cfg(not(unix))]
fn nonblocking(_: &mut std::fs::OpenOptions) {}

/// Makes reads and writes of `file` wait again, as a plain open would have.
#[cfg(unix)]
fn blocking(file: &File) -> std::io::Result<()> {
    let flags = rustix::fs::fcntl_getfl(file)?;
    rustix::fs::fcntl_setfl(file, flags - rustix::fs::OFlags::NONBLOCK)?;
    Ok(())
}

#[cfg(not(unix))]
fn blocking(_: &File) -> std::io::Result<()> {
    Ok(())
}

/// Reads at most the limit of `kind` from `reader` (a longer input is refused, however
/// long it is: the read stops one byte past the limit). The bytes only ever live in
/// buffers that are wiped, as they grow too. `hint` is the expected length, if known.
fn read_capped(
    reader: impl Read,
    name: &str,
    kind: Kind,
    hint: u64,
) -> CliResult<Zeroizing<Vec<u8>>> {
    let limit = kind.limit();
    let mut reader = reader.take(limit.saturating_add(1));
    let start = usize::try_from(hint.min(limit).saturating_add(1)).unwrap_or(0);
    let mut buf = Zeroizing::new(Vec::with_capacity(start));
    let mut chunk = Zeroizing::new(vec![0u8; 64 * 1024]);
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(CliError::Input(format!(
                    "cannot read {name}: {}",
                    io_reason(&e)
                )));
            }
        };
        let need = buf.len() + n;
        if u64::try_from(need).map_or(true, |need| need > limit) {
            return Err(too_large(name, kind));
        }
        if need > buf.capacity() {
            // Doubling, but never past the limit (`need` is within it).
            let most = usize::try_from(limit).unwrap_or(usize::MAX);
            let grown = need.max(buf.capacity().saturating_mul(2)).min(most);
            let mut bigger = Zeroizing::new(Vec::with_capacity(grown));
            bigger.extend_from_slice(&buf);
            buf = bigger; // the old buffer is wiped as it drops
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(buf)
}

/// Reads a whole file of `kind`, naming it in errors: at most the kind's limit, and
/// only a regular file or a FIFO (a FIFO with no writer reads as empty).
pub fn read_file(path: &Path, kind: Kind) -> CliResult<Zeroizing<Vec<u8>>> {
    let name = path.display().to_string();
    let (file, meta) = open_input(path, &name)?;
    if meta.is_file() && meta.len() > kind.limit() {
        return Err(too_large(&name, kind));
    }
    read_capped(file, &name, kind, meta.len())
}

/// Reads the input of a command, a manifest or a raw value: the file, or stdin. Both have
/// the manifest limit. Plaintext inputs are wiped on drop.
pub fn read_input(file: Option<&Path>, what: &str) -> CliResult<Zeroizing<Vec<u8>>> {
    match file {
        Some(path) if path != Path::new("-") => read_file(path, Kind::Manifest),
        _ => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                note(format_args!(
                    "(reading {what} from the terminal; end with Ctrl-D, or pass -f FILE)"
                ));
            }
            read_capped(stdin.lock(), "stdin", Kind::Manifest, 0)
        }
    }
}

/// Reads a passphrase file: its bytes without the trailing line break; empty is an error.
pub fn read_passphrase(path: &Path) -> CliResult<Zeroizing<Vec<u8>>> {
    let mut bytes = read_file(path, Kind::Passphrase)?;
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
    let mut bytes = read_input(file, what)?;
    // Taken, not copied: the input is the largest thing `seal` holds.
    let text = String::from_utf8(std::mem::take(&mut *bytes)).map_err(|e| {
        drop(Zeroizing::new(e.into_bytes()));
        CliError::Input(format!(
            "{}: input is not UTF-8 text: expected a YAML or JSON manifest",
            source_name(file)
        ))
    })?;
    let text = Zeroizing::new(text);
    if text.trim().is_empty() {
        return Err(CliError::Input(format!(
            "{}: input is empty: expected {what}",
            source_name(file)
        )));
    }
    Ok(text)
}

/// Refuses `path` when it exists and is not a regular file: `what` says why one is
/// needed. (A missing file is left for the read to report.)
pub fn require_regular_file(path: &Path, what: &str) -> CliResult {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => Err(CliError::Input(format!(
            "{}: it is {}, not a regular file: {what}",
            path.display(),
            type_name(meta.file_type())
        ))),
        _ => Ok(()),
    }
}

/// Short, stable text for an I/O error (no OS error numbers).
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory".into(),
        std::io::ErrorKind::StorageFull => "no space left on device".into(),
        _ => e.to_string(),
    }
}

/// Writes the output of a command: atomically to `path` (temp file in the same folder,
/// then rename), or to stdout. A closed stdout is not an error.
pub fn write_output(path: Option<&Path>, data: &[u8], mode: Option<u32>) -> CliResult {
    let mut out = Output::create(path, mode)?;
    out.write(data)?;
    out.finish()
}

/// Writes `data` to `path` atomically: nothing is left behind if anything fails. `mode`
/// sets Unix permissions (the existing file's are kept otherwise, or 0644 for new files).
pub fn write_atomic(path: &Path, data: &[u8], mode: Option<u32>) -> CliResult {
    write_output(Some(path), data, mode)
}

/// Output written piece by piece (`seal` streams what it seals). To a file, it goes to a
/// temp file in the same folder that [`Output::finish`] renames into place: dropped
/// unfinished, it leaves nothing. FIFOs and devices are written in place, stdout as it
/// comes; a closed stdout (a reader that stopped) is not an error.
pub struct Output<'p> {
    target: Target<'p>,
    /// Wiped when written or dropped: it may hold plaintext (unsealed Secrets).
    buffer: Zeroizing<Vec<u8>>,
}

enum Target<'p> {
    Stdout {
        closed: bool,
    },
    Temp {
        tmp: TempFile,
        path: &'p Path,
        mode: Option<u32>,
    },
    InPlace {
        file: std::fs::File,
        path: &'p Path,
    },
}

/// Bytes gathered before a write to the target.
const OUTPUT_CHUNK: usize = 256 * 1024;

impl<'p> Output<'p> {
    /// Opens the output: `path` (`-` or `None` is stdout) with `mode` for a new file.
    pub fn create(path: Option<&'p Path>, mode: Option<u32>) -> CliResult<Self> {
        let target = match path {
            Some(p) if p != Path::new("-") => open_file_output(p, mode)?,
            _ => Target::Stdout { closed: false },
        };
        Ok(Self {
            target,
            buffer: Zeroizing::new(Vec::new()),
        })
    }

    /// Adds `data` to the output.
    pub fn write(&mut self, data: &[u8]) -> CliResult {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= OUTPUT_CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> CliResult {
        let data = Zeroizing::new(std::mem::take(&mut *self.buffer));
        match &mut self.target {
            Target::Stdout { closed: true } => Ok(()),
            Target::Stdout { closed } => {
                let mut out = std::io::stdout().lock();
                match out.write_all(&data).and_then(|()| out.flush()) {
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                        *closed = true;
                        Ok(())
                    }
                    // A full disk or a bad descriptor is the place the output was sent
                    // to, not a fault of seal.
                    Err(e) => Err(CliError::Input(format!(
                        "cannot write the output: {}",
                        io_reason(&e)
                    ))),
                    Ok(()) => Ok(()),
                }
            }
            Target::Temp { tmp, path, .. } => {
                tmp.write_all(&data).map_err(|e| cannot_write(path, &e))
            }
            Target::InPlace { file, path } => file
                .write_all(&data)
                .and_then(|()| file.flush())
                .map_err(|e| cannot_write(path, &e)),
        }
    }

    /// Writes what is left and puts a file output into place.
    pub fn finish(mut self) -> CliResult {
        self.flush()?;
        match self.target {
            Target::Temp {
                mut tmp,
                path,
                mode,
            } => {
                tmp.sync_all().map_err(|e| cannot_write(path, &e))?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = mode.unwrap_or_else(|| {
                        std::fs::metadata(path)
                            .map(|m| m.permissions().mode() & 0o7777)
                            .unwrap_or(0o644)
                    });
                    tmp.set_permissions(std::fs::Permissions::from_mode(mode))
                        .map_err(|e| cannot_write(path, &e))?;
                }
                #[cfg(not(unix))]
                let _ = mode;
                tmp.persist(path).map_err(|e| cannot_write(path, &e))
            }
            Target::Stdout { .. } | Target::InPlace { .. } => Ok(()),
        }
    }
}

fn cannot_write(path: &Path, e: &std::io::Error) -> CliError {
    CliError::Input(format!("cannot write {}: {}", path.display(), io_reason(e)))
}

/// The target for output to `path`: a temp file beside it, or the path itself when it is
/// a FIFO or a device (renaming over one, as for `-w /dev/stdout` or `--key-out
/// /dev/null`, would replace it with a regular file).
fn open_file_output(path: &Path, mode: Option<u32>) -> CliResult<Target<'_>> {
    let dir: PathBuf = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        let file = open_in_place(path, meta.file_type())?;
        return Ok(Target::InPlace { file, path });
    }
    // Mode 0600 from creation, so that what it holds is never readable by others; on
    // SIGINT, SIGTERM or SIGHUP it is removed (`interrupt`).
    let tmp = TempFile::new_in(&dir).map_err(|e| cannot_write(path, &e))?;
    Ok(Target::Temp { tmp, path, mode })
}

fn open_in_place(path: &Path, t: std::fs::FileType) -> CliResult<std::fs::File> {
    let cannot =
        |reason: String| CliError::Input(format!("cannot write {}: {reason}", path.display()));
    if t.is_dir() {
        return Err(cannot("it is a directory".into()));
    }
    #[cfg(unix)]
    if std::os::unix::fs::FileTypeExt::is_socket(&t) {
        return Err(cannot("it is a socket, not a file".into()));
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    let fifo = is_fifo(t);
    if fifo {
        nonblocking(&mut options);
    }
    let f = options.open(path).map_err(|e| {
        if fifo && is_no_reader(&e) {
            cannot("it is a FIFO that no process is reading".into())
        } else {
            cannot(io_reason(&e))
        }
    })?;
    blocking(&f).map_err(|e| cannot(io_reason(&e)))?;
    Ok(f)
}

/// Whether opening a FIFO to write failed for want of a reader (ENXIO).
#[cfg(unix)]
fn is_no_reader(e: &std::io::Error) -> bool {
    e.raw_os_error() == Some(rustix::io::Errno::NXIO.raw_os_error())
}

#[cfg(not(unix))]
fn is_no_reader(_: &std::io::Error) -> bool {
    false
}

/// `source` as it may be shown: the credentials of a URL replaced by `***`
/// (`https://user:***@host/...`; a user name alone, which may be a token, becomes
/// `https://***@host/...`). Anything else is shown as it is.
pub fn shown_source(source: &str) -> String {
    match credentials(source) {
        Some((raw, shown)) => source.replacen(raw, &shown, 1),
        None => source.to_owned(),
    }
}

/// The user-info part of a URL with its `@` (`user:password@` of
/// `https://user:password@host/`), and what is shown instead.
fn credentials(url: &str) -> Option<(&str, String)> {
    let start = url.find("://")? + 3;
    let rest = &url[start..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let at = authority.rfind('@')?;
    let shown = match authority[..at].split_once(':') {
        Some((user, _)) => format!("{user}:***@"),
        None => "***@".to_owned(),
    };
    Some((&url[start..=start + at], shown))
}

/// `text` (an error about `url`) with the URL's credentials hidden wherever they appear.
fn hide_credentials(text: &str, url: &str) -> String {
    match credentials(url) {
        Some((raw, shown)) => text.replace(raw, &shown),
        None => text.to_owned(),
    }
}

/// Reads a certificate from a file path or an http(s) URL.
pub fn read_cert_source(source: &str) -> CliResult<Vec<u8>> {
    if source.starts_with("https://") || source.starts_with("http://") {
        fetch_url(source)
    } else {
        read_file(Path::new(source), Kind::Certificate).map(|b| b.to_vec())
    }
}

fn fetch_url(url: &str) -> CliResult<Vec<u8>> {
    // rustls needs a process-wide provider; aws-lc-rs is the one we already ship.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .into();
    let shown = shown_source(url);
    let mut response = agent.get(url).call().map_err(|e| {
        CliError::Input(format!(
            "cannot fetch the certificate from {shown}: {}",
            hide_credentials(&e.to_string(), url)
        ))
    })?;
    response
        .body_mut()
        .with_config()
        .limit(SMALL_LIMIT)
        .read_to_vec()
        .map_err(|e| {
            CliError::Input(format!(
                "cannot read the certificate from {shown}: {}",
                hide_credentials(&e.to_string(), url)
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_a_url_are_hidden_and_the_rest_is_kept() {
        assert_eq!(
            shown_source("https://user:pa:ss@host:8443/v1/cert.pem?x=1"),
            "https://user:***@host:8443/v1/cert.pem?x=1"
        );
        assert_eq!(
            shown_source("https://token@host/cert.pem"),
            "https://***@host/cert.pem"
        );
        // An `@` after the host is part of the path, not credentials.
        assert_eq!(
            shown_source("https://host/a@b/cert.pem"),
            "https://host/a@b/cert.pem"
        );
        assert_eq!(shown_source("certs/a@b.pem"), "certs/a@b.pem");
        assert_eq!(
            hide_credentials("invalid uri https://u:secret@h/x", "https://u:secret@h/x"),
            "invalid uri https://u:***@h/x"
        );
    }

    #[test]
    fn limits_read_as_sizes() {
        assert_eq!(size(64 << 20), "64 MiB");
        assert_eq!(size(1 << 10), "1 KiB");
        assert_eq!(size(3 << 30), "3 GiB");
        assert_eq!(size(1000), "1000 bytes");
        assert_eq!(size(1536), "1536 bytes");
    }

    #[test]
    fn fail_a_reader_past_the_limit_is_cut_one_byte_after_it() {
        let endless = std::io::repeat(b'x');
        let e = read_capped(endless, "stdin", Kind::Certificate, 0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot read stdin: it is larger than 1 MiB, the limit for a certificate"
        );
        let exact = std::io::repeat(b'x').take(SMALL_LIMIT);
        let bytes = read_capped(exact, "stdin", Kind::Certificate, 0).unwrap();
        assert_eq!(bytes.len() as u64, SMALL_LIMIT);
    }
}
