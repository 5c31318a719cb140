//! The Helm chart `charts/sealer-controller` and the `helm` peer tool that renders and
//! installs it, shared by the chart tests (`tests/tests/chart.rs` and
//! `tests/tests/chart_rbac.rs`).

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use crate::peers::{peer, repo_root};

/// The name the chart gives the Deployment, ServiceAccount and API Service by default.
pub const NAME: &str = "sealed-secrets-controller";

/// The chart's directory in this repository.
pub fn chart() -> PathBuf {
    repo_root().join("charts/sealer-controller")
}

/// Runs the `helm` peer tool (`SEALER_PEER_HELM`) with `args` and stdin closed.
///
/// # Panics
/// When helm is not installed or cannot be started.
pub fn helm(args: &[&str]) -> Output {
    let helm = peer("SEALER_PEER_HELM");
    Command::new(&helm)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", helm.display()))
}

/// Runs helm with `args` and returns what it printed on stdout.
///
/// # Panics
/// When helm fails (the message holds its exit status, stderr and stdout) or prints
/// something that is not UTF-8.
pub fn helm_ok(args: &[&str]) -> String {
    let out = helm(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "helm {args:?} failed ({}):\n{stderr}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout)
        .unwrap_or_else(|e| panic!("helm {args:?} printed output that is not UTF-8: {e}"))
}
