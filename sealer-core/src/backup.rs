//! Key backups, in two forms.
//!
//! - **Plain**: a `kind: List` of the key Secrets, cleaned of server fields, that
//!   `kubectl apply -f` restores (upstream's backup format, without the fields that stop
//!   it from applying).
//! - **Encrypted**: that same text, encrypted under a passphrase. The file is ASCII:
//!
//!   ```text
//!   SEALER-ENCRYPTED-KEY-BACKUP v1
//!   kdf: argon2id m=65536 t=3 p=1 salt=<base64, 16 bytes>
//!   cipher: aes-256-gcm nonce=<base64, 12 bytes> length=<ciphertext bytes, tag included>
//!   check: <base64, 16 bytes>
//!
//!   <base64 of the ciphertext, 64 characters a line>
//!   ```
//!
//!   Argon2id (version 0x13; memory `m` KiB, `t` passes, `p` lanes) derives 48 bytes from
//!   the passphrase and salt: the first 32 are the AES-256-GCM key, the last 16 are the
//!   `check` value, so a wrong passphrase is told apart from a damaged file without
//!   trying to decrypt. Every header byte, up to and including the blank line, is the
//!   GCM associated data: changing a parameter, the salt, the nonce or the length makes
//!   the file fail to open.
//!
//! Nothing here does I/O. Plaintext (the key Secrets) lives in zeroizing buffers.

use std::collections::BTreeMap;

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

use crate::checks::check_name;
use crate::error::{Error, ObjectKind, Result};
use crate::keys::{PrivateKey, key_from_secret_data};
use crate::manifest::{self, Format};

/// Annotation stamped on key Secrets (and on the items of the backup itself) with the
/// RFC 3339 time of the last backup that holds them.
pub const BACKED_UP_AT_ANNOTATION: &str = "sealer.dev/backed-up-at";

/// First line of an encrypted backup (followed by ` v<version>`).
pub const ENCRYPTED_MAGIC: &str = "SEALER-ENCRYPTED-KEY-BACKUP";

/// Version of the encrypted format written by this crate.
pub const ENCRYPTED_VERSION: u32 = 1;

const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 12;
const CHECK_LEN: usize = 16;
const AES_KEY_LEN: usize = 32;
const TAG_LEN: usize = 16;
const BODY_LINE: usize = 64;

/// Largest Argon2 memory accepted, in KiB (256 MiB: four times what [`KdfParams::default`]
/// asks for). A header is read before the passphrase can be checked, so its costs are
/// paid by whoever opens the file: a crafted 10 KB backup asking for 4 GiB and 64 passes
/// would cost that much memory and minutes of CPU. Only a small range around the
/// parameters `encrypt` is given by the CLI is accepted, and it is checked before any
/// key derivation (and by `encrypt` too, so nothing is written that cannot be read).
pub const MAX_M_COST_KIB: u32 = 256 * 1024;
/// Most Argon2 passes accepted (the default uses 3).
pub const MAX_T_COST: u32 = 10;
/// Most Argon2 lanes accepted (the default uses 1).
pub const MAX_P_COST: u32 = 4;

/// Metadata fields kept in a plain backup; everything else (uid, resourceVersion,
/// creationTimestamp, managedFields, ownerReferences, generateName...) is the server's.
const KEPT_METADATA: [&str; 4] = ["name", "namespace", "labels", "annotations"];

/// Annotation that `kubectl apply` leaves behind: it holds a whole copy of the object.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl Default for KdfParams {
    /// 64 MiB, 3 passes, 1 lane: RFC 9106's second recommended setting, with one lane
    /// because the derivation runs once per backup or restore.
    fn default() -> Self {
        Self {
            m_cost_kib: 64 * 1024,
            t_cost: 3,
            p_cost: 1,
        }
    }
}

/// Whether `input` is an encrypted backup (starts with [`ENCRYPTED_MAGIC`]).
pub fn is_encrypted(input: &[u8]) -> bool {
    input.starts_with(ENCRYPTED_MAGIC.as_bytes())
}

/// One key Secret as it goes into a plain backup: `secret` (a Secret object as JSON)
/// cleaned of server fields and of `kubectl.kubernetes.io/last-applied-configuration`,
/// with [`BACKED_UP_AT_ANNOTATION`] set to `backed_up_at`.
pub fn backup_item(secret: &Value, backed_up_at: &str) -> Value {
    let mut metadata = Map::new();
    if let Some(meta) = secret.get("metadata").and_then(Value::as_object) {
        for field in KEPT_METADATA {
            if let Some(v) = meta.get(field).filter(|v| !v.is_null()) {
                metadata.insert(field.to_owned(), v.clone());
            }
        }
    }
    let annotations = metadata
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(map) = annotations.as_object_mut() {
        if let Some(mut last) = map.remove(LAST_APPLIED) {
            manifest::wipe(&mut last);
        }
        map.insert(BACKED_UP_AT_ANNOTATION.to_owned(), json!(backed_up_at));
    }
    let mut item = Map::new();
    item.insert("apiVersion".into(), json!("v1"));
    item.insert("kind".into(), json!("Secret"));
    item.insert("metadata".into(), Value::Object(metadata));
    item.insert(
        "type".into(),
        secret
            .get("type")
            .filter(|t| t.is_string())
            .cloned()
            .unwrap_or_else(|| json!("kubernetes.io/tls")),
    );
    if let Some(data) = secret.get("data").filter(|d| d.is_object()) {
        item.insert("data".into(), data.clone());
    }
    Value::Object(item)
}

/// The plain backup: a YAML `kind: List` of `items` (from [`backup_item`]). The items
/// are wiped once rendered.
pub fn render_plain(items: Vec<Value>) -> Result<Zeroizing<String>> {
    let mut list = json!({"apiVersion": "v1", "kind": "List", "items": items});
    let rendered = manifest::render(std::slice::from_ref(&list), Format::Yaml).map(Zeroizing::new);
    manifest::wipe(&mut list);
    rendered
}

fn derive(
    passphrase: &[u8],
    salt: &[u8],
    params: KdfParams,
) -> Result<Zeroizing<[u8; AES_KEY_LEN + CHECK_LEN]>> {
    if passphrase.is_empty() {
        return Err(Error::EmptyPassphrase);
    }
    let argon_params = argon2::Params::new(
        params.m_cost_kib,
        params.t_cost,
        params.p_cost,
        Some(AES_KEY_LEN + CHECK_LEN),
    )
    .map_err(|e| Error::BackupKdfParams {
        reason: e.to_string(),
    })?;
    let argon = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon_params,
    );
    let mut out = Zeroizing::new([0u8; AES_KEY_LEN + CHECK_LEN]);
    argon
        .hash_password_into(passphrase, salt, &mut out[..])
        .map_err(|e| Error::BackupKeyDerivation {
            reason: e.to_string(),
        })?;
    Ok(out)
}

fn header(params: KdfParams, salt: &[u8], nonce: &[u8], length: usize, check: &[u8]) -> String {
    format!(
        "{ENCRYPTED_MAGIC} v{ENCRYPTED_VERSION}\n\
         kdf: argon2id m={} t={} p={} salt={}\n\
         cipher: aes-256-gcm nonce={} length={length}\n\
         check: {}\n\n",
        params.m_cost_kib,
        params.t_cost,
        params.p_cost,
        STANDARD.encode(salt),
        STANDARD.encode(nonce),
        STANDARD.encode(check),
    )
}

/// Refuses Argon2 costs beyond [`MAX_M_COST_KIB`], [`MAX_T_COST`] and [`MAX_P_COST`].
fn check_costs(params: KdfParams, source: &str) -> Result<()> {
    if params.m_cost_kib > MAX_M_COST_KIB
        || params.t_cost > MAX_T_COST
        || params.p_cost > MAX_P_COST
    {
        return Err(Error::BackupCostTooHigh {
            input: source.to_owned(),
            m_cost_kib: params.m_cost_kib,
            t_cost: params.t_cost,
            p_cost: params.p_cost,
            max_m_cost_kib: MAX_M_COST_KIB,
            max_t_cost: MAX_T_COST,
            max_p_cost: MAX_P_COST,
        });
    }
    Ok(())
}

/// Encrypts `plaintext` (a plain backup) under `passphrase` into the encrypted form.
/// Costs beyond what [`decrypt`] accepts are refused.
pub fn encrypt(plaintext: &[u8], passphrase: &[u8], params: KdfParams) -> Result<String> {
    check_costs(params, "the backup")?;
    let mut salt = [0u8; SALT_LEN];
    rand::fill(&mut salt[..]);
    let mut nonce = [0u8; NONCE_LEN];
    rand::fill(&mut nonce[..]);
    let derived = derive(passphrase, &salt, params)?;
    let (key, check) = derived.split_at(AES_KEY_LEN);
    let head = header(params, &salt, &nonce, plaintext.len() + TAG_LEN, check);
    let cipher =
        Aes256Gcm::new_from_slice(key).map_err(|_| Error::Crypto("AES-256-GCM key setup"))?;
    let mut buffer = Zeroizing::new(Vec::with_capacity(plaintext.len() + TAG_LEN));
    buffer.extend_from_slice(plaintext);
    cipher
        .encrypt_in_place(&Nonce::from(nonce), head.as_bytes(), &mut *buffer)
        .map_err(|_| Error::Crypto("AES-256-GCM encryption"))?;
    let body = STANDARD.encode(&buffer[..]);
    let mut out = head;
    for line in body.as_bytes().chunks(BODY_LINE) {
        // Base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    Ok(out)
}

/// A parsed header line `<prefix> k=v k=v ...`, every key required exactly once.
fn fields<'a>(
    line: Option<&'a str>,
    prefix: &str,
    keys: &[&str],
    source: &str,
) -> Result<Vec<&'a str>> {
    let bad = || Error::BackupHeaderDamaged {
        input: source.to_owned(),
        detail: format!("expected a `{prefix}` line"),
    };
    let rest = line.and_then(|l| l.strip_prefix(prefix)).ok_or_else(bad)?;
    let parts: Vec<&str> = rest.split(' ').collect();
    if parts.len() != keys.len() {
        return Err(bad());
    }
    parts
        .iter()
        .zip(keys)
        .map(|(part, key)| {
            part.strip_prefix(key)
                .and_then(|p| p.strip_prefix('='))
                .ok_or_else(bad)
        })
        .collect()
}

fn number(text: &str, source: &str) -> Result<u32> {
    text.parse().map_err(|_| Error::BackupHeaderDamaged {
        input: source.to_owned(),
        detail: "a number is malformed".into(),
    })
}

fn fixed_b64<const N: usize>(text: &str, what: &str, source: &str) -> Result<[u8; N]> {
    STANDARD
        .decode(text)
        .ok()
        .and_then(|v| <[u8; N]>::try_from(v.as_slice()).ok())
        .ok_or_else(|| Error::BackupHeaderDamaged {
            input: source.to_owned(),
            detail: format!("bad {what}"),
        })
}

/// Decrypts an encrypted backup with `passphrase`; returns the plain backup it holds.
/// `source` names the file in messages. Wrong passphrase, truncation and tampering each
/// get their own message; none carries key material.
pub fn decrypt(input: &[u8], passphrase: &[u8], source: &str) -> Result<Zeroizing<Vec<u8>>> {
    let text = std::str::from_utf8(input).map_err(|_| Error::BackupDamaged {
        input: source.to_owned(),
        detail: "it is not ASCII text",
    })?;
    let Some(split) = text.find("\n\n") else {
        return Err(Error::BackupTruncated {
            input: source.to_owned(),
            detail: "its header is incomplete".into(),
        });
    };
    let (head, body) = text.split_at(split + 2);
    let mut lines = head.lines();
    let magic = lines.next().unwrap_or_default();
    let version = magic
        .strip_prefix(ENCRYPTED_MAGIC)
        .and_then(|v| v.strip_prefix(" v"))
        .ok_or_else(|| Error::NotAnEncryptedBackup {
            input: source.to_owned(),
        })?;
    if version != ENCRYPTED_VERSION.to_string() {
        return Err(Error::BackupVersionUnsupported {
            input: source.to_owned(),
            // Only a number is shown: the rest of a damaged line is the file's content.
            version: if !version.is_empty()
                && version.len() <= 9
                && version.bytes().all(|b| b.is_ascii_digit())
            {
                format!("v{version}")
            } else {
                "of an unknown version".to_owned()
            },
            supported: ENCRYPTED_VERSION,
        });
    }
    let kdf = fields(
        lines.next(),
        "kdf: argon2id ",
        &["m", "t", "p", "salt"],
        source,
    )?;
    let cipher_line = fields(
        lines.next(),
        "cipher: aes-256-gcm ",
        &["nonce", "length"],
        source,
    )?;
    let check_line = lines
        .next()
        .and_then(|l| l.strip_prefix("check: "))
        .ok_or_else(|| Error::BackupHeaderDamaged {
            input: source.to_owned(),
            detail: "expected a `check:` line".into(),
        })?;
    let params = KdfParams {
        m_cost_kib: number(kdf[0], source)?,
        t_cost: number(kdf[1], source)?,
        p_cost: number(kdf[2], source)?,
    };
    check_costs(params, source)?;
    let salt: [u8; SALT_LEN] = fixed_b64(kdf[3], "salt", source)?;
    let nonce: [u8; NONCE_LEN] = fixed_b64(cipher_line[0], "nonce", source)?;
    let length = number(cipher_line[1], source)? as usize;
    let check: [u8; CHECK_LEN] = fixed_b64(check_line, "check value", source)?;

    let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let ciphertext = STANDARD.decode(compact.as_bytes()).map_err(|_| {
        if !compact.len().is_multiple_of(4) {
            Error::BackupTruncated {
                input: source.to_owned(),
                detail: "its body ends mid-block".into(),
            }
        } else {
            Error::BackupDamaged {
                input: source.to_owned(),
                detail: "its body is not base64",
            }
        }
    })?;
    if ciphertext.len() < length {
        return Err(Error::BackupTruncated {
            input: source.to_owned(),
            detail: format!("{} of {length} bytes", ciphertext.len()),
        });
    }
    if ciphertext.len() > length || length < TAG_LEN {
        return Err(Error::BackupLengthMismatch {
            input: source.to_owned(),
            found: ciphertext.len(),
            expected: length,
        });
    }

    let derived = derive(passphrase, &salt, params)?;
    let (key, expected) = derived.split_at(AES_KEY_LEN);
    if aws_lc_rs::constant_time::verify_slices_are_equal(expected, &check).is_err() {
        return Err(Error::BackupWrongPassphrase {
            input: source.to_owned(),
        });
    }
    let cipher =
        Aes256Gcm::new_from_slice(key).map_err(|_| Error::Crypto("AES-256-GCM key setup"))?;
    let mut buffer = Zeroizing::new(ciphertext);
    cipher
        .decrypt_in_place(&Nonce::from(nonce), head.as_bytes(), &mut *buffer)
        .map_err(|_| Error::BackupNotAuthentic {
            input: source.to_owned(),
        })?;
    Ok(buffer)
}

/// One validated key Secret of a backup.
pub struct BackupKey {
    /// The Secret's name.
    pub name: String,
    /// Its labels (the key label among them).
    pub labels: BTreeMap<String, String>,
    /// Its annotations.
    pub annotations: BTreeMap<String, String>,
    /// Its type (`kubernetes.io/tls` when the backup has none).
    pub type_: String,
    /// Its data, decoded (`tls.key`, `tls.crt`, anything else it had). Wiped on drop.
    pub data: BTreeMap<String, Zeroizing<Vec<u8>>>,
    /// The key, loaded and checked against its certificate.
    pub key: PrivateKey,
}

impl std::fmt::Debug for BackupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupKey")
            .field("name", &self.name)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads a backup in either form and validates all of it: every document is a Secret
/// with a name and a `tls.key` that loads (and matches its `tls.crt`), no name appears
/// twice with different keys, and there is at least one. `passphrase` is needed for the
/// encrypted form.
pub fn read_backup(
    input: &[u8],
    passphrase: Option<&[u8]>,
    source: &str,
) -> Result<Vec<BackupKey>> {
    let plain;
    let bytes = if is_encrypted(input) {
        let Some(passphrase) = passphrase else {
            return Err(Error::BackupNeedsPassphrase {
                input: source.to_owned(),
            });
        };
        plain = decrypt(input, passphrase, source)?;
        &plain[..]
    } else {
        input
    };
    let text = std::str::from_utf8(bytes).map_err(|_| Error::BackupNotText {
        input: source.to_owned(),
    })?;
    let docs = manifest::parse_documents(text).map_err(|e| e.within(source))?;
    let mut keys: Vec<BackupKey> = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        if manifest::kind(doc) != Some("Secret") {
            return Err(Error::BackupHoldsOther {
                input: source.to_owned(),
                document: i + 1,
                kind: manifest::shown_kind(doc),
            });
        }
        let Some(name) = manifest::meta_str(doc, "name") else {
            return Err(Error::BackupSecretWithoutName {
                input: source.to_owned(),
                document: i + 1,
            });
        };
        check_name(ObjectKind::Secret, name).map_err(|e| e.within(source))?;
        let mut data = BTreeMap::new();
        if let Some(map) = doc.get("data").and_then(Value::as_object) {
            for (k, v) in map {
                let decoded =
                    v.as_str()
                        .and_then(decode_b64)
                        .ok_or_else(|| Error::KeySecretBadBase64 {
                            input: source.to_owned(),
                            secret: name.to_owned(),
                            field: format!("data.{}", crate::validity::shown(k)),
                        })?;
                data.insert(k.clone(), decoded);
            }
        }
        let Some(tls_key) = data.get("tls.key") else {
            return Err(Error::MissingTlsKey {
                input: source.to_owned(),
                secret: name.to_owned(),
            });
        };
        let key = key_from_secret_data(name, tls_key, data.get("tls.crt").map(|c| c.as_slice()))
            .map_err(|e| e.within(source))?;
        if let Some(other) = keys.iter().find(|k| k.name == name) {
            if other.key.fingerprint() != key.fingerprint() {
                return Err(Error::BackupDuplicateName {
                    input: source.to_owned(),
                    secret: name.to_owned(),
                });
            }
            continue;
        }
        keys.push(BackupKey {
            name: name.to_owned(),
            labels: string_map(doc.get("metadata").and_then(|m| m.get("labels"))),
            annotations: string_map(doc.get("metadata").and_then(|m| m.get("annotations"))),
            type_: doc
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("kubernetes.io/tls")
                .to_owned(),
            data,
            key,
        });
    }
    if keys.is_empty() {
        return Err(Error::BackupEmpty {
            input: source.to_owned(),
        });
    }
    Ok(keys)
}

fn decode_b64(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let compact: Zeroizing<String> =
        Zeroizing::new(text.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    STANDARD.decode(compact.as_bytes()).ok().map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KEY_LABEL, generate_key};

    /// Cheap parameters: the format, not the cost, is under test.
    const FAST: KdfParams = KdfParams {
        m_cost_kib: 64,
        t_cost: 1,
        p_cost: 1,
    };

    fn key_secret(name: &str) -> (Value, String) {
        let g = generate_key(2048, 1, 1_800_000_000).unwrap();
        let secret = json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": name,
                "namespace": "kube-system",
                "uid": "1234",
                "resourceVersion": "99",
                "creationTimestamp": "2026-01-01T00:00:00Z",
                "managedFields": [{"manager": "x"}],
                "labels": {KEY_LABEL: "active"},
                "annotations": {LAST_APPLIED: "{\"data\":{\"tls.key\":\"...\"}}"},
            },
            "type": "kubernetes.io/tls",
            "data": {
                "tls.key": STANDARD.encode(g.key_pem.as_bytes()),
                "tls.crt": STANDARD.encode(g.cert_pem.as_bytes()),
            },
        });
        (secret, g.key.fingerprint())
    }

    fn plain_backup() -> (Zeroizing<String>, Vec<String>) {
        let (a, fa) = key_secret("sealed-secrets-keya");
        let (b, fb) = key_secret("sealed-secrets-keyb");
        let items = vec![
            backup_item(&a, "2026-02-01T00:00:00Z"),
            backup_item(&b, "2026-02-01T00:00:00Z"),
        ];
        (render_plain(items).unwrap(), vec![fa, fb])
    }

    #[test]
    fn a_plain_backup_is_a_clean_list_that_reads_back() {
        let (plain, fingerprints) = plain_backup();
        for server_field in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "managedFields",
        ] {
            assert!(
                !plain.contains(server_field),
                "{server_field} in\n{}",
                *plain
            );
        }
        assert!(!plain.contains(LAST_APPLIED));
        assert!(
            plain.starts_with("apiVersion: v1\nkind: List\n"),
            "{}",
            *plain
        );
        let keys = read_backup(plain.as_bytes(), None, "b.yaml").unwrap();
        let got: Vec<String> = keys.iter().map(|k| k.key.fingerprint()).collect();
        assert_eq!(got, fingerprints);
        assert_eq!(keys[0].labels[KEY_LABEL], "active");
        assert_eq!(
            keys[0].annotations[BACKED_UP_AT_ANNOTATION],
            "2026-02-01T00:00:00Z"
        );
        assert_eq!(keys[0].type_, "kubernetes.io/tls");
    }

    #[test]
    fn an_encrypted_backup_round_trips_and_authenticates_its_header() {
        let (plain, fingerprints) = plain_backup();
        let enc = encrypt(plain.as_bytes(), b"correct horse", FAST).unwrap();
        assert!(is_encrypted(enc.as_bytes()));
        assert!(
            enc.starts_with("SEALER-ENCRYPTED-KEY-BACKUP v1\nkdf: argon2id m=64 t=1 p=1 salt=")
        );
        assert!(!enc.contains("BEGIN"), "no PEM may show through");
        let opened = decrypt(enc.as_bytes(), b"correct horse", "b.enc").unwrap();
        assert_eq!(&opened[..], plain.as_bytes());
        let keys = read_backup(enc.as_bytes(), Some(b"correct horse"), "b.enc").unwrap();
        assert_eq!(
            keys.iter().map(|k| k.key.fingerprint()).collect::<Vec<_>>(),
            fingerprints
        );
        // Two encryptions of the same text differ (fresh salt and nonce).
        assert_ne!(
            enc,
            encrypt(plain.as_bytes(), b"correct horse", FAST).unwrap()
        );
    }

    #[test]
    fn fail_wrong_passphrase_is_named() {
        let enc = encrypt(b"apiVersion: v1\nkind: List\nitems: []\n", b"right", FAST).unwrap();
        let err = decrypt(enc.as_bytes(), b"wrong", "b.enc")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "b.enc: wrong passphrase (or the backup's header was altered)"
        );
    }

    #[test]
    fn fail_tampered_body_or_header_does_not_open() {
        let (plain, _) = plain_backup();
        let enc = encrypt(plain.as_bytes(), b"pw", FAST).unwrap();
        // Flip one character of the body (not the last line, whose padding may be loose).
        let body_start = enc.find("\n\n").unwrap() + 2;
        let mut bytes = enc.clone().into_bytes();
        let i = body_start + 10;
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let err = decrypt(&bytes, b"pw", "b.enc").unwrap_err();
        assert!(
            matches!(&err, Error::BackupNotAuthentic { input } if input == "b.enc"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "b.enc: the encrypted backup was altered or damaged (it does not authenticate)"
        );
        // A changed cost parameter changes the derived key: reported as such.
        let altered = enc.replacen(" t=1 ", " t=2 ", 1);
        let err = decrypt(altered.as_bytes(), b"pw", "b.enc")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("wrong passphrase (or the backup's header was altered)"),
            "{err}"
        );
        // A changed length is caught before any key derivation.
        let length = enc
            .lines()
            .nth(2)
            .unwrap()
            .rsplit('=')
            .next()
            .unwrap()
            .to_owned();
        let grown = enc.replacen(
            &format!("length={length}"),
            &format!("length={}", length.parse::<usize>().unwrap() - 1),
            1,
        );
        let err = decrypt(grown.as_bytes(), b"pw", "b.enc")
            .unwrap_err()
            .to_string();
        assert!(err.contains("was altered"), "{err}");
    }

    #[test]
    fn fail_truncated_backup_says_truncated() {
        let (plain, _) = plain_backup();
        let enc = encrypt(plain.as_bytes(), b"pw", FAST).unwrap();
        for cut in [
            enc.len() - 70,
            enc.len() - 3,
            40,
            enc.find("\n\n").unwrap() + 2,
        ] {
            let err = decrypt(&enc.as_bytes()[..cut], b"pw", "b.enc")
                .unwrap_err()
                .to_string();
            assert!(err.contains("is truncated"), "cut at {cut}: {err}");
        }
    }

    #[test]
    fn fail_empty_backups_and_empty_passphrases_are_refused() {
        let empty = "apiVersion: v1\nkind: List\nitems: []\n";
        let err = read_backup(empty.as_bytes(), None, "b.yaml")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "b.yaml holds no key Secrets: it is not a key backup, or it was taken from a namespace without keys"
        );
        let enc = encrypt(empty.as_bytes(), b"pw", FAST).unwrap();
        let err = read_backup(enc.as_bytes(), Some(b"pw"), "b.enc")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("b.enc holds no key Secrets"), "{err}");
        let err = encrypt(empty.as_bytes(), b"", FAST)
            .unwrap_err()
            .to_string();
        assert_eq!(err, "the passphrase is empty");
        let err = read_backup(enc.as_bytes(), None, "b.enc")
            .unwrap_err()
            .to_string();
        assert!(err.contains("is an encrypted key backup"), "{err}");
    }

    #[test]
    fn fail_a_secret_without_tls_key_is_named() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: k1}\n  data: {tls.crt: eA==}\n";
        let err = read_backup(text.as_bytes(), None, "b.yaml")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "b.yaml: Secret `k1` has no data.tls.key: it is not a sealing key Secret"
        );
    }

    #[test]
    fn fail_a_name_that_is_not_a_secret_name_is_refused_without_repeating_it() {
        // Found by fuzz/fuzz_targets/backup.rs: key material pasted as a name came back
        // whole in the message.
        let pasted = "MIIEowIBAAKCAQEAx9f3kQ+ZqT7v0bH2yN4aL8mWcPq1sR6uT3wE5xY7zB9cD0e".repeat(20);
        let text = format!(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {{name: \"{pasted}\"}}\n  data: {{tls.crt: eA==}}\n"
        );
        let err = read_backup(text.as_bytes(), None, "b.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("is not valid"), "{err}");
        assert!(!err.contains(&pasted[..24]), "{err}");
        assert!(err.len() < 300, "{err}");
    }

    #[test]
    fn fail_a_damaged_version_is_not_repeated() {
        // Found by fuzz/fuzz_targets/backup.rs: the rest of a damaged first line came
        // back as the "version".
        let enc = encrypt(b"x", b"pw", FAST).unwrap();
        let damaged = enc.replacen(" v1\n", " v1\u{4}salt=Cz2z9sF5GCDNLYw\n", 1);
        let err = read_backup(damaged.as_bytes(), Some(b"pw"), "b.enc")
            .unwrap_err()
            .to_string();
        assert!(err.contains("is not supported"), "{err}");
        assert!(!err.contains("salt") && !err.contains("Cz2z9"), "{err}");
        let v2 = enc.replacen(" v1\n", " v2\n", 1);
        let err = read_backup(v2.as_bytes(), Some(b"pw"), "b.enc")
            .unwrap_err()
            .to_string();
        assert!(err.contains("format v2 is not supported"), "{err}");
    }

    #[test]
    fn fail_crafted_costs_are_refused_before_allocating() {
        let enc = encrypt(b"x", b"pw", FAST).unwrap();
        let huge = enc.replacen("m=64 ", "m=4294967295 ", 1);
        let err = decrypt(huge.as_bytes(), b"pw", "b.enc")
            .unwrap_err()
            .to_string();
        assert!(err.contains("beyond the limits"), "{err}");
    }

    /// `seal keys backup` writes m=65536 t=3 p=1; a header asking for more than a small
    /// range around that (m<=256 MiB, t<=10, p<=4) is refused before any Argon2 work:
    /// a 4 GiB request would otherwise cost 4 GiB and minutes before the passphrase is
    /// checked.
    #[test]
    fn fail_costs_beyond_what_the_writer_uses_are_refused_before_any_kdf_work() {
        let enc = encrypt(b"x", b"pw", FAST).unwrap();
        for (from, to) in [
            ("m=64 ", "m=307200 "),
            ("m=64 ", "m=4194304 "),
            ("t=1 ", "t=11 "),
            ("p=1 ", "p=5 "),
        ] {
            let costly = enc.replacen(from, to, 1);
            let err = decrypt(costly.as_bytes(), b"pw", "b.enc").unwrap_err();
            assert!(
                matches!(err, Error::BackupCostTooHigh { .. }),
                "{to}: {err}"
            );
        }
    }
}
