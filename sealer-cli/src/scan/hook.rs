//! `seal hook install`: writes hooks/pre-commit as this repository's pre-commit and
//! pre-merge-commit hooks (honouring core.hooksPath), pointed at the running binary. The
//! installed hook runs `seal scan --staged`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::sources::git_err;
use crate::error::{CliError, CliResult};
use crate::io;

/// The hook `seal hook install` writes: hooks/pre-commit of this repository.
const HOOK_SCRIPT: &str = include_str!("../../../hooks/pre-commit");
/// The line of hooks/pre-commit that `seal hook install` points at its own binary.
const HOOK_SEAL_LINE: &str = "seal_bin=${SEALER_SEAL:-seal}";
/// How an installed hook is recognised as ours.
const HOOK_MARKER: &str = "sealer-commit-gate";

/// `seal hook ...`.
#[derive(Debug, Args)]
pub struct HookArgs {
    /// What to do with the hook.
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
            note!("kept the previous hook as {}", backup.display());
        }
        io::write_atomic(t, script.as_bytes(), Some(0o755))?;
    }
    note!(
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
    fn the_hook_script_carries_the_marker_and_the_line_install_rewrites() {
        assert!(HOOK_SCRIPT.contains(HOOK_MARKER));
        assert!(HOOK_SCRIPT.contains(HOOK_SEAL_LINE));
        assert!(HOOK_SCRIPT.contains("scan --staged"));
    }
}
