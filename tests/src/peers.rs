//! The peer tools installed by `tests/peers/install`, and our own `seal` binary.
//!
//! Like the control plane, a missing peer is a failure, never a skip: the test
//! command installs them all first.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Path of a peer tool from its `SEALER_PEER_*` variable.
///
/// # Panics
/// When the variable is unset or names nothing.
pub fn peer(var: &str) -> PathBuf {
    let path = std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            panic!("peer tool {var} is not set: run `eval \"$(tests/peers/install)\"` first")
        });
    assert!(
        path.exists(),
        "{var}={} does not exist: re-run tests/peers/install",
        path.display()
    );
    path
}

/// The `seal` binary of this workspace (built next to the test binaries).
///
/// # Panics
/// When it has not been built (`cargo build -p sealer`).
pub fn seal_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("SEALER_SEAL_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap_or_default();
    // target/<profile>/deps/<test> -> target/<profile>/seal
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("seal"))
        .unwrap_or_default();
    assert!(
        bin.exists(),
        "{} not found: build it first with `cargo build -p sealer`",
        bin.display()
    );
    bin
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Runs `program` with `args`, feeding `stdin`; returns its output whatever its status.
pub fn run(program: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    if let Some(mut input) = child.stdin.take() {
        // A program may exit without reading its input; that is its answer, not ours.
        let _ = input.write_all(stdin);
    }
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("{} did not finish: {e}", program.display()))
}

/// Runs and requires success; returns stdout.
///
/// # Panics
/// When the program exits non-zero (its stderr is in the message).
pub fn run_ok(program: &Path, args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let out = run(program, args, stdin);
    assert!(
        out.status.success(),
        "{} {args:?} failed ({}): {}",
        program.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A fresh 2048-bit key pair made by `seal keygen` in a new temporary folder named after
/// `prefix`, unknown to any controller: `(key, cert)`.
///
/// # Panics
/// When `seal keygen` fails.
pub fn keygen(prefix: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(crate::cluster::unique_name(prefix));
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let (key, cert) = (dir.join("k.pem"), dir.join("c.pem"));
    let (k, c) = (key.display().to_string(), cert.display().to_string());
    run_ok(
        &seal_bin(),
        &[
            "keygen",
            "--bits",
            "2048",
            "--key-out",
            &k,
            "--cert-out",
            &c,
        ],
        b"",
    );
    (key, cert)
}
