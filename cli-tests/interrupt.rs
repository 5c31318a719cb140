//! `seal` stopped by a signal while it writes a file (`-w`, `merge-into`): the temporary
//! file it was writing, which for `unseal` holds the plaintext Secret, is removed, and
//! the exit code is the shell's for that signal (128 + its number).
//!
//! The window in which the temporary file exists is short, so the test freezes `seal`
//! with SIGSTOP over and over until a frozen `seal` is seen with its temporary file
//! present, and only then sends the signal (and SIGCONT): the signal always arrives
//! while the file exists.
#![cfg(target_os = "linux")]
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use rustix::process::{Pid, Signal, kill_process};

/// `count` SealedSecrets of one value of `size` bytes each: big enough that writing
/// them out takes a while (one Secret holds at most 1 MiB).
fn big_sealed(dir: &Path, count: usize, size: usize) -> PathBuf {
    let secrets: String = (0..count)
        .map(|i| {
            format!(
                "---\napiVersion: v1\nkind: Secret\nmetadata: {{name: big{i}, namespace: prod}}\nstringData:\n  blob: {}\n",
                "x".repeat(size)
            )
        })
        .collect();
    let out = seal(&["--cert", &fx().cert()], &secrets);
    assert!(out.status.success(), "{}", stderr(&out));
    let path = dir.join("big-sealed.yaml");
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

/// The temporary files `seal` writes in `dir` (`.seal-*`).
fn temp_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".seal-"))
        })
        .collect()
}

/// The state letter of process `pid` in /proc (`T` stopped, `Z` exited), if it still
/// exists.
fn state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name in parentheses may hold spaces; the state follows the last `)`.
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// What one run of `seal` that was caught writing showed.
struct Caught {
    output: Output,
    /// The modes of the temporary files seen while `seal` was frozen.
    modes: Vec<u32>,
}

/// Runs `seal args` (writing into `out_dir`) until it is caught frozen with a temporary
/// file in `out_dir`, then sends it `signal`. `None` if every run ended first.
fn catch_writing(args: &[&str], out_dir: &Path, signal: Signal) -> Option<Caught> {
    catch_writing_under(&[], args, out_dir, signal)
}

/// As [`catch_writing`], with `seal` started through `wrapper` (programs that exec the
/// next one: same pid). Every run starts from `env --default-signal`: a test run in the
/// background (CI) inherits SIGINT ignored, which `seal` rightly keeps ignored.
fn catch_writing_under(
    wrapper: &[&str],
    args: &[&str],
    out_dir: &Path,
    signal: Signal,
) -> Option<Caught> {
    for _ in 0..20 {
        let mut command = Command::new("env");
        command
            .arg("--default-signal=INT,TERM,HUP")
            .args(wrapper)
            .arg(env!("CARGO_BIN_EXE_seal"));
        let child = command
            .args(args)
            .env_remove("SEALER_CERT")
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = Pid::from_child(&child);
        let id = child.id();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if state(id).is_none_or(|s| s == 'Z') || Instant::now() > deadline {
                break;
            }
            if kill_process(pid, Signal::STOP).is_err() {
                break;
            }
            // Wait until every thread has stopped (or the process has ended).
            while state(id).is_some_and(|s| s != 'T' && s != 'Z') {
                std::thread::yield_now();
            }
            let temps = temp_files(out_dir);
            if !temps.is_empty() && state(id) == Some('T') {
                let modes = temps
                    .iter()
                    .filter_map(|t| std::fs::metadata(t).ok())
                    .map(|m| m.permissions().mode() & 0o777)
                    .collect();
                kill_process(pid, signal).unwrap();
                kill_process(pid, Signal::CONT).unwrap();
                let output = child.wait_with_output().unwrap();
                return Some(Caught { output, modes });
            }
            let _ = kill_process(pid, Signal::CONT);
            std::thread::sleep(Duration::from_micros(200));
        }
        let _ = kill_process(pid, Signal::CONT);
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        // It ended before it was caught: the output is complete, try again.
        assert_eq!(temp_files(out_dir), Vec::<PathBuf>::new());
    }
    None
}

#[test]
fn a_signal_while_unseal_writes_removes_the_plaintext_temp_file_and_exits_128_plus_its_number() {
    let dir = tempfile::tempdir().unwrap();
    let sealed = big_sealed(dir.path(), 16, 512 << 10);
    let sealed = sealed.to_str().unwrap();
    for (signal, code) in [(Signal::TERM, 143), (Signal::INT, 130), (Signal::HUP, 129)] {
        let out_dir = dir.path().join(format!("out-{code}"));
        std::fs::create_dir(&out_dir).unwrap();
        let target = out_dir.join("secret.yaml");
        let args = [
            "unseal",
            "--key",
            &fx().key(),
            "-f",
            sealed,
            "-w",
            target.to_str().unwrap(),
        ];
        let caught = catch_writing(&args, &out_dir, signal)
            .expect("seal unseal -w was never caught while writing its output");
        assert_eq!(
            caught.output.status.code(),
            Some(code),
            "{signal:?}: {:?} {}",
            caught.output.status,
            stderr(&caught.output)
        );
        assert_eq!(temp_files(&out_dir), Vec::<PathBuf>::new(), "{signal:?}");
        assert_eq!(stderr(&caught.output), "");
    }
}

#[test]
fn the_plaintext_temp_file_of_unseal_is_readable_by_its_owner_only_while_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let sealed = big_sealed(dir.path(), 16, 512 << 10);
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    // A target that others may read already: its temp file is private all the same.
    let target = out_dir.join("secret.yaml");
    std::fs::write(&target, "old\n").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    let args = [
        "unseal",
        "--key",
        &fx().key(),
        "-f",
        sealed.to_str().unwrap(),
        "-w",
        target.to_str().unwrap(),
    ];
    let caught = catch_writing(&args, &out_dir, Signal::TERM)
        .expect("seal unseal -w was never caught while writing its output");
    assert!(!caught.modes.is_empty());
    for mode in caught.modes {
        assert_eq!(mode, 0o600, "temp file mode {mode:o}");
    }
}

#[test]
fn a_signal_while_merge_into_writes_removes_the_temp_file_and_keeps_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let sealed = big_sealed(dir.path(), 1, 700 << 10);
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("sealed.yaml");
    std::fs::copy(&sealed, &target).unwrap();
    let before = std::fs::read(&target).unwrap();
    let secret = dir.path().join("more.yaml");
    std::fs::write(
        &secret,
        "apiVersion: v1\nkind: Secret\nmetadata: {name: big, namespace: prod}\nstringData: {more: v}\n",
    )
    .unwrap();
    let args = [
        "merge-into",
        target.to_str().unwrap(),
        "-f",
        secret.to_str().unwrap(),
        "--cert",
        &fx().cert(),
    ];
    let caught = catch_writing(&args, &out_dir, Signal::TERM)
        .expect("seal merge-into was never caught while writing its output");
    assert_eq!(caught.output.status.code(), Some(143));
    assert_eq!(temp_files(&out_dir), Vec::<PathBuf>::new());
    // Either untouched or wholly replaced, never anything in between.
    let after = std::fs::read(&target).unwrap();
    assert!(
        after == before || String::from_utf8_lossy(&after).contains("more: "),
        "the SealedSecret file was damaged"
    );
}

#[test]
fn under_nohup_a_hangup_is_ignored_and_the_output_is_written_whole() {
    // nohup ignores SIGHUP for the program it runs; the handler that removes temp files
    // must not turn that back into an exit.
    let dir = tempfile::tempdir().unwrap();
    let sealed = big_sealed(dir.path(), 16, 512 << 10);
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("secret.yaml");
    let args = [
        "unseal",
        "--key",
        &fx().key(),
        "-f",
        sealed.to_str().unwrap(),
        "-w",
        target.to_str().unwrap(),
    ];
    let caught = catch_writing_under(&["nohup"], &args, &out_dir, Signal::HUP)
        .expect("seal unseal -w was never caught while writing its output");
    assert!(
        caught.output.status.success(),
        "{:?} {}",
        caught.output.status,
        stderr(&caught.output)
    );
    assert!(target.is_file());
    assert_eq!(temp_files(&out_dir), Vec::<PathBuf>::new());
}
