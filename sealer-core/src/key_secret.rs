//! Key Secrets: the Kubernetes Secrets that hold the sealing keys, in upstream's shape
//! (type `kubernetes.io/tls`, the PEM private key in `tls.key`, its certificate in
//! `tls.crt`, the label [`KEY_LABEL`]).
//!
//! Everything that writes one (`seal keys new` and `seal keys restore`, the controller
//! making a key) builds it here, and everything that lists or loads them (`seal keys`,
//! the controller's key set) reads it here, so both sides agree on its shape. This crate
//! knows no Kubernetes client types: a Secret to write comes out as its JSON
//! ([`KeySecretJson`]), which the caller turns into its own Secret type, and a Secret to
//! read is lent field by field ([`KeySecretFields`]).

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use crate::backup::{BACKED_UP_AT_ANNOTATION, BackupKey};
use crate::keys::{GeneratedKey, KEY_LABEL, KEY_LABEL_ACTIVE, PrivateKey, key_from_secret_data};
use crate::manifest;

/// Type of a key Secret.
pub const KEY_SECRET_TYPE: &str = "kubernetes.io/tls";
/// The `data` entry holding the PEM private key.
pub const TLS_KEY: &str = "tls.key";
/// The `data` entry holding the PEM certificate.
pub const TLS_CRT: &str = "tls.crt";

/// A key Secret to write, as the JSON of a Kubernetes `v1` Secret (its `data` in base64),
/// for the caller to deserialize into its own Secret type. It holds a private key: the
/// JSON is wiped on drop, and it has no `Debug`.
pub struct KeySecretJson(Value);

impl KeySecretJson {
    /// The Secret's JSON.
    pub fn as_json(&self) -> &Value {
        &self.0
    }
}

impl Drop for KeySecretJson {
    fn drop(&mut self) {
        manifest::wipe(&mut self.0);
    }
}

/// A new sealing key Secret for `key`, labelled active, in `namespace`; the API server
/// names it from `generate_name`.
pub fn new_key_secret(generate_name: &str, namespace: &str, key: &GeneratedKey) -> KeySecretJson {
    KeySecretJson(json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "generateName": generate_name,
            "namespace": namespace,
            "labels": {KEY_LABEL: KEY_LABEL_ACTIVE},
        },
        "type": KEY_SECRET_TYPE,
        "data": {
            TLS_KEY: STANDARD.encode(key.key_pem.as_bytes()),
            TLS_CRT: STANDARD.encode(key.cert_pem.as_bytes()),
        },
    }))
}

/// The key Secret of a backup, as restored into `namespace`: its name, labels,
/// annotations, type and data as the backup holds them (labels and annotations always
/// present, even when empty).
pub fn restored_key_secret(key: &BackupKey, namespace: &str) -> KeySecretJson {
    let data: Map<String, Value> = key
        .data
        .iter()
        .map(|(name, bytes)| (name.clone(), Value::String(STANDARD.encode(bytes))))
        .collect();
    KeySecretJson(json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": key.name,
            "namespace": namespace,
            "labels": key.labels,
            "annotations": key.annotations,
        },
        "type": key.type_,
        "data": data,
    }))
}

/// Whether a Secret with these labels holds a key in use (its [`KEY_LABEL`] is
/// [`KEY_LABEL_ACTIVE`]); any other value retires the key.
pub fn is_active(labels: Option<&BTreeMap<String, String>>) -> bool {
    labels.and_then(|l| l.get(KEY_LABEL)).map(String::as_str) == Some(KEY_LABEL_ACTIVE)
}

/// The fields of a key Secret that are read, lent from the caller's own Secret type.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeySecretFields<'a> {
    /// `metadata.name` (empty when it has none).
    pub name: &'a str,
    /// `metadata.labels`.
    pub labels: Option<&'a BTreeMap<String, String>>,
    /// `metadata.annotations`.
    pub annotations: Option<&'a BTreeMap<String, String>>,
    /// `metadata.creationTimestamp`, in Unix seconds.
    pub created: Option<i64>,
    /// `data["tls.key"]` ([`TLS_KEY`]), decoded.
    pub tls_key: Option<&'a [u8]>,
    /// `data["tls.crt"]` ([`TLS_CRT`]), decoded.
    pub tls_crt: Option<&'a [u8]>,
}

#[cfg(feature = "k8s-openapi")]
impl<'a> From<&'a k8s_openapi::api::core::v1::Secret> for KeySecretFields<'a> {
    fn from(secret: &'a k8s_openapi::api::core::v1::Secret) -> Self {
        let entry = |name: &str| {
            secret
                .data
                .as_ref()
                .and_then(|d| d.get(name))
                .map(|b| b.0.as_slice())
        };
        Self {
            name: secret.metadata.name.as_deref().unwrap_or_default(),
            labels: secret.metadata.labels.as_ref(),
            annotations: secret.metadata.annotations.as_ref(),
            created: secret
                .metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.as_second()),
            tls_key: entry(TLS_KEY),
            tls_crt: entry(TLS_CRT),
        }
    }
}

/// Why a key Secret holds no usable key. The messages name the Secret, never key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeySecretError {
    /// The Secret has no `tls.key` entry.
    #[error("Secret `{name}` has no tls.key")]
    NoTlsKey {
        /// The Secret's name.
        name: String,
    },
    /// `tls.key` does not load, or `tls.crt` does not belong to it.
    #[error(transparent)]
    Key(#[from] crate::Error),
}

/// A key Secret as read: its key, or why it has none, and what orders and describes it.
pub struct LoadedKeySecret {
    /// The Secret's name.
    pub name: String,
    /// The key, checked against its certificate.
    pub key: Result<PrivateKey, KeySecretError>,
    /// Whether it is labelled active ([`is_active`]).
    pub active: bool,
    /// When the Secret was created (Unix seconds).
    pub created: Option<i64>,
    /// The NotBefore of the key's certificate, when the key loaded and has one.
    pub not_before: Option<i64>,
    /// The time the key counts from ([`crate::keys::ordering_time`]).
    pub ordering_time: i64,
    /// When a backup last took this key ([`BACKED_UP_AT_ANNOTATION`]), if ever.
    pub backed_up_at: Option<String>,
}

impl KeySecretFields<'_> {
    /// Loads the key and reads what describes it.
    pub fn read(&self) -> LoadedKeySecret {
        let key = match self.tls_key {
            None => Err(KeySecretError::NoTlsKey {
                name: self.name.to_owned(),
            }),
            Some(tls_key) => {
                key_from_secret_data(self.name, tls_key, self.tls_crt).map_err(KeySecretError::from)
            }
        };
        let not_before = key.as_ref().ok().and_then(PrivateKey::cert_not_before);
        LoadedKeySecret {
            name: self.name.to_owned(),
            active: is_active(self.labels),
            created: self.created,
            not_before,
            ordering_time: crate::keys::ordering_time(not_before, self.created),
            backed_up_at: self
                .annotations
                .and_then(|a| a.get(BACKED_UP_AT_ANNOTATION))
                .cloned(),
            key,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::generate_key;

    #[test]
    fn a_new_key_secret_is_an_active_tls_secret_named_by_the_server() {
        let g = generate_key(2048, 1, 1_800_000_000).unwrap();
        let secret = new_key_secret("sealed-secrets-key", "kube-system", &g);
        assert_eq!(
            secret.as_json(),
            &json!({
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {
                    "generateName": "sealed-secrets-key",
                    "namespace": "kube-system",
                    "labels": {"sealedsecrets.bitnami.com/sealed-secrets-key": "active"},
                },
                "type": "kubernetes.io/tls",
                "data": {
                    "tls.key": STANDARD.encode(g.key_pem.as_bytes()),
                    "tls.crt": STANDARD.encode(g.cert_pem.as_bytes()),
                },
            })
        );
    }

    #[test]
    fn a_key_secret_reads_back_its_key_state_and_backup() {
        let g = generate_key(2048, 1, 1_800_000_000).unwrap();
        let labels = [(KEY_LABEL.to_owned(), "compromised".to_owned())].into();
        let annotations = [(BACKED_UP_AT_ANNOTATION.to_owned(), "then".to_owned())].into();
        let read = KeySecretFields {
            name: "k",
            labels: Some(&labels),
            annotations: Some(&annotations),
            created: Some(5),
            tls_key: Some(g.key_pem.as_bytes()),
            tls_crt: Some(g.cert_pem.as_bytes()),
        }
        .read();
        assert_eq!(read.name, "k");
        assert_eq!(
            read.key.unwrap().fingerprint(),
            g.key.fingerprint(),
            "the key"
        );
        assert!(!read.active, "retired");
        assert_eq!(read.not_before, Some(1_800_000_000));
        assert_eq!(read.ordering_time, 1_800_000_000, "NotBefore first");
        assert_eq!(read.backed_up_at.as_deref(), Some("then"));
    }

    #[test]
    fn fail_a_key_secret_without_tls_key_or_with_a_bad_one_says_why_without_key_bytes() {
        let active = [(KEY_LABEL.to_owned(), KEY_LABEL_ACTIVE.to_owned())].into();
        let read = KeySecretFields {
            name: "empty",
            labels: Some(&active),
            created: Some(7),
            ..KeySecretFields::default()
        }
        .read();
        assert!(read.active);
        assert_eq!(read.ordering_time, 7, "no certificate: the creation time");
        let e = read.key.err().unwrap();
        assert!(matches!(e, KeySecretError::NoTlsKey { .. }));
        assert_eq!(e.to_string(), "Secret `empty` has no tls.key");
        let read = KeySecretFields {
            name: "bad",
            tls_key: Some(
                b"-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
            ),
            ..KeySecretFields::default()
        }
        .read();
        let e = read.key.err().unwrap().to_string();
        assert!(e.starts_with("Secret `bad`"), "{e}");
        assert!(!e.contains("AAAA"), "{e}");
    }
}
