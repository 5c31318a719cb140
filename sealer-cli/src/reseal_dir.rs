//! `seal reencrypt --dir DIR`: re-seals every SealedSecret file under DIR in place, after
//! a key renewal. Only files whose documents are all SealedSecrets are touched; each is
//! rewritten atomically in its own format (YAML stays YAML, JSON stays JSON).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use sealer_core::manifest::{self, Format};
use sealer_core::seal;
use sealer_core::{KeyRing, SealingCert};
use serde_json::Value;

use crate::args::ReencryptArgs;
use crate::error::{CliError, CliResult, describe};
use crate::io;
use crate::material;

/// A progress bar is drawn from this many files on, when stderr is a terminal.
const PROGRESS_FROM: usize = 20;
const BAR_WIDTH: usize = 30;

/// How one file is re-sealed: offline with keys and a certificate, or by the controller.
enum Resealer {
    Offline(KeyRing, SealingCert),
    Online(crate::cluster::Controller),
}

/// What walking DIR found: the manifest files, sorted, and the folders (or entries) that
/// could not be read, with why.
struct Listing {
    files: Vec<PathBuf>,
    unreadable: Vec<(PathBuf, String)>,
}

/// Manifest files under `dir` (`.yaml`, `.yml`, `.json`); hidden entries (`.git`...) are
/// not entered. A folder below `dir` that cannot be read is recorded and the walk goes
/// on; only `dir` itself failing ends it.
fn manifest_files(dir: &Path) -> CliResult<Listing> {
    let mut listing = Listing {
        files: Vec::new(),
        unreadable: Vec::new(),
    };
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(entries) => entries,
            Err(e) if d == dir => {
                return Err(CliError::Input(format!(
                    "cannot read {}: {}",
                    d.display(),
                    io::io_reason(&e)
                )));
            }
            Err(e) => {
                let why = format!("cannot read the folder: {}", io::io_reason(&e));
                listing.unreadable.push((d, why));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    let why = format!("cannot read the folder: {}", io::io_reason(&e));
                    listing.unreadable.push((d.clone(), why));
                    break;
                }
            };
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let kind = match entry.file_type() {
                Ok(kind) => kind,
                Err(e) => {
                    let why = format!("cannot tell what it is: {}", io::io_reason(&e));
                    listing.unreadable.push((path, why));
                    continue;
                }
            };
            if kind.is_symlink() {
                continue;
            }
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file()
                && path
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
            {
                listing.files.push(path);
            }
        }
    }
    listing.files.sort();
    listing.unreadable.sort();
    Ok(listing)
}

/// What happened to one file.
enum Outcome {
    Changed,
    Skipped(String),
    Failed(String),
}

fn reseal_file(path: &Path, resealer: &Resealer, namespace: Option<&str>) -> Outcome {
    let source = path.display().to_string();
    // A file that cannot be read, or not as text, may hold SealedSecrets that needed
    // re-sealing: that is a failure, never a skip.
    let bytes = match io::read_input(Some(path), "a manifest") {
        Ok(b) => b,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Outcome::Failed("not UTF-8 text, so it cannot be checked for SealedSecrets".into());
    };
    if text.trim().is_empty() {
        return Outcome::Skipped("no objects".into());
    }
    let docs = match manifest::parse_documents(text) {
        Ok(d) if !d.is_empty() => d,
        Ok(_) => return Outcome::Skipped("no objects".into()),
        Err(_) => return Outcome::Skipped("not a YAML or JSON manifest".into()),
    };
    if let Some(other) = docs.iter().find(|d| !seal::is_sealed_secret(d)) {
        return Outcome::Skipped(format!(
            "holds {}, not only SealedSecrets",
            manifest::shown_kind(other)
        ));
    }
    let mut out = Vec::new();
    for s in docs.iter() {
        let resealed = match resealer {
            Resealer::Offline(ring, cert) => {
                seal::reencrypt(s, ring, cert, namespace).map_err(|e| {
                    CliError::Input(format!(
                        "SealedSecret {}: {}",
                        manifest::display_name(s),
                        describe(&e)
                    ))
                })
            }
            Resealer::Online(controller) => crate::cluster::rotate(controller, s, &source),
        };
        match resealed {
            Ok(v) => out.push(v),
            Err(e) => return Outcome::Failed(e.to_string()),
        }
    }
    let format = if manifest::is_json(text) {
        Format::Json
    } else {
        Format::Yaml
    };
    match render_and_write(path, &out, format) {
        Ok(()) => Outcome::Changed,
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

fn render_and_write(path: &Path, docs: &[Value], format: Format) -> CliResult {
    let rendered = manifest::render(docs, format)?;
    io::write_atomic(path, rendered.as_bytes(), None)
}

/// Draws `[#####-----] n/total` on one terminal line.
fn draw(done: usize, total: usize) {
    let filled = BAR_WIDTH * done / total.max(1);
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\r[{}{}] {done}/{total}",
        "#".repeat(filled),
        "-".repeat(BAR_WIDTH - filled)
    );
    let _ = err.flush();
}

/// Runs `seal reencrypt --dir DIR`.
pub fn run(a: &ReencryptArgs, dir: &Path) -> CliResult {
    if !dir.is_dir() {
        return Err(CliError::Input(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    let Listing { files, unreadable } = manifest_files(dir)?;
    let resealer = if a.keys.keys.is_empty() {
        Resealer::Online(a.cert.controller.controller())
    } else {
        Resealer::Offline(
            material::load_keys(&a.keys.keys, a.keys.passphrase_file.as_deref())?,
            material::load_cert(&a.cert)?,
        )
    };
    let progress = files.len() >= PROGRESS_FROM && std::io::stderr().is_terminal();
    let mut report = String::new();
    for (path, why) in &unreadable {
        report.push_str(&format!("FAILED    {}: {why}\n", path.display()));
    }
    let (mut changed, mut skipped, mut failed) = (0usize, 0usize, 0usize);
    for (i, path) in files.iter().enumerate() {
        if progress {
            draw(i, files.len());
        }
        match reseal_file(path, &resealer, a.namespace.as_deref()) {
            Outcome::Changed => {
                changed += 1;
                report.push_str(&format!("resealed  {}\n", path.display()));
            }
            Outcome::Skipped(why) => {
                skipped += 1;
                report.push_str(&format!("skipped   {}: {why}\n", path.display()));
            }
            Outcome::Failed(why) => {
                failed += 1;
                report.push_str(&format!("FAILED    {}: {why}\n", path.display()));
            }
        }
    }
    if progress {
        draw(files.len(), files.len());
        note!("");
    }
    report.push_str(&format!(
        "{changed} file(s) re-sealed, {skipped} skipped, {} failed\n",
        failed + unreadable.len()
    ));
    io::write_output(None, report.as_bytes(), None)?;
    let mut what = Vec::new();
    if failed > 0 {
        what.push(format!(
            "{failed} file(s) could not be re-sealed and were left unchanged"
        ));
    }
    if !unreadable.is_empty() {
        what.push(format!("{} folder(s) could not be read", unreadable.len()));
    }
    if what.is_empty() {
        Ok(())
    } else {
        Err(CliError::Failed(what.join("; ")))
    }
}
