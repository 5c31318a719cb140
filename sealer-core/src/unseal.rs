//! Unsealing from already decoded parts: the one place that opens the values of a
//! SealedSecret (including a legacy `spec.data` blob), refuses a partial result and
//! renders `spec.template.data` over the values.
//!
//! The controller calls [`unseal`] with borrows of its typed object, with no JSON in
//! between; the manifest functions of [`crate::seal`] ([`crate::seal::sealed_target`],
//! [`crate::seal::open_all`], [`crate::seal::unsealed_secret`]) decode a JSON object and
//! call the same pieces.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::checks::{check_name, check_namespace, check_secret_key};
use crate::error::{Error, ObjectKind, Result};
use crate::keys::KeyRing;
use crate::manifest;
use crate::scope::{Scope, Target};
use crate::template;
use crate::validity::shown;
use crate::value::SealedValue;
use crate::values::{Values, secret_values};

/// The name failures of a legacy `spec.data` blob are reported under.
const LEGACY_DATA: &str = "spec.data";

/// A SealedSecret as the unseal needs it, borrowed from an already decoded object.
#[derive(Clone, Copy, Debug)]
pub struct Sealed<'a> {
    /// `metadata.name`.
    pub name: &'a str,
    /// `metadata.namespace`, if any.
    pub namespace: Option<&'a str>,
    /// The scope stated by the OUTER annotations (never the template's: CVE-2026-22728).
    pub scope: Scope,
    /// `spec.encryptedData`: sealed value (base64) by key.
    pub encrypted_data: &'a BTreeMap<String, String>,
    /// Legacy `spec.data`: one sealed blob holding a whole Secret as JSON.
    pub legacy_data: Option<&'a str>,
    /// `spec.template.data`: template by key, rendered over the values.
    pub template_data: Option<&'a BTreeMap<String, String>>,
}

/// What [`unseal`] produces.
pub struct Unsealed {
    /// The data of the produced Secret: every opened value, with the rendered templates
    /// laid over them (a template wins over a value of its name). Wiped on drop.
    pub data: Values,
    /// How many values were opened: one per `encryptedData` entry plus the keys a legacy
    /// blob held.
    pub opened: usize,
}

/// The target the values of the SealedSecret `name` are bound to. Refuses a name or
/// namespace Kubernetes does not accept, and a scope that needs a namespace when there
/// is none.
pub fn target(name: &str, namespace: Option<&str>, scope: Scope) -> Result<Target> {
    check_name(ObjectKind::SealedSecret, name)?;
    if let Some(ns) = namespace {
        check_namespace(ns)?;
    }
    if scope.needs_namespace() && namespace.is_none() {
        return Err(Error::SealedSecretMissingNamespace {
            sealed_secret: name.to_owned(),
            scope,
        });
    }
    Ok(Target {
        scope,
        namespace: namespace.unwrap_or_default().to_owned(),
        name: name.to_owned(),
    })
}

/// Opens every value of `sealed` with `keys` and renders its template data over them.
/// Fails with the first value that does not open, or the first template that does not
/// render: never a partial Secret.
pub fn unseal(sealed: &Sealed<'_>, keys: &KeyRing) -> Result<Unsealed> {
    let target = target(sealed.name, sealed.namespace, sealed.scope)?;
    let label = target.label();
    let mut opened = Opened::default();
    for (key, text) in sealed.encrypted_data {
        opened.open(keys, &label, key, text);
    }
    if let Some(blob) = sealed.legacy_data {
        opened.open_legacy(keys, &label, blob);
    }
    let count = opened.values.len() + opened.failures.len();
    let mut data = opened.into_values()?;
    let templates: Vec<(&str, &str)> = (sealed.template_data.into_iter().flatten())
        .map(|(k, t)| (k.as_str(), t.as_str()))
        .collect();
    for (key, _) in &templates {
        check_secret_key(key)?;
    }
    // Bounds the whole Secret (values and templates), not only each template.
    let rendered = template::render_templates(&templates, &data)?;
    // A template wins over a value of its name; the value it replaces is wiped on drop.
    data.extend(rendered);
    Ok(Unsealed {
        data,
        opened: count,
    })
}

/// The outcome of opening every value of a SealedSecret.
#[derive(Default)]
pub struct Opened {
    /// Plaintext by key (wiped on drop).
    pub values: Values,
    /// Index (in the key ring) of the key that opened each value.
    pub opened_with: BTreeMap<String, usize>,
    /// Keys that could not be opened, with the reason (safe to print). A key is shown as
    /// messages show it: escaped and cut, since a key that fails may be any text.
    pub failures: Vec<(String, Error)>,
}

impl Opened {
    /// Opens the value `text` of `encryptedData` key `key` under `label`, recording its
    /// plaintext or why it did not open (a key no Secret can have is a failure too).
    pub fn open(&mut self, keys: &KeyRing, label: &[u8], key: &str, text: &str) {
        let result = check_secret_key(key)
            .and_then(|()| SealedValue::parse(text, key))
            .and_then(|value| keys.open(&value, label, key));
        match result {
            Ok((plain, idx)) => {
                self.values.insert(key.to_owned(), plain);
                self.opened_with.insert(key.to_owned(), idx);
            }
            Err(e) => self.failures.push((shown(key), e)),
        }
    }

    /// Opens a legacy `spec.data` blob under `label`: its values are recorded under their
    /// own keys, after (and never over) those of `encryptedData`.
    pub fn open_legacy(&mut self, keys: &KeyRing, label: &[u8], text: &str) {
        let result = SealedValue::parse(text, LEGACY_DATA)
            .and_then(|value| keys.open(&value, label, LEGACY_DATA))
            .and_then(|(plain, idx)| {
                let mut inner: Value =
                    serde_json::from_slice(&plain).map_err(|_| Error::MalformedValue {
                        key: LEGACY_DATA.into(),
                        reason: "it does not hold a Secret as JSON".into(),
                    })?;
                let values = secret_values(&inner);
                manifest::wipe(&mut inner);
                Ok((values?, idx))
            });
        match result {
            Ok((values, idx)) => {
                for (k, v) in values {
                    self.opened_with.entry(k.clone()).or_insert(idx);
                    self.values.entry(k).or_insert(v);
                }
            }
            Err(e) => self.failures.push((LEGACY_DATA.into(), e)),
        }
    }

    /// The opened values, or the first failure: all values must open.
    pub fn into_values(self) -> Result<Values> {
        match self.failures.into_iter().next() {
            Some((_, e)) => Err(e),
            None => Ok(self.values),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::SealingCert;
    use crate::keys::{generate_key, load_private_keys};
    use crate::seal::{SealOptions, open_all, seal_secret, sealed_target, unsealed_secret};
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde_json::json;

    const NOW: i64 = 1_800_000_000;

    fn typed_parts(sealed: &Value) -> (BTreeMap<String, String>, Option<BTreeMap<String, String>>) {
        let strings = |v: Option<&Value>| -> Option<BTreeMap<String, String>> {
            v.and_then(Value::as_object).map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                    .collect()
            })
        };
        (
            strings(sealed.pointer("/spec/encryptedData")).unwrap_or_default(),
            strings(sealed.pointer("/spec/template/data")),
        )
    }

    #[test]
    fn the_typed_unseal_gives_the_data_the_manifest_unseal_gives() {
        let k = generate_key(2048, 1, NOW).unwrap();
        let cert = SealingCert::from_pem(k.cert_pem.as_bytes(), NOW).unwrap();
        let ring = KeyRing::new(load_private_keys(k.key_pem.as_bytes(), "k").unwrap());
        let secret = json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "prod"},
            "stringData": {"password": "hunter2", "dsn": "overwritten"}
        });
        let mut sealed = seal_secret(&secret, &cert, &SealOptions::default()).unwrap();
        sealed["spec"]["template"]["data"] = json!({"dsn": "pg://{{ .password }}@db"});

        let target = sealed_target(&sealed, None).unwrap();
        let opened = open_all(&sealed, &ring, None).unwrap();
        let manifest = unsealed_secret(&sealed, &target, opened).unwrap();

        let (encrypted, templates) = typed_parts(&sealed);
        let parts = Sealed {
            name: "db",
            namespace: Some("prod"),
            scope: Scope::Strict,
            encrypted_data: &encrypted,
            legacy_data: None,
            template_data: templates.as_ref(),
        };
        let typed = unseal(&parts, &ring).unwrap();
        assert_eq!(typed.opened, 2);
        let typed_data: BTreeMap<String, String> = typed
            .data
            .iter()
            .map(|(k, v)| (k.clone(), STANDARD.encode(v.as_slice())))
            .collect();
        let manifest_data: BTreeMap<String, String> =
            serde_json::from_value(manifest["data"].clone()).unwrap();
        assert_eq!(typed_data, manifest_data);
        assert_eq!(typed.data["dsn"].as_slice(), b"pg://hunter2@db");

        let elsewhere = Sealed {
            namespace: Some("staging"),
            ..parts
        };
        assert!(matches!(
            unseal(&elsewhere, &ring),
            Err(Error::Decrypt { .. })
        ));
    }

    #[test]
    fn a_scope_that_needs_a_namespace_is_refused_without_one() {
        assert!(target("db", None, Scope::Strict).is_err());
        assert!(target("db", None, Scope::NamespaceWide).is_err());
        let t = target("db", None, Scope::ClusterWide).unwrap();
        assert_eq!(t.namespace, "");
    }

    /// The controller's path (the typed unseal) has the same bound for the whole Secret
    /// as `seal unseal`: many templates each under their own limit are refused together.
    #[test]
    fn fail_the_typed_unseal_refuses_templates_that_together_pass_the_secret_limit() {
        let k = generate_key(2048, 1, NOW).unwrap();
        let cert = SealingCert::from_pem(k.cert_pem.as_bytes(), NOW).unwrap();
        let ring = KeyRing::new(load_private_keys(k.key_pem.as_bytes(), "k").unwrap());
        let secret = json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "prod"},
            "stringData": {"password": "hunter2"}
        });
        let sealed = seal_secret(&secret, &cert, &SealOptions::default()).unwrap();
        let (encrypted, _) = typed_parts(&sealed);
        let templates: BTreeMap<String, String> = (0..100)
            .map(|i| (format!("t{i}"), "{{ repeat 524288 \"x\" }}".to_owned()))
            .collect();
        let parts = Sealed {
            name: "db",
            namespace: Some("prod"),
            scope: Scope::Strict,
            encrypted_data: &encrypted,
            legacy_data: None,
            template_data: Some(&templates),
        };
        assert!(matches!(
            unseal(&parts, &ring),
            Err(Error::SecretDataTooLarge { .. })
        ));
    }
}
