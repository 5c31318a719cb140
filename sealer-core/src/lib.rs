//! The pure core of sealer: the Bitnami Sealed Secrets value format, scopes and their
//! OAEP labels, certificates and keys, and the Secret / SealedSecret manifests.
//!
//! Nothing here does I/O, talks to a cluster or prints: the `seal` CLI and the controller
//! call into this crate. Plaintext values and private keys live in zeroizing buffers and
//! never appear in an error message.

#![warn(missing_docs)]

pub mod backup;
pub mod cert;
pub mod checks;
pub mod digest;
pub mod error;
pub mod key_secret;
pub mod keys;
pub mod manifest;
mod reader;
mod rsa_backend;
pub mod scope;
pub mod seal;
pub mod template;
pub mod unseal;
pub mod validity;
pub mod value;
pub mod values;

pub use cert::SealingCert;
pub use error::{Error, Result};
pub use keys::{KeyRing, PrivateKey};
pub use scope::Scope;
pub use value::SealedValue;
