//! Stopping cleanly on SIGINT, SIGTERM and SIGHUP. The temp file of an atomic write
//! (which, for `seal unseal -w`, holds the plaintext Secret) is removed, then `seal`
//! exits with the shell's code for the signal: 128 + its number (130, 143, 129). A signal
//! that was ignored when `seal` started (`nohup`) stays ignored.
//!
//! Each temp file is in a registry from its creation until it is renamed into place or
//! removed. The handler takes the registry's lock, removes every file in it and exits
//! still holding the lock. Temp files are created and renamed under the same lock, so
//! after the handler has run, no temp file is created or renamed and none is left.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tempfile::NamedTempFile;

/// The temp files that exist now.
static LIVE: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// The registry, locked. A panic while it was held cannot leave it half-updated (each
/// update is one insert or remove), so a poisoned lock is used as it is.
fn live() -> MutexGuard<'static, BTreeSet<PathBuf>> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Removes every registered temp file (each one that is already gone is skipped).
fn remove_all(live: &BTreeSet<PathBuf>) {
    for path in live {
        let _ = std::fs::remove_file(path);
    }
}

/// Handles SIGINT, SIGTERM and SIGHUP from now on, on a thread of its own: removes the
/// temp files, then exits with 128 + the signal's number. Without a handler (it could not
/// be set up), the signals keep their default action, which leaves temp files behind.
pub fn install() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        // A signal `seal` was started with ignored stays ignored (`nohup` ignores SIGHUP,
        // a shell's background job SIGINT): handling it would turn it into an exit.
        let ignored = ignored_signals();
        let wanted: Vec<i32> = [SIGINT, SIGTERM, SIGHUP]
            .into_iter()
            .filter(|s| (1..=64).contains(s) && ignored & (1u64 << (s - 1)) == 0)
            .collect();
        let Ok(mut signals) = signal_hook::iterator::Signals::new(wanted) else {
            return;
        };
        let _ = std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    let live = live();
                    remove_all(&live);
                    // Exiting with the lock held: no temp file appears after this.
                    std::process::exit(128 + signal);
                }
            });
    }
}

/// The signals this process was started with ignored, as the kernel's mask (bit N-1 for
/// signal N) in `/proc/self/status` (`SigIgn:`); none where that cannot be read.
#[cfg(unix)]
fn ignored_signals() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("SigIgn:"))
                .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        })
        .unwrap_or(0)
}

/// A temp file (`.seal-XXXXXX`, mode 0600 from creation) that is in the registry as long
/// as it exists. Dropping it removes it.
pub struct TempFile {
    /// `None` once renamed into place.
    file: Option<NamedTempFile>,
}

impl TempFile {
    /// Creates a temp file in `dir`.
    pub fn new_in(dir: &Path) -> std::io::Result<Self> {
        let mut live = live();
        let file = tempfile::Builder::new().prefix(".seal-").tempfile_in(dir)?;
        live.insert(file.path().to_path_buf());
        Ok(Self { file: Some(file) })
    }

    /// The open file; `None` only after [`Self::persist`], which takes `self`.
    fn file(&mut self) -> std::io::Result<&mut NamedTempFile> {
        self.file
            .as_mut()
            .ok_or_else(|| std::io::ErrorKind::NotFound.into())
    }

    /// Writes all of `data`.
    pub fn write_all(&mut self, data: &[u8]) -> std::io::Result<()> {
        self.file()?.write_all(data)
    }

    /// Waits until the data is on disk.
    pub fn sync_all(&mut self) -> std::io::Result<()> {
        self.file()?.as_file().sync_all()
    }

    /// Sets the file's permissions (those the target gets).
    pub fn set_permissions(&mut self, permissions: std::fs::Permissions) -> std::io::Result<()> {
        self.file()?.as_file().set_permissions(permissions)
    }

    /// The file's metadata.
    #[cfg(test)]
    fn metadata(&mut self) -> std::io::Result<std::fs::Metadata> {
        self.file()?.as_file().metadata()
    }

    /// Renames the file to `path` (replacing what is there) and takes it out of the
    /// registry. If the rename fails, the temp file is removed.
    pub fn persist(mut self, path: &Path) -> std::io::Result<()> {
        let mut live = live();
        let Some(file) = self.file.take() else {
            return Err(std::io::ErrorKind::NotFound.into());
        };
        let temp = file.path().to_path_buf();
        let result = file.persist(path).map(drop).map_err(|e| {
            drop(e.file); // removes the temp file
            e.error
        });
        live.remove(&temp);
        result
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            let mut live = live();
            let temp = file.path().to_path_buf();
            drop(file); // removes the temp file
            live.remove(&temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registered(path: &Path) -> bool {
        live().contains(path)
    }

    #[test]
    fn a_temp_file_is_registered_until_it_is_renamed_or_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut kept = TempFile::new_in(dir.path()).unwrap();
        let kept_path = kept.file.as_ref().unwrap().path().to_path_buf();
        assert!(registered(&kept_path));
        kept.write_all(b"data").unwrap();
        kept.persist(&dir.path().join("out")).unwrap();
        assert!(!registered(&kept_path));
        assert!(!kept_path.exists());
        assert_eq!(std::fs::read(dir.path().join("out")).unwrap(), b"data");

        let dropped = TempFile::new_in(dir.path()).unwrap();
        let dropped_path = dropped.file.as_ref().unwrap().path().to_path_buf();
        assert!(registered(&dropped_path));
        drop(dropped);
        assert!(!registered(&dropped_path));
        assert!(!dropped_path.exists());
    }

    #[test]
    fn the_handler_removes_every_registered_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let temp = TempFile::new_in(dir.path()).unwrap();
        let path = temp.file.as_ref().unwrap().path().to_path_buf();
        assert!(path.exists());
        // The handler's call, on this file only: other tests may be writing.
        assert!(registered(&path));
        remove_all(&BTreeSet::from([path.clone()]));
        assert!(!path.exists());
        // Dropping it afterwards is no error.
        drop(temp);
        assert!(!registered(&path));
    }

    #[cfg(unix)]
    #[test]
    fn a_temp_file_is_private_from_creation() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mut temp = TempFile::new_in(dir.path()).unwrap();
        let mode = temp.metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
