//! The core's error messages: what went wrong, with no flag, command or other CLI advice
//! (the CLI adds that: sealer-cli/tests/cli.rs), and the nesting of wrapped errors.

use sealer_core::Error;
use sealer_core::Scope;
use sealer_core::error::{Location, MetaField, ObjectKind, ShownKind};
use sealer_core::validity::KeyProblem;

/// One of every variant whose message this crate writes itself.
fn samples() -> Vec<Error> {
    let input = || "in.yaml".to_owned();
    let object = || "ns/db".to_owned();
    let at = Location { line: 2, column: 3 };
    vec![
        Error::InvalidJson { at },
        Error::InvalidYaml {
            at: Some(at),
            reason: "unclosed quote".into(),
        },
        Error::DuplicateKey { at },
        Error::TemplateNotAMap,
        Error::NotAnObject { document: 1 },
        Error::MetadataNotAString {
            field: MetaField::Name,
        },
        Error::MissingKind {
            expected: ObjectKind::Secret,
        },
        Error::NotASecret {
            object: object(),
            kind: ShownKind::of(Some("ConfigMap")),
        },
        Error::AlreadySealed { object: object() },
        Error::InvalidSecretKey {
            key: "a/b".into(),
            problem: KeyProblem::Characters,
        },
        Error::InvalidName {
            kind: ObjectKind::SealedSecret,
            name: "Db".into(),
        },
        Error::InvalidNamespace {
            namespace: "prod/db".into(),
        },
        Error::NotASealedSecret {
            object: object(),
            kind: ShownKind::of(Some("ConfigMap")),
        },
        Error::NotSealedYet { object: object() },
        Error::MissingName,
        Error::SealedSecretMissingName,
        Error::MissingNamespace {
            secret: "db".into(),
            scope: Scope::Strict,
        },
        Error::SealedSecretMissingNamespace {
            sealed_secret: "db".into(),
            scope: Scope::NamespaceWide,
        },
        Error::FieldConflict {
            object: "the Secret".into(),
            field: MetaField::Name,
            in_document: "a".into(),
            given: "b".into(),
        },
        Error::EmptySecret {
            secret: "db".into(),
        },
        Error::NothingToMerge,
        Error::DataNotAMap { secret: object() },
        Error::DataValueNotAString {
            secret: object(),
            key: "k".into(),
        },
        Error::BadBase64 {
            secret: object(),
            key: "k".into(),
        },
        Error::StringDataNotAMap { secret: object() },
        Error::StringDataValueNotAString {
            secret: object(),
            key: "k".into(),
        },
        Error::SpecNotAMap,
        Error::EncryptedDataNotAMap,
        Error::TemplateDataNotAMap,
        Error::TargetNeedsNamespace {
            scope: Scope::NamespaceWide,
        },
        Error::TargetNeedsName {
            scope: Scope::Strict,
        },
        Error::MalformedValue {
            key: "k".into(),
            reason: "it is truncated".into(),
        },
        Error::Decrypt { key: "k".into() },
        Error::CertificateNotPem,
        Error::NoPemBlock,
        Error::CertificateIsPrivateKey,
        Error::NoCertificateBlock {
            found: vec!["FOO".into(), "BAR".into()],
        },
        Error::CertificateNotX509,
        Error::CertificateNotRsa {
            algorithm: "1.2.840.10045.2.1".into(),
        },
        Error::CertificateExpired { not_after: 0 },
        Error::UnusablePublicKey { min_bits: 2048 },
        Error::MalformedRsaPublicKey,
        Error::KeyTooSmall {
            bits: 1024,
            min_bits: 2048,
        },
        Error::CertificateKeyMismatch,
        Error::UnusablePrivateKey { min_bits: 2048 },
        Error::MalformedRsaPrivateKey,
        Error::MalformedPrivateKey,
        Error::UnsupportedKeySize { bits: 1000 },
        Error::NotAKeyFile { input: input() },
        Error::MalformedPem { input: input() },
        Error::EncryptedPrivateKey { input: input() },
        Error::NoPrivateKey { input: input() },
        Error::NotOnePrivateKey {
            input: input(),
            found: 2,
        },
        Error::MissingTlsKey {
            input: input(),
            secret: "k".into(),
        },
        Error::KeySecretBadBase64 {
            input: input(),
            secret: "k".into(),
            field: "tls.key".into(),
        },
        Error::TlsKeyNotOneKey { secret: "k".into() },
        Error::TlsCrtNotPem { secret: "k".into() },
        Error::DaysOutOfRange,
        Error::ClockOutOfRange,
        Error::EmptyPassphrase,
        Error::BackupKdfParams {
            reason: "memory cost is too small".into(),
        },
        Error::BackupKeyDerivation {
            reason: "output is too short".into(),
        },
        Error::NotAnEncryptedBackup { input: input() },
        Error::BackupVersionUnsupported {
            input: input(),
            version: "2".into(),
            supported: 1,
        },
        Error::BackupHeaderDamaged {
            input: input(),
            detail: "bad salt".into(),
        },
        Error::BackupDamaged {
            input: input(),
            detail: "its body is not base64",
        },
        Error::BackupTruncated {
            input: input(),
            detail: "its header is incomplete".into(),
        },
        Error::BackupCostTooHigh {
            input: input(),
            m_cost_kib: 1,
            t_cost: 65,
            p_cost: 1,
            max_m_cost_kib: 4,
            max_t_cost: 64,
            max_p_cost: 64,
        },
        Error::BackupLengthMismatch {
            input: input(),
            found: 52,
            expected: 51,
        },
        Error::BackupWrongPassphrase { input: input() },
        Error::BackupNotAuthentic { input: input() },
        Error::BackupNeedsPassphrase { input: input() },
        Error::BackupNotText { input: input() },
        Error::BackupHoldsOther {
            input: input(),
            document: 1,
            kind: ShownKind::of(Some("ConfigMap")),
        },
        Error::BackupSecretWithoutName {
            input: input(),
            document: 1,
        },
        Error::BackupDuplicateName {
            input: input(),
            secret: "k".into(),
        },
        Error::BackupEmpty { input: input() },
        Error::Within {
            input: "outer".into(),
            error: Box::new(Error::MalformedPem { input: input() }),
        },
        Error::Crypto("RSA-OAEP encryption"),
        Error::SecretDataTooLarge { limit: 1 << 20 },
    ]
}

#[test]
fn core_messages_name_no_flag_and_no_command() {
    for e in samples() {
        let m = e.to_string();
        for advice in [
            "--",
            " -n ",
            "seal ",
            "`seal",
            "kubectl",
            "openssl",
            "another copy",
        ] {
            assert!(!m.contains(advice), "{advice:?} in {m:?}");
        }
    }
}

#[test]
fn messages_with_structured_fields_read_as_before() {
    let at = Location {
        line: 2,
        column: 24,
    };
    let yaml = Error::InvalidYaml {
        at: Some(at),
        reason: "unclosed quote".into(),
    };
    assert_eq!(
        yaml.to_string(),
        "cannot parse input: invalid YAML at line 2 column 24: unclosed quote"
    );
    let yaml = Error::InvalidYaml {
        at: None,
        reason: "syntax error".into(),
    };
    assert_eq!(
        yaml.to_string(),
        "cannot parse input: invalid YAML: syntax error"
    );
    let expired = Error::CertificateExpired {
        not_after: 1_600_084_000,
    };
    assert_eq!(
        expired.to_string(),
        "the certificate expired on 2020-09-14T11:46:40Z"
    );
    let blocks = Error::NoCertificateBlock {
        found: vec!["FOO".into(), "BAR".into()],
    };
    assert_eq!(
        blocks.to_string(),
        "no certificate or public key found (PEM blocks: FOO, BAR): expected CERTIFICATE, PUBLIC KEY or RSA PUBLIC KEY"
    );
}

#[test]
fn a_wrapped_error_prefixes_its_input_and_keeps_the_inner_one() {
    let e = Error::CertificateKeyMismatch
        .within("Secret `k`: tls.crt")
        .within("keys.yaml");
    assert_eq!(
        e.to_string(),
        "keys.yaml: Secret `k`: tls.crt: the certificate stored with the key belongs to a different key"
    );
    assert!(matches!(e.innermost(), Error::CertificateKeyMismatch));
    let source = std::error::Error::source(&e).map(ToString::to_string);
    assert_eq!(
        source.as_deref(),
        Some("Secret `k`: tls.crt: the certificate stored with the key belongs to a different key")
    );
}

/// A `kind` is any text the input puts there: a message shows it only when it reads as
/// a Kubernetes kind, and says "another kind" otherwise.
#[test]
fn a_kind_is_shown_only_when_it_reads_as_a_kubernetes_kind() {
    let shown = |kind: Option<&str>| ShownKind::of(kind).to_string();
    assert_eq!(shown(Some("ConfigMap")), "a ConfigMap");
    assert_eq!(shown(Some("V1Beta2Thing")), "a V1Beta2Thing");
    let longest = format!("K{}", "k".repeat(62));
    assert_eq!(shown(Some(&longest)), format!("a {longest}"));
    for other in [
        "",
        "Config Map",
        "Secret\nseal: ok",
        "\u{1b}[2J",
        "1Thing",
        "Sécret",
        "Config-Map",
        &format!("K{}", "k".repeat(63)),
    ] {
        assert_eq!(shown(Some(other)), "an object of another kind", "{other:?}");
    }
    assert_eq!(shown(None), "an object without kind");
}
