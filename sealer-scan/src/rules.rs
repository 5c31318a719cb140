//! The rule table: one entry per rule (id, title, severity, fix hint, detector). The
//! structural rules are variants of [`Rule`] with their entry in [`TABLE`]; provider
//! tokens are one family each in [`crate::tokens::FAMILIES`], reached through
//! [`Rule::Token`]. Adding a rule is one entry here (or one family there) plus its
//! detector and tests.

use crate::tokens;

/// Whether a finding blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Blocks the commit (exit 1).
    Error,
    /// Shown, does not block; `--strict` blocks on it.
    Warning,
    /// Shown and blocking only with `--strict` (e.g. a SealedSecret that cannot be
    /// checked against its cluster because it carries no sealing fingerprint).
    Strict,
}

impl Severity {
    /// `error`, `warning` or `strict`.
    pub fn id(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Strict => "strict",
        }
    }
}

/// What a finding is about. The ids are part of the interface (JSON, SARIF, baselines,
/// `.sealer.yaml` documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// A Secret with a plaintext value in `data` or `stringData`.
    SecretPlaintext,
    /// An unencrypted backup of a sealing key.
    KeyBackupPlaintext,
    /// A PEM private key block.
    PrivateKey,
    /// A PEM private key block wrapped in base64.
    PrivateKeyBase64,
    /// A kubeconfig user with a token, password or client key.
    KubeconfigCredential,
    /// A kustomize `secretGenerator` literal.
    KustomizeSecretLiteral,
    /// A line of an env file read by a kustomize `secretGenerator`.
    KustomizeSecretEnv,
    /// A file read by a kustomize `secretGenerator`.
    KustomizeSecretFile,
    /// A SealedSecret value that is not a well-formed sealed value.
    SealedValueMalformed,
    /// A Secret that does not parse, whose values cannot be vouched for.
    SecretUnparsable,
    /// A secret-named key with a real-looking value in Helm values.
    HelmValueSecret,
    /// A SealedSecret whose `spec.template.data` holds a plaintext value.
    SealedTemplatePlaintext,
    /// A SealedSecret sealed with another certificate than the one `.sealer.yaml` maps
    /// to its path.
    SealedWrongCluster,
    /// A SealedSecret without `sealer.dev/sealed-with` where `.sealer.yaml` maps a
    /// certificate: it cannot be checked against its cluster.
    SealedUnverified,
    /// A secret-named variable in a `.env` file.
    DotenvSecret,
    /// A secret-named variable in a Terraform `.tfvars` file.
    TfvarsSecret,
    /// A credential in an `.npmrc`.
    NpmrcCredential,
    /// A password in a `.pypirc`.
    PypircPassword,
    /// A password in a `.netrc`.
    NetrcPassword,
    /// A registry credential in a docker `config.json`.
    DockerConfigAuth,
    /// A secret-named key or variable with a random-looking value, anywhere else.
    GenericSecret,
    /// A provider token: the family at this index of [`crate::tokens::FAMILIES`].
    Token(u8),
}

/// One entry of the table.
pub struct RuleInfo {
    /// Stable id.
    pub id: &'static str,
    /// One line saying what the rule catches.
    pub title: &'static str,
    /// Whether its findings block.
    pub severity: Severity,
    /// The general fix (findings may say more).
    pub fix: &'static str,
}

const fn info(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    fix: &'static str,
) -> RuleInfo {
    RuleInfo {
        id,
        title,
        severity,
        fix,
    }
}

use Severity::{Error, Strict, Warning};

const SEAL_IT: &str = "commit a SealedSecret instead: `seal -f FILE -w FILE.sealed.yaml`";
const ROTATE: &str = "take it out of the commit and rotate it if it was ever pushed; keep it in a Secret sealed with `seal`";

/// The structural rules, in the order of the [`Rule`] variants.
pub const TABLE: [RuleInfo; 21] = [
    info(
        "secret-plaintext",
        "plaintext value in a Kubernetes Secret",
        Error,
        SEAL_IT,
    ),
    info(
        "key-backup-plaintext",
        "unencrypted backup of a sealing key",
        Error,
        "never commit key backups in plaintext; make them with `seal keys backup --passphrase-file FILE` and keep them outside the repository",
    ),
    info("private-key", "PEM private key", Error, ROTATE),
    info(
        "private-key-base64",
        "base64-wrapped PEM private key",
        Error,
        ROTATE,
    ),
    info(
        "kubeconfig-credential",
        "credential in a kubeconfig",
        Error,
        "use an exec credential plugin and revoke the credential",
    ),
    info(
        "kustomize-secret-literal",
        "plaintext literal in a kustomize secretGenerator",
        Error,
        SEAL_IT,
    ),
    info(
        "kustomize-secret-env",
        "plaintext value in an env file read by a secretGenerator",
        Error,
        SEAL_IT,
    ),
    info(
        "kustomize-secret-file",
        "file read by a kustomize secretGenerator",
        Error,
        SEAL_IT,
    ),
    info(
        "sealed-value-malformed",
        "SealedSecret value that is not a sealed value",
        Warning,
        "re-seal the value with `seal merge-into FILE` or `seal raw`",
    ),
    info(
        "secret-unparsable",
        "Secret that does not parse, so its values cannot be checked",
        Error,
        "make it parse as YAML, then seal it",
    ),
    info(
        "helm-value-secret",
        "secret in Helm values",
        Error,
        "move the value into a SealedSecret and point the chart at it (`existingSecret`), or keep it in a SOPS-encrypted helm-secrets file",
    ),
    info(
        "sealed-template-plaintext",
        "plaintext value in a SealedSecret's template",
        Error,
        "move the value into `spec.encryptedData` with `seal merge-into FILE`; `spec.template.data` is not encrypted",
    ),
    info(
        "sealed-wrong-cluster",
        "SealedSecret sealed for another cluster's key",
        Error,
        "re-seal it with the certificate `.sealer.yaml` maps to its path: `seal reencrypt` needs the old key, otherwise seal the Secret again",
    ),
    info(
        "sealed-unverified",
        "SealedSecret that cannot be checked against its cluster (no sealer.dev/sealed-with)",
        Strict,
        "re-seal it with `seal` so it carries the certificate's fingerprint",
    ),
    info(
        "dotenv-secret",
        "secret in a .env file",
        Error,
        "keep .env files out of the repository (.gitignore) and commit a .env.example with placeholders",
    ),
    info(
        "tfvars-secret",
        "secret in a Terraform variables file",
        Error,
        "pass it with TF_VAR_NAME from a secret store, or encrypt the file with SOPS",
    ),
    info(
        "npmrc-credential",
        "credential in an .npmrc",
        Error,
        "use `_authToken=${NPM_TOKEN}` and revoke the token",
    ),
    info(
        "pypirc-password",
        "password or token in a .pypirc",
        Error,
        "keep .pypirc in your home folder, use trusted publishing or keyring, and revoke the token",
    ),
    info(
        "netrc-password",
        "password in a .netrc",
        Error,
        "keep .netrc in your home folder only and change the password",
    ),
    info(
        "docker-config-auth",
        "registry credential in a docker config.json",
        Error,
        "use a credential helper (`credsStore`) and revoke the credential",
    ),
    info(
        "generic-secret",
        "secret-named key or variable with a random-looking value",
        Error,
        "read it from the environment or a mounted Secret instead, and rotate it; if it is not a secret, accept it with `# seal:allow`",
    ),
];

/// The structural rules, in the order of their rows in [`TABLE`].
const STRUCTURAL: [Rule; TABLE.len()] = {
    use Rule::*;
    [
        SecretPlaintext,
        KeyBackupPlaintext,
        PrivateKey,
        PrivateKeyBase64,
        KubeconfigCredential,
        KustomizeSecretLiteral,
        KustomizeSecretEnv,
        KustomizeSecretFile,
        SealedValueMalformed,
        SecretUnparsable,
        HelmValueSecret,
        SealedTemplatePlaintext,
        SealedWrongCluster,
        SealedUnverified,
        DotenvSecret,
        TfvarsSecret,
        NpmrcCredential,
        PypircPassword,
        NetrcPassword,
        DockerConfigAuth,
        GenericSecret,
    ]
};

impl Rule {
    /// Every structural rule, then every token family.
    pub fn all() -> Vec<Rule> {
        let mut all = STRUCTURAL.to_vec();
        all.extend(
            (0..tokens::FAMILIES.len()).filter_map(|i| u8::try_from(i).ok().map(Rule::Token)),
        );
        all
    }

    /// The row of [`TABLE`] (structural rules), `None` for a token family.
    fn index(self) -> Option<usize> {
        STRUCTURAL.iter().position(|r| *r == self)
    }

    fn family(self) -> Option<&'static tokens::Family> {
        match self {
            Rule::Token(i) => tokens::FAMILIES.get(usize::from(i)),
            _ => None,
        }
    }

    /// The stable id, e.g. `secret-plaintext`, `github-pat`.
    pub fn id(self) -> &'static str {
        match (self.index(), self.family()) {
            (Some(i), _) => TABLE[i].id,
            (None, Some(f)) => f.id,
            (None, None) => "token",
        }
    }

    /// One line saying what the rule catches.
    pub fn title(self) -> &'static str {
        match (self.index(), self.family()) {
            (Some(i), _) => TABLE[i].title,
            (None, Some(f)) => f.title,
            (None, None) => "provider token",
        }
    }

    /// Whether its findings block (a finding may be lower, see [`crate::Finding`]).
    pub fn severity(self) -> Severity {
        self.index().map_or(Severity::Error, |i| TABLE[i].severity)
    }

    /// The general fix.
    pub fn fix(self) -> &'static str {
        match (self.index(), self.family()) {
            (Some(i), _) => TABLE[i].fix,
            (None, Some(f)) => f.fix,
            (None, None) => ROTATE,
        }
    }

    /// The rule with this id.
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::all().into_iter().find(|r| r.id() == id)
    }
}

/// The rule table as Markdown (docs/SCAN-RULES.md is this, and a test keeps it so).
pub fn rules_markdown() -> String {
    let mut s = String::from(
        "# `seal scan` rules\n\n\
         Generated from `sealer-scan/src/rules.rs` and `sealer-scan/src/tokens.rs` by \
         `make scan-rules`; a test fails when this file and the code differ.\n\n\
         Severities: `error` blocks (exit 1); `warning` is shown and does not block; \
         `strict` is shown and blocks only with `--strict` (which also blocks on warnings). \
         A token whose format has a checksum that does not match is reported as a warning; a `sealed-value-malformed` value that is not long base64 (plaintext pasted where a sealed value belongs) is an error.\n\n\
         | id | severity | catches | fix |\n| --- | --- | --- | --- |\n",
    );
    for r in Rule::all() {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            r.id(),
            r.severity().id(),
            r.title().replace('|', "\\|"),
            r.fix().replace('|', "\\|")
        ));
    }
    s
}
