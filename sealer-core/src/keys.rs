//! Private keys: loading (PEM, key Secrets, `List`s of them), generation in the
//! controller's format, and the key ring that tries every known key.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::cert::SealingCert;
use crate::checks::check_name;
use crate::error::{Error, ObjectKind, Result};
use crate::manifest::{self, Documents};
use crate::rsa_backend::{RsaPrivate, RsaPublic};
use crate::value::SealedValue;

/// Label that marks a Secret as a sealing key (value `active`; any other value retires it).
pub const KEY_LABEL: &str = "sealedsecrets.bitnami.com/sealed-secrets-key";
/// Value of [`KEY_LABEL`] on keys in use.
pub const KEY_LABEL_ACTIVE: &str = "active";
/// generateName prefix of key Secrets.
pub const KEY_NAME_PREFIX: &str = "sealed-secrets-key";

/// One private key, with what is known about where it came from.
pub struct PrivateKey {
    rsa: RsaPrivate,
    /// The certificate PEM stored beside the key (`tls.crt`), if any.
    cert_pem: Option<String>,
    cert_not_before: Option<i64>,
    cert_not_after: Option<i64>,
    /// Name of the key Secret, when loaded from one.
    name: Option<String>,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey")
            .field("name", &self.name)
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    fn new(rsa: RsaPrivate) -> Self {
        Self {
            rsa,
            cert_pem: None,
            cert_not_before: None,
            cert_not_after: None,
            name: None,
        }
    }

    /// SHA-256 of the public key (same as [`SealingCert::fingerprint`] of its certificate).
    pub fn fingerprint(&self) -> String {
        self.rsa.public().fingerprint()
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        self.rsa.public().bits()
    }

    /// Name of the key Secret this key came from, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The certificate PEM stored with the key, if any.
    pub fn cert_pem(&self) -> Option<&str> {
        self.cert_pem.as_deref()
    }

    /// Start of validity of the stored certificate, if any (Unix seconds).
    pub fn cert_not_before(&self) -> Option<i64> {
        self.cert_not_before
    }

    /// A sealing certificate for this key's public half.
    pub fn sealing_cert(&self) -> Result<SealingCert> {
        let public = RsaPublic::from_spki_der(self.rsa.public().spki_der())?;
        Ok(SealingCert::from_parts(
            public,
            self.cert_not_before,
            self.cert_not_after,
        ))
    }

    /// HMAC-SHA256 of `message` under a secret derived from this private key. Only a
    /// holder of the key can make or check such a tag.
    pub fn authenticate(&self, message: &[u8]) -> [u8; 32] {
        let key =
            aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, self.rsa.derived_secret());
        let tag = aws_lc_rs::hmac::sign(&key, message);
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }

    /// Constant-time check of a tag made by [`PrivateKey::authenticate`].
    pub fn verify_tag(&self, message: &[u8], tag: &[u8]) -> bool {
        let key =
            aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, self.rsa.derived_secret());
        aws_lc_rs::hmac::verify(&key, message, tag).is_ok()
    }

    /// Opens one sealed value with this key, `None` on any failure.
    pub fn open(&self, value: &SealedValue, label: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        value.open(&self.rsa, label)
    }

    fn attach_cert(&mut self, cert_pem: &str) -> Result<()> {
        // An unparsable or mismatched certificate is an error: a key Secret whose
        // certificate belongs to another key would seal values nobody can open.
        let cert = SealingCert::from_pem(cert_pem.as_bytes(), i64::MIN)?;
        if cert.fingerprint() != self.fingerprint() {
            return Err(Error::CertificateKeyMismatch);
        }
        self.cert_not_before = cert.not_before();
        self.cert_not_after = cert.not_after();
        self.cert_pem = Some(cert_pem.to_owned());
        Ok(())
    }
}

/// Every private key known for an operation; values are tried against each.
#[derive(Debug, Default)]
pub struct KeyRing {
    keys: Vec<PrivateKey>,
}

impl KeyRing {
    /// A ring of `keys`, tried in the given order.
    pub fn new(keys: Vec<PrivateKey>) -> Self {
        Self { keys }
    }

    /// Adds keys, skipping any whose fingerprint is already present.
    pub fn extend(&mut self, keys: impl IntoIterator<Item = PrivateKey>) {
        for key in keys {
            if !self
                .keys
                .iter()
                .any(|k| k.fingerprint() == key.fingerprint())
            {
                self.keys.push(key);
            }
        }
    }

    /// The keys, in trial order.
    pub fn keys(&self) -> &[PrivateKey] {
        &self.keys
    }

    /// Whether the ring is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Opens `value` with the first key that can, returning the plaintext and the index of
    /// that key. `name` names the value in the error.
    pub fn open(
        &self,
        value: &SealedValue,
        label: &[u8],
        name: &str,
    ) -> Result<(Zeroizing<Vec<u8>>, usize)> {
        let block = value.rsa_block_len();
        self.keys
            .iter()
            .enumerate()
            // A key whose modulus size differs from the RSA block cannot have sealed it;
            // skipping it saves a private-key operation.
            .filter(|(_, k)| k.bits() / 8 == block)
            .find_map(|(i, k)| k.open(value, label).map(|p| (p, i)))
            .ok_or_else(|| Error::Decrypt {
                key: name.to_owned(),
            })
    }
}

/// Loads every private key in `input`: PEM blocks (`RSA PRIVATE KEY`, `PRIVATE KEY`), or
/// key Secrets as YAML/JSON (single, stream or `List`, as printed by
/// `kubectl get secret -l sealedsecrets.bitnami.com/sealed-secrets-key -o yaml`).
/// `source` names the input in messages.
pub fn load_private_keys(input: &[u8], source: &str) -> Result<Vec<PrivateKey>> {
    let keys = if looks_like_pem(input) {
        keys_from_pem(input, source)?
    } else {
        let text = std::str::from_utf8(input).map_err(|_| Error::NotAKeyFile {
            input: source.to_owned(),
        })?;
        let docs = manifest::parse_documents(text).map_err(|e| e.within(source))?;
        keys_from_documents(&docs, source)?
    };
    if keys.is_empty() {
        return Err(Error::NoPrivateKey {
            input: source.to_owned(),
        });
    }
    Ok(keys)
}

fn looks_like_pem(input: &[u8]) -> bool {
    input.windows(11).any(|w| w == b"-----BEGIN ")
}

fn keys_from_pem(input: &[u8], source: &str) -> Result<Vec<PrivateKey>> {
    let blocks = pem::parse_many(input).map_err(|_| Error::MalformedPem {
        input: source.to_owned(),
    })?;
    let mut keys = Vec::new();
    let mut certs = Vec::new();
    for block in blocks {
        let tag = block.tag().to_owned();
        let der = Zeroizing::new(block.into_contents());
        match tag.as_str() {
            "RSA PRIVATE KEY" => keys.push(PrivateKey::new(
                RsaPrivate::from_pkcs1_der(&der).map_err(|e| e.within(source))?,
            )),
            "PRIVATE KEY" => keys.push(PrivateKey::new(
                RsaPrivate::from_pkcs8_der(&der).map_err(|e| e.within(source))?,
            )),
            "ENCRYPTED PRIVATE KEY" => {
                return Err(Error::EncryptedPrivateKey {
                    input: source.to_owned(),
                });
            }
            "CERTIFICATE" => certs.push(pem::encode(&pem::Pem::new(tag, der.to_vec()))),
            _ => {}
        }
    }
    // A certificate in the same file is attached to the key it belongs to.
    for cert in certs {
        for key in &mut keys {
            if key.cert_pem.is_none() && key.attach_cert(&cert).is_ok() {
                break;
            }
        }
    }
    Ok(keys)
}

/// Keys from parsed key Secrets. A Secret without `tls.key` is an error naming it.
pub fn keys_from_documents(docs: &Documents, source: &str) -> Result<Vec<PrivateKey>> {
    let mut keys = Vec::new();
    for doc in docs.iter() {
        if manifest::kind(doc) != Some("Secret") {
            continue;
        }
        let name = match manifest::meta_str(doc, "name") {
            Some(name) => {
                check_name(ObjectKind::Secret, name).map_err(|e| e.within(source))?;
                name.to_owned()
            }
            None => "<unnamed>".to_owned(),
        };
        let data = doc.get("data").and_then(Value::as_object);
        let Some(key_b64) = data.and_then(|d| d.get("tls.key")).and_then(Value::as_str) else {
            return Err(Error::MissingTlsKey {
                input: source.to_owned(),
                secret: name,
            });
        };
        let bad_base64 = |field: &str| Error::KeySecretBadBase64 {
            input: source.to_owned(),
            secret: name.clone(),
            field: field.to_owned(),
        };
        let key_pem = decode_b64(key_b64).ok_or_else(|| bad_base64("tls.key"))?;
        let crt = match data.and_then(|d| d.get("tls.crt")).and_then(Value::as_str) {
            Some(crt) => Some(decode_b64(crt).ok_or_else(|| bad_base64("tls.crt"))?),
            None => None,
        };
        let key = key_from_secret_data(&name, &key_pem, crt.as_deref().map(Vec::as_slice))
            .map_err(|e| e.within(source))?;
        keys.push(key);
    }
    Ok(keys)
}

/// One key from the (decoded) `tls.key` and `tls.crt` of a key Secret named `name`.
/// The certificate, when given, must belong to the key.
pub fn key_from_secret_data(
    name: &str,
    tls_key: &[u8],
    tls_crt: Option<&[u8]>,
) -> Result<PrivateKey> {
    let mut found = keys_from_pem(tls_key, &format!("Secret `{name}`: tls.key"))?;
    if found.len() != 1 {
        return Err(Error::TlsKeyNotOneKey {
            secret: name.to_owned(),
        });
    }
    let mut key = found.remove(0);
    key.name = Some(name.to_owned());
    if let Some(crt) = tls_crt {
        let crt = std::str::from_utf8(crt).map_err(|_| Error::TlsCrtNotPem {
            secret: name.to_owned(),
        })?;
        key.attach_cert(crt)
            .map_err(|e| e.within(format!("Secret `{name}`: tls.crt")))?;
    }
    Ok(key)
}

fn decode_b64(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let compact: Zeroizing<String> =
        Zeroizing::new(text.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    STANDARD.decode(compact.as_bytes()).ok().map(Zeroizing::new)
}

/// A freshly generated key pair in the controller's format.
pub struct GeneratedKey {
    /// The key, ready to use.
    pub key: PrivateKey,
    /// PKCS#1 PEM of the private key (`tls.key`). Wiped on drop.
    pub key_pem: Zeroizing<String>,
    /// PEM of the self-signed certificate (`tls.crt`).
    pub cert_pem: String,
}

/// Generates an RSA key of `bits` bits and a self-signed certificate shaped like the
/// upstream controller's: empty subject, CA:TRUE, critical KeyUsage of encipherOnly only,
/// valid from `now` for `days` days.
pub fn generate_key(bits: usize, days: u32, now: i64) -> Result<GeneratedKey> {
    if days == 0 {
        return Err(Error::DaysOutOfRange);
    }
    certify(RsaPrivate::generate(bits)?, days, now)
}

/// A key brought by the user (`key_pem`: exactly one PEM private key, PKCS#1 or PKCS#8)
/// in the controller's format: `tls.key` as PKCS#1 PEM, and `cert_pem` as its
/// certificate when given (it must belong to the key), else a fresh self-signed
/// certificate valid from `now` for `days` days. `source` names the key in messages.
pub fn import_key(
    key_pem: &[u8],
    cert_pem: Option<&str>,
    days: u32,
    now: i64,
    source: &str,
) -> Result<GeneratedKey> {
    let blocks = pem::parse_many(key_pem).map_err(|_| Error::MalformedPem {
        input: source.to_owned(),
    })?;
    let mut found = Vec::new();
    for block in blocks {
        let pkcs1 = match block.tag() {
            "RSA PRIVATE KEY" => true,
            "PRIVATE KEY" => false,
            "ENCRYPTED PRIVATE KEY" => {
                return Err(Error::EncryptedPrivateKey {
                    input: source.to_owned(),
                });
            }
            _ => continue,
        };
        let der = Zeroizing::new(block.into_contents());
        found.push(RsaPrivate::import(&der, pkcs1).map_err(|e| e.within(source))?);
    }
    if found.len() != 1 {
        return Err(Error::NotOnePrivateKey {
            input: source.to_owned(),
            found: found.len(),
        });
    }
    let imported = found.remove(0);
    match cert_pem {
        None => {
            if days == 0 {
                return Err(Error::DaysOutOfRange);
            }
            certify(imported, days, now)
        }
        Some(cert) => {
            let mut key = PrivateKey::new(imported.key);
            key.attach_cert(cert)?;
            Ok(GeneratedKey {
                key,
                key_pem: imported.pkcs1_pem,
                cert_pem: cert.to_owned(),
            })
        }
    }
}

fn certify(
    generated: crate::rsa_backend::GeneratedRsa,
    days: u32,
    now: i64,
) -> Result<GeneratedKey> {
    let signing = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
        &rustls_pki_types::PrivatePkcs8KeyDer::from(generated.pkcs8_der.as_slice()),
        &rcgen::PKCS_RSA_SHA256,
    )
    .map_err(|_| Error::Crypto("loading the key to sign its certificate"))?;
    let start =
        time::OffsetDateTime::from_unix_timestamp(now).map_err(|_| Error::ClockOutOfRange)?;
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![rcgen::KeyUsagePurpose::EncipherOnly];
    params.not_before = start;
    params.not_after = start + time::Duration::days(i64::from(days));
    let mut serial = [0u8; 16];
    rand::fill(&mut serial[..]);
    serial[0] &= 0x7f; // keep the serial positive
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
    let cert = params
        .self_signed(&signing)
        .map_err(|_| Error::Crypto("signing the certificate"))?;
    let cert_pem = cert.pem();
    let mut key = PrivateKey::new(generated.key);
    key.attach_cert(&cert_pem)?;
    Ok(GeneratedKey {
        key,
        key_pem: generated.pkcs1_pem,
        cert_pem,
    })
}

/// The time a key counts from when choosing the one that seals: its certificate's
/// NotBefore, else its Secret's creation time, else 0 (Unix seconds). The controller,
/// `seal keys list` and `seal keys new` all use this rule.
pub fn ordering_time(cert_not_before: Option<i64>, created: Option<i64>) -> i64 {
    cert_not_before.or(created).unwrap_or(0)
}

/// Newest-first order of keys given as `(ordering time, Secret name)`: the first in this
/// order seals new values. The name breaks ties so the order is stable.
pub fn newest_first(a: (i64, &str), b: (i64, &str)) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_certificate_wins_and_names_break_ties() {
        let mut keys = [(10, "b"), (30, "z"), (30, "a"), (20, "c")];
        keys.sort_by(|x, y| newest_first(*x, *y));
        assert_eq!(keys, [(30, "a"), (30, "z"), (20, "c"), (10, "b")]);
        assert_eq!(ordering_time(Some(5), Some(9)), 5);
        assert_eq!(ordering_time(None, Some(9)), 9);
        assert_eq!(ordering_time(None, None), 0);
    }

    #[test]
    fn an_imported_key_gets_a_fresh_certificate_or_keeps_its_own() {
        let generated = generate_key(2048, 1, 1_700_000_000).unwrap();
        let fresh = import_key(
            generated.key_pem.as_bytes(),
            None,
            10,
            1_800_000_000,
            "k.pem",
        )
        .unwrap();
        assert_eq!(fresh.key.fingerprint(), generated.key.fingerprint());
        assert_eq!(fresh.key.cert_not_before(), Some(1_800_000_000));
        let kept = import_key(
            generated.key_pem.as_bytes(),
            Some(&generated.cert_pem),
            10,
            1_800_000_000,
            "k.pem",
        )
        .unwrap();
        assert_eq!(kept.key.cert_not_before(), Some(1_700_000_000));
        let other = generate_key(2048, 1, 1_700_000_000).unwrap();
        let err = import_key(
            generated.key_pem.as_bytes(),
            Some(&other.cert_pem),
            10,
            1_800_000_000,
            "k.pem",
        )
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("different key"), "{err}");
        let err = import_key(b"nothing", None, 10, 0, "k.pem")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("exactly one"), "{err}");
    }
}
