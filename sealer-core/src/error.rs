//! Errors of the core crate. Messages name the problem and what to do; they never carry a
//! plaintext value or key material.

use thiserror::Error;

/// Result alias for the core crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core. Every message is safe to print: it names
/// fields, files and keys, never values.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is neither YAML nor JSON, or is not shaped like a Kubernetes object.
    #[error("cannot parse input: {0}")]
    Parse(String),
    /// An object is of a kind this operation does not handle.
    #[error("{0}")]
    WrongKind(String),
    /// A required field is missing or malformed; the message says which and how to fix it.
    #[error("{0}")]
    Invalid(String),
    /// A value in `data` is not valid base64.
    #[error(
        "Secret {secret}: data key `{key}` is not valid base64: fix the value or move it to stringData"
    )]
    BadBase64 {
        /// `namespace/name` of the Secret.
        secret: String,
        /// The key whose value is malformed.
        key: String,
    },
    /// The certificate or public key cannot be used for sealing.
    #[error("{0}")]
    Certificate(String),
    /// A private key cannot be loaded.
    #[error("{0}")]
    Key(String),
    /// A sealed value is malformed (truncated, bad base64, bad length prefix).
    #[error("value `{key}` is not a sealed value: {reason}")]
    MalformedValue {
        /// The key of the value in `encryptedData`.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No known private key opens this value under its scope's label. Deliberately says
    /// nothing about why (padding, tag, label, key): that would be an oracle.
    #[error(
        "no key could decrypt value `{key}` (wrong key, wrong name/namespace/scope, or tampered value)"
    )]
    Decrypt {
        /// The key of the value in `encryptedData`.
        key: String,
    },
    /// A key backup cannot be read or written: wrong passphrase, damaged, truncated,
    /// or not a backup. The message names the file and what to do.
    #[error("{0}")]
    Backup(String),
    /// A cryptographic primitive failed for a reason other than bad input.
    #[error("cryptographic operation failed: {0}")]
    Crypto(&'static str),
    /// A `spec.template.data` entry cannot be rendered. The reason names the construct
    /// (function, syntax, argument), never a value.
    #[non_exhaustive]
    #[error("template data key `{key}`: {reason}")]
    Template {
        /// The key of the template in `spec.template.data`.
        key: String,
        /// What is wrong, and what is supported instead.
        reason: String,
    },
}
