//! Errors of the core crate: one variant for each condition a caller can act on.
//!
//! A message says what went wrong, naming fields, files and keys, never a plaintext value
//! or key material. It names no flag or command: what to do about an error is for the
//! caller to say (the `seal` CLI pairs every variant with its own advice). Only where the
//! fix lies in the input document itself, for any caller, does the message say it
//! ("quote it").

use std::fmt;

use thiserror::Error;

use crate::scope::Scope;
use crate::validity::{KeyProblem, NAME_RULE, NAMESPACE_RULE, shown, shown_key};

/// Result alias for the core crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The kind of object an operation expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    /// A plaintext `v1` Secret.
    Secret,
    /// A `bitnami.com/v1alpha1` SealedSecret.
    SealedSecret,
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ObjectKind::Secret => "Secret",
            ObjectKind::SealedSecret => "SealedSecret",
        })
    }
}

/// The longest `kind` a message shows, as long as a DNS label: real kinds are far shorter.
pub const MAX_SHOWN_KIND_LEN: usize = 63;

/// An object's `kind` as a message shows it. The field holds whatever text the input put
/// there (several lines, a pasted value, terminal escapes), so the kind itself is shown
/// only when it reads as a Kubernetes kind: ASCII letters and digits, starting with a
/// letter, at most [`MAX_SHOWN_KIND_LEN`] characters (`ConfigMap`, `Role`, `CronJob`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownKind(Shown);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Shown {
    Named(String),
    Other,
    Missing,
}

impl ShownKind {
    /// The `kind` of an object (`None`: it has none, or it is not a string).
    pub fn of(kind: Option<&str>) -> Self {
        Self(match kind {
            None => Shown::Missing,
            Some(k)
                if k.len() <= MAX_SHOWN_KIND_LEN
                    && k.starts_with(|c: char| c.is_ascii_alphabetic())
                    && k.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                Shown::Named(k.to_owned())
            }
            Some(_) => Shown::Other,
        })
    }
}

/// `a ConfigMap`, `an object of another kind` or `an object without kind`.
impl fmt::Display for ShownKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Shown::Named(kind) => write!(f, "a {kind}"),
            Shown::Other => f.write_str("an object of another kind"),
            Shown::Missing => f.write_str("an object without kind"),
        }
    }
}

/// A field of `metadata` that an operation reads or fills in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaField {
    /// `metadata.name`.
    Name,
    /// `metadata.namespace`.
    Namespace,
}

impl MetaField {
    /// The field's name under `metadata`.
    pub fn as_str(self) -> &'static str {
        match self {
            MetaField::Name => "name",
            MetaField::Namespace => "namespace",
        }
    }
}

impl fmt::Display for MetaField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in a text input, as its parser reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    /// Line, from 1.
    pub line: u64,
    /// Column, from 1.
    pub column: u64,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {} column {}", self.line, self.column)
    }
}

/// Renders a Unix time as an RFC 3339 UTC date for messages (`@SECONDS` when out of range).
pub(crate) fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("@{unix}"))
}

fn located(location: Option<&Location>) -> String {
    location.map(|l| format!(" at {l}")).unwrap_or_default()
}

/// Everything that can go wrong in the core. Every message is safe to print: it names
/// fields, files and keys, never values.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    // Reading manifests.
    /// The input starts like JSON but is not valid JSON.
    #[error("cannot parse input: invalid JSON at {at}")]
    InvalidJson {
        /// Where the parser stopped.
        at: Location,
    },
    /// The input is not valid YAML.
    #[error("cannot parse input: invalid YAML{}: {reason}", located(.at.as_ref()))]
    InvalidYaml {
        /// Where the parser stopped, when it says.
        at: Option<Location>,
        /// A sentence about the structure (`manifest::yaml_reason`), never input text.
        reason: String,
    },
    /// A mapping of the input (YAML or JSON) holds the same key twice. The key is not
    /// shown: text in key position may be a value typed in the wrong place.
    #[error("cannot parse input: duplicate key at {at} (a key may appear only once in a mapping)")]
    DuplicateKey {
        /// Where the parser met the second one.
        at: Location,
    },
    /// A document of the input is a scalar or a sequence, not a mapping.
    #[error(
        "cannot parse input: document {document} is not a Kubernetes object (expected a mapping with apiVersion and kind)"
    )]
    NotAnObject {
        /// Position of the document in the input, from 1.
        document: usize,
    },

    // The shape of Secrets and SealedSecrets.
    /// `metadata.name` or `metadata.namespace` is not a string (YAML 1.1 reads `y`, `no`,
    /// `0123` as booleans or numbers).
    #[error(
        "metadata.{field} is not a string (YAML reads values such as y, no, 0123 as booleans or numbers): quote it"
    )]
    MetadataNotAString {
        /// The field.
        field: MetaField,
    },
    /// An object has no `kind`.
    #[error("an object has no `kind`: expected a {expected}")]
    MissingKind {
        /// The kind the operation takes.
        expected: ObjectKind,
    },
    /// An object given to be sealed is neither a Secret nor a SealedSecret.
    #[error("{object} is {kind}, not a Secret")]
    NotASecret {
        /// `namespace/name` of the object.
        object: String,
        /// Its kind, as messages show it.
        kind: ShownKind,
    },
    /// A SealedSecret was given to be sealed.
    #[error("{object} is already a SealedSecret")]
    AlreadySealed {
        /// `namespace/name` of the SealedSecret.
        object: String,
    },
    /// An object given as a SealedSecret is of another kind (not a Secret).
    #[error("{object} is {kind}, not a SealedSecret")]
    NotASealedSecret {
        /// `namespace/name` of the object.
        object: String,
        /// Its kind, as messages show it.
        kind: ShownKind,
    },
    /// A plaintext Secret was given where a SealedSecret is needed.
    #[error("{object} is a plaintext Secret, not a SealedSecret")]
    NotSealedYet {
        /// `namespace/name` of the Secret.
        object: String,
    },
    /// A Secret to seal has no name, and none was given.
    #[error("a Secret has no metadata.name")]
    MissingName,
    /// A SealedSecret has no name.
    #[error("the SealedSecret has no metadata.name")]
    SealedSecretMissingName,
    /// A Secret to seal has no namespace, none was given, and its scope needs one.
    #[error("Secret {secret} has no namespace, which {scope} scope needs")]
    MissingNamespace {
        /// Name of the Secret.
        secret: String,
        /// The scope it is sealed with.
        scope: Scope,
    },
    /// A SealedSecret has no namespace, none was given, and its scope needs one.
    #[error("SealedSecret {sealed_secret} has no namespace, which its {scope} scope needs")]
    SealedSecretMissingNamespace {
        /// Name of the SealedSecret.
        sealed_secret: String,
        /// The scope its annotations state.
        scope: Scope,
    },
    /// The object states a name or namespace, and another one was given.
    #[error("{object} says {field} `{in_document}` but `{given}` was given")]
    FieldConflict {
        /// The object as messages name it: `the Secret`, `Secret NAME` or
        /// `SealedSecret NAME`.
        object: String,
        /// The conflicting field.
        field: MetaField,
        /// The value in the object's metadata, as messages show it (escaped and cut: it
        /// has not been checked yet).
        in_document: String,
        /// The value the caller gave, shown in the same way.
        given: String,
    },
    /// A Secret to seal has no values (and sealing an empty one was not asked for).
    #[error("Secret {secret} has no data or stringData")]
    EmptySecret {
        /// Name of the Secret.
        secret: String,
    },
    /// The Secret to merge into a SealedSecret has no values.
    #[error("the input Secret has no data or stringData: nothing to merge")]
    NothingToMerge,
    /// A Secret's `data` is not a map.
    #[error("Secret {secret}: `data` must be a map of key to base64 value")]
    DataNotAMap {
        /// `namespace/name` of the Secret.
        secret: String,
    },
    /// A value in a Secret's `data` is not a string.
    #[error("Secret {secret}: data key `{}` must be a base64 string", shown_key(.key))]
    DataValueNotAString {
        /// `namespace/name` of the Secret.
        secret: String,
        /// The key whose value is not a string.
        key: String,
    },
    /// A value in `data` is not valid base64.
    #[error(
        "Secret {secret}: data key `{}` is not valid base64: fix the value or move it to stringData", shown_key(.key)
    )]
    BadBase64 {
        /// `namespace/name` of the Secret.
        secret: String,
        /// The key whose value is malformed.
        key: String,
    },
    /// A Secret's `stringData` is not a map.
    #[error("Secret {secret}: `stringData` must be a map of key to string")]
    StringDataNotAMap {
        /// `namespace/name` of the Secret.
        secret: String,
    },
    /// A value in a Secret's `stringData` is not a string.
    #[error("Secret {secret}: stringData key `{}` must be a string: quote the value", shown_key(.key))]
    StringDataValueNotAString {
        /// `namespace/name` of the Secret.
        secret: String,
        /// The key whose value is not a string.
        key: String,
    },
    /// A SealedSecret's `spec` is not a map.
    #[error("the SealedSecret's spec is not a map")]
    SpecNotAMap,
    /// A SealedSecret's `spec.encryptedData` is not a map.
    #[error("spec.encryptedData must be a map of key to sealed value")]
    EncryptedDataNotAMap,
    /// A SealedSecret's `spec.template` is not a map.
    #[error("spec.template must be a map (metadata, type, data)")]
    TemplateNotAMap,
    /// A SealedSecret's `spec.template.data` is not a map.
    #[error("spec.template.data must be a map of key to template string")]
    TemplateDataNotAMap,
    /// A key of a Secret (or of the `encryptedData` or `template.data` of the SealedSecret
    /// that makes one) is not a key Kubernetes accepts. Keys are names, not values: the
    /// message shows it (escaped, and cut when long).
    #[error("Secret key `{}` is not valid: {problem}", shown(.key))]
    InvalidSecretKey {
        /// The key.
        key: String,
        /// The rule it breaks.
        problem: KeyProblem,
    },
    /// A Secret's or SealedSecret's name is not a DNS-1123 subdomain.
    #[error("{kind} name `{}` is not valid: {NAME_RULE}", shown(.name))]
    InvalidName {
        /// The kind of the object named.
        kind: ObjectKind,
        /// The name.
        name: String,
    },
    /// A namespace is not a DNS-1123 label.
    #[error("namespace `{}` is not valid: {NAMESPACE_RULE}", shown(.namespace))]
    InvalidNamespace {
        /// The namespace.
        namespace: String,
    },
    /// A raw value is sealed for a scope that needs a namespace, and none was given.
    #[error("{scope} scope needs a namespace")]
    TargetNeedsNamespace {
        /// The scope.
        scope: Scope,
    },
    /// A raw value is sealed for a scope that needs a name, and none was given.
    #[error("{scope} scope needs a name")]
    TargetNeedsName {
        /// The scope.
        scope: Scope,
    },

    // Sealed values.
    /// A sealed value is malformed (truncated, bad base64, bad length prefix).
    #[error("value `{}` is not a sealed value: {reason}", shown_key(.key))]
    MalformedValue {
        /// The key of the value in `encryptedData`.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No known private key opens this value under its scope's label. Deliberately says
    /// nothing about why (padding, tag, label, key): that would be an oracle.
    #[error(
        "no key could decrypt value `{}` (wrong key, wrong name/namespace/scope, or tampered value)", shown_key(.key)
    )]
    Decrypt {
        /// The key of the value in `encryptedData`.
        key: String,
    },

    // Certificates and public keys.
    /// The certificate input is not PEM.
    #[error(
        "the certificate is not valid PEM: expected a CERTIFICATE, PUBLIC KEY or RSA PUBLIC KEY block"
    )]
    CertificateNotPem,
    /// The certificate input holds no PEM block at all.
    #[error("no PEM block found: expected a CERTIFICATE, PUBLIC KEY or RSA PUBLIC KEY block")]
    NoPemBlock,
    /// The certificate input holds a private key (and no certificate).
    #[error("that file holds a PRIVATE key")]
    CertificateIsPrivateKey,
    /// The certificate input holds PEM blocks, none of them a certificate or public key.
    #[error(
        "no certificate or public key found (PEM blocks: {}): expected CERTIFICATE, PUBLIC KEY or RSA PUBLIC KEY",
        .found.join(", ")
    )]
    NoCertificateBlock {
        /// The labels of the PEM blocks found.
        found: Vec<String>,
    },
    /// A `CERTIFICATE` block is not a valid X.509 certificate.
    #[error("the CERTIFICATE block is not a valid X.509 certificate")]
    CertificateNotX509,
    /// The certificate's key is not RSA.
    #[error("the certificate's key is not RSA (algorithm {algorithm})")]
    CertificateNotRsa {
        /// The OID of the key's algorithm.
        algorithm: String,
    },
    /// The certificate is past its NotAfter date.
    #[error("the certificate expired on {}", rfc3339(*.not_after))]
    CertificateExpired {
        /// NotAfter, in seconds since the Unix epoch.
        not_after: i64,
    },
    /// A public key is not an RSA key this crate can use.
    #[error("the public key is not a usable RSA key (RSA of at least {min_bits} bits is required)")]
    UnusablePublicKey {
        /// The smallest modulus accepted, in bits.
        min_bits: usize,
    },
    /// An `RSA PUBLIC KEY` block is malformed.
    #[error("the RSA PUBLIC KEY block is malformed")]
    MalformedRsaPublicKey,
    /// An RSA key (public or private) is too small.
    #[error("the RSA key has {bits} bits; at least {min_bits} are required")]
    KeyTooSmall {
        /// The key's modulus size.
        bits: usize,
        /// The smallest modulus accepted, in bits.
        min_bits: usize,
    },
    /// The certificate stored or given with a private key belongs to another key.
    #[error("the certificate stored with the key belongs to a different key")]
    CertificateKeyMismatch,

    // Private keys.
    /// A private key is not an RSA key this crate can use.
    #[error(
        "the private key is not a usable RSA key (RSA of at least {min_bits} bits is required)"
    )]
    UnusablePrivateKey {
        /// The smallest modulus accepted, in bits.
        min_bits: usize,
    },
    /// An `RSA PRIVATE KEY` block is malformed.
    #[error("the RSA PRIVATE KEY block is malformed")]
    MalformedRsaPrivateKey,
    /// A private key brought to be imported is malformed.
    #[error("the private key is malformed")]
    MalformedPrivateKey,
    /// A key of this size cannot be generated.
    #[error("unsupported key size {bits}: use 2048, 3072, 4096 or 8192")]
    UnsupportedKeySize {
        /// The size asked for, in bits.
        bits: usize,
    },
    /// A key input is neither PEM nor YAML/JSON text.
    #[error("{input}: not a PEM key or a YAML/JSON key Secret")]
    NotAKeyFile {
        /// The name of the input.
        input: String,
    },
    /// A key input looks like PEM but does not parse.
    #[error("{input}: malformed PEM")]
    MalformedPem {
        /// The name of the input.
        input: String,
    },
    /// A private key is encrypted with a passphrase (`ENCRYPTED PRIVATE KEY`).
    #[error("{input}: the key is passphrase-encrypted PKCS#8")]
    EncryptedPrivateKey {
        /// The name of the input.
        input: String,
    },
    /// A key input holds no private key.
    #[error("{input} holds no private key")]
    NoPrivateKey {
        /// The name of the input.
        input: String,
    },
    /// A key brought to be imported is not exactly one private key.
    #[error(
        "{input} must hold exactly one PEM private key (RSA PRIVATE KEY or PRIVATE KEY), but it holds {found}"
    )]
    NotOnePrivateKey {
        /// The name of the input.
        input: String,
        /// How many private keys it holds.
        found: usize,
    },
    /// A Secret among key Secrets has no `data.tls.key`.
    #[error("{input}: Secret `{secret}` has no data.tls.key: it is not a sealing key Secret")]
    MissingTlsKey {
        /// The name of the input.
        input: String,
        /// Name of the Secret.
        secret: String,
    },
    /// A value of a key Secret is not valid base64.
    #[error("{input}: Secret `{secret}`: {field} is not valid base64")]
    KeySecretBadBase64 {
        /// The name of the input.
        input: String,
        /// Name of the Secret.
        secret: String,
        /// The field, as messages name it (`tls.key`, `data.tls.crt`).
        field: String,
    },
    /// A key Secret's `tls.key` holds no key, or more than one.
    #[error("Secret `{secret}`: tls.key must hold exactly one private key")]
    TlsKeyNotOneKey {
        /// Name of the Secret.
        secret: String,
    },
    /// A key Secret's `tls.crt` is not text.
    #[error("Secret `{secret}`: tls.crt is not PEM")]
    TlsCrtNotPem {
        /// Name of the Secret.
        secret: String,
    },
    /// A certificate would be valid for no time at all.
    #[error("a certificate must be valid for at least 1 day")]
    DaysOutOfRange,
    /// The current time cannot be put in a certificate.
    #[error("the clock is out of range")]
    ClockOutOfRange,

    // Key backups.
    /// The passphrase of an encrypted backup is empty.
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    /// Argon2id refuses the cost parameters.
    #[error("unusable Argon2id parameters: {reason}")]
    BackupKdfParams {
        /// Argon2's reason.
        reason: String,
    },
    /// Argon2id failed to derive the key.
    #[error("deriving the key from the passphrase: {reason}")]
    BackupKeyDerivation {
        /// Argon2's reason.
        reason: String,
    },
    /// The input starts like an encrypted backup, but its first line is not one.
    #[error("{input}: not a sealer encrypted key backup")]
    NotAnEncryptedBackup {
        /// The name of the backup.
        input: String,
    },
    /// The encrypted backup is of a format version this crate does not read.
    #[error(
        "{input}: encrypted backup format {version} is not supported (this version reads v{supported})"
    )]
    BackupVersionUnsupported {
        /// The name of the backup.
        input: String,
        /// The version in the backup's first line (`v2`), or `of an unknown version`
        /// when it is not a number.
        version: String,
        /// The version this crate reads and writes.
        supported: u32,
    },
    /// A header line of the encrypted backup is missing or malformed.
    #[error("{input}: the encrypted backup's header is damaged ({detail})")]
    BackupHeaderDamaged {
        /// The name of the backup.
        input: String,
        /// Which part of the header.
        detail: String,
    },
    /// The encrypted backup is not ASCII text, or its body is not base64.
    #[error("{input}: the encrypted backup is damaged ({detail})")]
    BackupDamaged {
        /// The name of the backup.
        input: String,
        /// What is wrong.
        detail: &'static str,
    },
    /// The encrypted backup ends early.
    #[error("{input}: the encrypted backup is truncated ({detail})")]
    BackupTruncated {
        /// The name of the backup.
        input: String,
        /// What shows it: the header, a cut base64 block, or the bytes found.
        detail: String,
    },
    /// The encrypted backup asks for Argon2id costs beyond the limits a reader accepts.
    #[error(
        "{input}: the encrypted backup asks for Argon2id m={m_cost_kib} t={t_cost} p={p_cost}, beyond the limits (m<={max_m_cost_kib} t<={max_t_cost} p<={max_p_cost})"
    )]
    BackupCostTooHigh {
        /// The name of the backup.
        input: String,
        /// Memory asked for, in KiB.
        m_cost_kib: u32,
        /// Passes asked for.
        t_cost: u32,
        /// Lanes asked for.
        p_cost: u32,
        /// Largest memory accepted, in KiB.
        max_m_cost_kib: u32,
        /// Most passes accepted.
        max_t_cost: u32,
        /// Most lanes accepted.
        max_p_cost: u32,
    },
    /// The encrypted backup's body is longer than its header says, or too short to hold
    /// a tag.
    #[error(
        "{input}: the encrypted backup was altered ({found} bytes where the header says {expected})"
    )]
    BackupLengthMismatch {
        /// The name of the backup.
        input: String,
        /// Bytes in the body.
        found: usize,
        /// Bytes the header states.
        expected: usize,
    },
    /// The passphrase does not derive the backup's check value.
    #[error("{input}: wrong passphrase (or the backup's header was altered)")]
    BackupWrongPassphrase {
        /// The name of the backup.
        input: String,
    },
    /// The backup's ciphertext does not authenticate under the right passphrase.
    #[error("{input}: the encrypted backup was altered or damaged (it does not authenticate)")]
    BackupNotAuthentic {
        /// The name of the backup.
        input: String,
    },
    /// An encrypted backup was given without a passphrase.
    #[error("{input} is an encrypted key backup")]
    BackupNeedsPassphrase {
        /// The name of the backup.
        input: String,
    },
    /// A (decrypted) backup is not UTF-8 text.
    #[error("{input}: not a key backup (not UTF-8 text)")]
    BackupNotText {
        /// The name of the backup.
        input: String,
    },
    /// A backup holds an object other than a Secret.
    #[error("{input}: document {document} is {kind}, not a key Secret")]
    BackupHoldsOther {
        /// The name of the backup.
        input: String,
        /// Position of the object in the backup, from 1.
        document: usize,
        /// Its kind, as messages show it.
        kind: ShownKind,
    },
    /// A Secret of a backup has no name.
    #[error("{input}: document {document} is a Secret without metadata.name")]
    BackupSecretWithoutName {
        /// The name of the backup.
        input: String,
        /// Position of the Secret in the backup, from 1.
        document: usize,
    },
    /// Two Secrets of a backup share a name but hold different keys.
    #[error("{input}: Secret `{secret}` appears twice with different keys")]
    BackupDuplicateName {
        /// The name of the backup.
        input: String,
        /// The name both Secrets have.
        secret: String,
    },
    /// A backup holds no key Secrets.
    #[error(
        "{input} holds no key Secrets: it is not a key backup, or it was taken from a namespace without keys"
    )]
    BackupEmpty {
        /// The name of the backup.
        input: String,
    },

    /// An error found inside a named input: a file, or a field of a key Secret. The
    /// message is the input's name, then the inner error's message (so a report that
    /// walks `source()` need not print the inner one again).
    #[error("{input}: {error}")]
    Within {
        /// The name of the input (`keys.yaml`, ``Secret `k`: tls.crt``).
        input: String,
        /// What went wrong inside it.
        #[source]
        error: Box<Error>,
    },

    /// A cryptographic primitive failed for a reason other than bad input.
    #[error("cryptographic operation failed: {0}")]
    Crypto(&'static str),
    /// The Secret an unseal would produce holds more data (its values and rendered
    /// templates together) than the API server accepts in a Secret.
    #[error(
        "the Secret's data (values and rendered templates together) would be larger than {limit} bytes, the most the API server accepts in a Secret"
    )]
    SecretDataTooLarge {
        /// The most bytes of data a Secret may hold.
        limit: usize,
    },
    /// A `spec.template.data` entry cannot be rendered. The reason names the construct
    /// (function, syntax, argument), never a value.
    #[non_exhaustive]
    #[error("template data key `{}`: {reason}", shown_key(.key))]
    Template {
        /// The key of the template in `spec.template.data`.
        key: String,
        /// What is wrong, and what is supported instead.
        reason: String,
    },
}

impl Error {
    /// Wraps this error as found inside the input named `input`.
    pub fn within(self, input: impl Into<String>) -> Self {
        Error::Within {
            input: input.into(),
            error: Box::new(self),
        }
    }

    /// The innermost error: this one, or the one a [`Error::Within`] chain wraps.
    pub fn innermost(&self) -> &Error {
        match self {
            Error::Within { error, .. } => error.innermost(),
            other => other,
        }
    }
}
