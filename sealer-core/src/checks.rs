//! Refusing, as typed errors, the Secret keys, object names and namespaces that break
//! Kubernetes' rules ([`crate::validity`]).

use crate::error::{Error, ObjectKind, Result};
use crate::validity::{is_valid_name, is_valid_namespace, key_problem};

/// Refuses a key Kubernetes does not accept in a Secret's `data`.
pub fn check_secret_key(key: &str) -> Result<()> {
    match key_problem(key) {
        None => Ok(()),
        Some(problem) => Err(Error::InvalidSecretKey {
            key: key.to_owned(),
            problem,
        }),
    }
}

/// Refuses a name Kubernetes does not accept for an object of `kind`.
pub fn check_name(kind: ObjectKind, name: &str) -> Result<()> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(Error::InvalidName {
            kind,
            name: name.to_owned(),
        })
    }
}

/// Refuses a namespace Kubernetes does not accept.
pub fn check_namespace(namespace: &str) -> Result<()> {
    if is_valid_namespace(namespace) {
        Ok(())
    } else {
        Err(Error::InvalidNamespace {
            namespace: namespace.to_owned(),
        })
    }
}
