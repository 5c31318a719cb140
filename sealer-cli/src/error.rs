//! The CLI's one error type: what went wrong and what to do, with a deliberate exit code.
//!
//! The core's errors say what went wrong; [`describe`] adds what to do about it here,
//! where the flags and commands are known.

use std::fmt;

use sealer_core::Error;
use sealer_core::error::{MetaField, ObjectKind};
use sealer_core::keys::KEY_LABEL;

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

/// What the CLI says after a core error's own message.
enum Advice {
    /// `what went wrong: what to do`.
    Then(String),
    /// `what went wrong (what to do)`.
    Aside(&'static str),
    /// `what went wrong; what to do`.
    Also(String),
    /// The whole message in the CLI's words, because it names a flag where the core
    /// names a field.
    Instead(String),
}

use Advice::{Also, Aside, Instead, Then};

/// What to do about `e`, for every core error (a `Within` is handled by [`describe`]).
fn advice(e: &Error) -> Option<Advice> {
    let then = |text: &str| Some(Then(text.to_owned()));
    let another_copy = || then("use another copy");
    let public_cert =
        "pass the public certificate (seal fetch-cert, or the controller's tls.crt) instead";
    match e {
        Error::MissingKind {
            expected: ObjectKind::Secret,
        } => Some(Instead(
            "an object has no `kind`: seal only takes Secret manifests (kind: Secret)".into(),
        )),
        Error::NotASecret { .. } => then("seal only takes Secret manifests"),
        Error::AlreadySealed { .. } => {
            then("use `seal reencrypt` to re-seal it or `seal merge-into` to add values")
        }
        Error::NotSealedYet { .. } => then("seal it with `seal` first"),
        Error::MissingName => then("add one or pass --name"),
        Error::MissingNamespace { .. } => then("add metadata.namespace or pass -n NAMESPACE"),
        Error::SealedSecretMissingNamespace { .. } => then("pass -n NAMESPACE"),
        Error::FieldConflict {
            object,
            field,
            in_document,
            given,
        } => {
            let flag = match field {
                MetaField::Name => "--name",
                MetaField::Namespace => "-n",
            };
            Some(Instead(format!(
                "{object} says {field} `{in_document}` but {flag} says `{given}`: drop {flag} or make them agree"
            )))
        }
        Error::EmptySecret { .. } => {
            then("add values, or pass --allow-empty-data to seal it anyway")
        }
        Error::TargetNeedsNamespace { .. } => then("pass --namespace NAMESPACE"),
        Error::TargetNeedsName { .. } => {
            then("pass --name NAME (or choose --scope namespace-wide)")
        }
        Error::NoPemBlock => Some(Aside("seal fetch-cert writes one")),
        Error::CertificateIsPrivateKey => then(public_cert),
        Error::CertificateNotRsa { .. } => then("sealing needs the controller's RSA certificate"),
        Error::CertificateExpired { .. } => then("fetch the current one with `seal fetch-cert`"),
        Error::EncryptedPrivateKey { input } => Some(Also(format!(
            "decrypt it first (openssl pkcs8 -in {input} -out key.pem)"
        ))),
        Error::NoPrivateKey { .. } => Some(Then(format!(
            "pass a PEM private key, or key Secrets from `kubectl get secret -n <controller-namespace> -l {KEY_LABEL} -o yaml`"
        ))),
        Error::DaysOutOfRange => Some(Instead("--days must be at least 1".into())),
        Error::BackupVersionUnsupported {
            input,
            version,
            supported,
        } => Some(Instead(format!(
            "{input}: encrypted backup format {version} is not supported (this seal reads v{supported}): use a newer seal"
        ))),
        Error::BackupHeaderDamaged { .. }
        | Error::BackupDamaged { .. }
        | Error::BackupTruncated { .. }
        | Error::BackupLengthMismatch { .. }
        | Error::BackupNotAuthentic { .. } => another_copy(),
        Error::BackupCostTooHigh { .. } => then("it was not made by seal"),
        Error::BackupNeedsPassphrase { .. } => then("give its passphrase (--passphrase-file FILE)"),
        Error::BackupHoldsOther { .. } => Some(Then(format!(
            "a key backup holds only Secrets labelled {KEY_LABEL}"
        ))),
        // Complete as they are: the fix is in the message, or there is none to give.
        Error::InvalidJson { .. }
        | Error::InvalidYaml { .. }
        | Error::DuplicateKey { .. }
        | Error::NotAnObject { .. }
        | Error::MetadataNotAString { .. }
        | Error::MissingKind { .. }
        | Error::NotASealedSecret { .. }
        | Error::SealedSecretMissingName
        | Error::InvalidSecretKey { .. }
        | Error::InvalidName { .. }
        | Error::InvalidNamespace { .. }
        | Error::NothingToMerge
        | Error::DataNotAMap { .. }
        | Error::DataValueNotAString { .. }
        | Error::BadBase64 { .. }
        | Error::StringDataNotAMap { .. }
        | Error::StringDataValueNotAString { .. }
        | Error::SpecNotAMap
        | Error::EncryptedDataNotAMap
        | Error::TemplateNotAMap
        | Error::TemplateDataNotAMap
        | Error::MalformedValue { .. }
        | Error::Decrypt { .. }
        | Error::CertificateNotPem
        | Error::NoCertificateBlock { .. }
        | Error::CertificateNotX509
        | Error::UnusablePublicKey { .. }
        | Error::MalformedRsaPublicKey
        | Error::KeyTooSmall { .. }
        | Error::CertificateKeyMismatch
        | Error::UnusablePrivateKey { .. }
        | Error::MalformedRsaPrivateKey
        | Error::MalformedPrivateKey
        | Error::UnsupportedKeySize { .. }
        | Error::NotAKeyFile { .. }
        | Error::MalformedPem { .. }
        | Error::NotOnePrivateKey { .. }
        | Error::MissingTlsKey { .. }
        | Error::KeySecretBadBase64 { .. }
        | Error::TlsKeyNotOneKey { .. }
        | Error::TlsCrtNotPem { .. }
        | Error::ClockOutOfRange
        | Error::EmptyPassphrase
        | Error::BackupKdfParams { .. }
        | Error::BackupKeyDerivation { .. }
        | Error::NotAnEncryptedBackup { .. }
        | Error::BackupWrongPassphrase { .. }
        | Error::BackupNotText { .. }
        | Error::BackupSecretWithoutName { .. }
        | Error::BackupDuplicateName { .. }
        | Error::BackupEmpty { .. }
        | Error::Within { .. }
        | Error::Crypto(_)
        | Error::SecretDataTooLarge { .. }
        | Error::Template { .. } => None,
        // A variant added to the core after this list: its own message, no advice.
        _ => None,
    }
}

/// A core error as `seal` prints it: what went wrong, then what to do.
pub fn describe(e: &Error) -> String {
    if let Error::Within { input, error } = e {
        return format!("{input}: {}", describe(error));
    }
    match advice(e) {
        None => e.to_string(),
        Some(Then(hint)) => format!("{e}: {hint}"),
        Some(Aside(hint)) => format!("{e} ({hint})"),
        Some(Also(hint)) => format!("{e}; {hint}"),
        Some(Instead(message)) => message,
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        match e {
            Error::Crypto(what) => {
                CliError::Internal(format!("cryptographic operation failed: {what}"))
            }
            other => CliError::Input(describe(&other)),
        }
    }
}

/// Adds the name of the input an error came from.
pub fn context(source: &str) -> impl Fn(Error) -> CliError + '_ {
    move |e| match CliError::from(e) {
        CliError::Input(m) => CliError::Input(format!("{source}: {m}")),
        other => other,
    }
}

/// Result alias for the CLI.
pub type CliResult<T = ()> = Result<T, CliError>;
