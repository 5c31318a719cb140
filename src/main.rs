//! `seal`: turn Kubernetes Secrets into SealedSecrets. The whole command line lives in
//! the sealer-cli library; this binary only runs it.

use std::process::ExitCode;

fn main() -> ExitCode {
    sealer_cli::run()
}
