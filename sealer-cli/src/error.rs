//! The CLI's one error type: what went wrong and what to do, with a deliberate exit code.

use std::fmt;

/// Exit codes, documented in the README.
pub mod exit {
    /// Validation failed or findings were reported.
    pub const FAILED: i32 = 1;
    /// Usage or input error.
    pub const USAGE: i32 = 2;
    /// Internal error.
    pub const INTERNAL: i32 = 3;
}

/// An error that ends the command. Its message never holds a plaintext value or a key.
#[derive(Debug)]
pub enum CliError {
    /// Bad flags, bad input, missing files: exit 2.
    Input(String),
    /// A check ran and failed (validate): exit 1. The report was already printed.
    Failed(String),
    /// Something that should not happen: exit 3.
    Internal(String),
}

impl CliError {
    /// The process exit code for this error.
    pub fn code(&self) -> i32 {
        match self {
            CliError::Input(_) => exit::USAGE,
            CliError::Failed(_) => exit::FAILED,
            CliError::Internal(_) => exit::INTERNAL,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Input(m) | CliError::Failed(m) => f.write_str(m),
            CliError::Internal(m) => write!(f, "internal error: {m} (please report this)"),
        }
    }
}

impl From<sealer_core::Error> for CliError {
    fn from(e: sealer_core::Error) -> Self {
        match e {
            sealer_core::Error::Crypto(what) => {
                CliError::Internal(format!("cryptographic operation failed: {what}"))
            }
            other => CliError::Input(other.to_string()),
        }
    }
}

/// Adds the name of the input an error came from.
pub fn context(source: &str) -> impl Fn(sealer_core::Error) -> CliError + '_ {
    move |e| match CliError::from(e) {
        CliError::Input(m) => CliError::Input(format!("{source}: {m}")),
        other => other,
    }
}

/// Result alias for the CLI.
pub type CliResult<T = ()> = Result<T, CliError>;
