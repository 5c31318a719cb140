//! Command-line flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use sealer_core::Scope;

/// Turn Kubernetes Secrets into SealedSecrets that are safe to commit.
///
/// With no subcommand, seals every Secret read from stdin (or -f) into a SealedSecret
/// (Bitnami Sealed Secrets compatible) and prints it.
#[derive(Debug, Parser)]
#[command(name = "seal", version, args_conflicts_with_subcommands = true)]
#[command(
    after_help = "Exit codes: 0 ok, 1 validation failed, 2 usage or input error, 3 internal error."
)]
pub struct Cli {
    /// Largest manifest (or raw value) read from a file or stdin: a number of bytes, or
    /// with a unit (KiB, MiB, GiB). Certificates, passphrases and .sealer.yaml are
    /// limited to 1 MiB and key files to 16 MiB, whatever this says.
    #[arg(
        long,
        global = true,
        value_name = "SIZE",
        default_value = "64MiB",
        value_parser = parse_size
    )]
    pub max_input_size: u64,
    #[command(flatten)]
    pub seal: SealArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the input comes from and the output goes.
#[derive(Debug, Args, Clone)]
pub struct IoArgs {
    /// Read from FILE instead of stdin.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(short = 'w', long = "output-file", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The certificate to seal with.
#[derive(Debug, Args, Clone)]
pub struct CertArgs {
    /// Certificate (or public key) PEM to seal with: a file or an http(s) URL. Default:
    /// fetched from the controller through the cluster's API server.
    #[arg(long, value_name = "FILE|URL", env = "SEALER_CERT")]
    pub cert: Option<String>,
    #[command(flatten)]
    pub controller: ControllerArgs,
}

/// Where the controller runs, for commands that talk to it through the API server.
#[derive(Debug, Args, Clone)]
pub struct ControllerArgs {
    /// Namespace of the controller's Service.
    #[arg(
        long,
        env = "SEALER_CONTROLLER_NAMESPACE",
        default_value = "kube-system"
    )]
    pub controller_namespace: String,
    /// Name of the controller's Service.
    #[arg(
        long,
        env = "SEALER_CONTROLLER_NAME",
        default_value = "sealed-secrets-controller"
    )]
    pub controller_name: String,
}

impl ControllerArgs {
    /// The controller these flags name.
    pub fn controller(&self) -> crate::cluster::Controller {
        crate::cluster::Controller {
            namespace: self.controller_namespace.clone(),
            name: self.controller_name.clone(),
        }
    }
}

/// Output format of manifests.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    Yaml,
    Json,
}

/// Flags of the default command (seal Secrets).
#[derive(Debug, Args, Clone)]
pub struct SealArgs {
    #[command(flatten)]
    pub io: IoArgs,
    #[command(flatten)]
    pub cert: CertArgs,
    /// Scope: strict (name and namespace), namespace-wide, or cluster-wide. Default: the
    /// Secret's scope annotations, else strict.
    #[arg(long, value_parser = parse_scope)]
    pub scope: Option<Scope>,
    /// Namespace for Secrets that have none.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// Name for a Secret that has none.
    #[arg(long)]
    pub name: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "format", value_enum, default_value = "yaml")]
    pub format: OutputFormat,
    /// Seal a Secret that has no values instead of refusing it.
    #[arg(long)]
    pub allow_empty_data: bool,
}

fn parse_bits(s: &str) -> Result<usize, String> {
    match s {
        "2048" | "3072" | "4096" | "8192" => s.parse().map_err(|_| "not a number".to_owned()),
        _ => Err("use 2048, 3072, 4096 or 8192".into()),
    }
}

/// A size in bytes: `1048576`, `512KiB`, `64MiB`, `1GiB` (a unit of K, M or G is read
/// as KiB, MiB or GiB).
fn parse_size(s: &str) -> Result<u64, String> {
    let bad = || "expected a size such as 64MiB, 512KiB or 1048576 (bytes), at least 1".to_owned();
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(digits);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let shift = match unit.trim_start() {
        "" | "B" => 0,
        "K" | "KiB" => 10,
        "M" | "MiB" => 20,
        "G" | "GiB" => 30,
        _ => return Err(bad()),
    };
    number
        .checked_mul(1 << shift)
        .filter(|n| *n > 0)
        .ok_or_else(bad)
}

fn parse_scope(s: &str) -> Result<Scope, String> {
    s.parse()
}

/// Private keys for offline operations.
#[derive(Debug, Args, Clone)]
pub struct KeyArgs {
    /// Private key file: PEM (PKCS#1 or PKCS#8), or key Secrets / a List as printed by
    /// `kubectl get secret -l sealedsecrets.bitnami.com/sealed-secrets-key -o yaml`.
    /// Repeat for several files.
    #[arg(long = "key", value_name = "FILE", required = true)]
    pub keys: Vec<PathBuf>,
    /// Passphrase (in FILE) of an encrypted key backup given to --key.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

/// Private keys for offline checks; without any, the controller is asked.
#[derive(Debug, Args, Clone)]
pub struct OptionalKeyArgs {
    /// Private key file (as for `unseal`); repeat for several. Without --key, the
    /// controller is asked through the cluster's API server.
    #[arg(long = "key", value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// Passphrase (in FILE) of an encrypted key backup given to --key.
    #[arg(long, value_name = "FILE", requires = "keys")]
    pub passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch the controller's certificate through the cluster's API server.
    FetchCert {
        #[command(flatten)]
        controller: ControllerArgs,
        /// Write to FILE (atomically) instead of stdout.
        #[arg(short = 'w', long = "output-file", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Seal one value, for hand-assembled manifests; prints its base64.
    Raw(RawArgs),
    /// Seal the input Secret's values into an existing SealedSecret file, in place.
    MergeInto(MergeArgs),
    /// Offline recovery: decrypt SealedSecrets with private keys and print the Secrets.
    Unseal(UnsealArgs),
    /// Re-seal SealedSecrets for a new certificate, keeping scope and template.
    Reencrypt(ReencryptArgs),
    /// Check that every value of the SealedSecrets opens with the given keys.
    Validate(ValidateArgs),
    /// Generate a sealing key and certificate in the controller's format.
    Keygen(KeygenArgs),
    /// The controller's sealing keys: list, backup, restore, new.
    Keys(KeysArgs),
    /// Find plaintext secrets (the commit gate): staged files, given paths, the tree, or
    /// the commits of a range.
    Scan(crate::scan::ScanArgs),
    /// Install the commit gate as a git hook.
    Hook(crate::scan::HookArgs),
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct RawArgs {
    #[command(flatten)]
    pub cert: CertArgs,
    /// Scope of the value.
    #[arg(long, value_parser = parse_scope, default_value = "strict")]
    pub scope: Scope,
    /// Namespace the value is bound to (strict and namespace-wide).
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// Name the value is bound to (strict).
    #[arg(long)]
    pub name: Option<String>,
    /// Read the value from FILE (byte for byte) instead of stdin.
    #[arg(long, value_name = "FILE")]
    pub from_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The SealedSecret file to update (YAML or JSON; its format is kept).
    pub target: PathBuf,
    /// Read the Secret from FILE instead of stdin.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub cert: CertArgs,
}

#[derive(Debug, Args)]
pub struct UnsealArgs {
    #[command(flatten)]
    pub io: IoArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// Namespace for SealedSecrets that have none.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "format", value_enum, default_value = "yaml")]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ReencryptArgs {
    #[command(flatten)]
    pub io: IoArgs,
    /// Re-seal, in place, every SealedSecret file (.yaml, .yml, .json) under DIR; files
    /// holding anything else are skipped and reported.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["file", "output", "format"])]
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub keys: OptionalKeyArgs,
    #[command(flatten)]
    pub cert: CertArgs,
    /// Namespace for SealedSecrets that have none.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// Output format (default: the input's).
    #[arg(short = 'o', long = "format", value_enum)]
    pub format: Option<OutputFormat>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Read from FILE instead of stdin.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub keys: OptionalKeyArgs,
    #[command(flatten)]
    pub controller: ControllerArgs,
    /// Namespace for SealedSecrets that have none.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Where to write the private key (PKCS#1 PEM, mode 0600).
    #[arg(long, value_name = "FILE")]
    pub key_out: PathBuf,
    /// Where to write the certificate (PEM).
    #[arg(long, value_name = "FILE")]
    pub cert_out: PathBuf,
    /// Key size in bits.
    #[arg(long, default_value_t = 4096, value_parser = parse_bits)]
    pub bits: usize,
    /// Certificate validity in days.
    #[arg(long, default_value_t = 3650, value_parser = clap::value_parser!(u32).range(1..=36500))]
    pub days: u32,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

/// Manage the controller's sealing keys (list, backup, restore, new).
#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub command: KeysCommand,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List every sealing key Secret: fingerprint, age, state, which one seals, backups.
    List {
        #[command(flatten)]
        controller: ControllerArgs,
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
        output: ListFormat,
    },
    /// Write every key (active and retired) to one file, and record the backup on them.
    Backup {
        #[command(flatten)]
        controller: ControllerArgs,
        /// The backup file (written atomically, mode 0600).
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
        /// Encrypt the backup with the passphrase in FILE (Argon2id + AES-256-GCM).
        /// Without it the backup is a plain `List` of key Secrets.
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
    },
    /// Put the keys of a backup (either form) back in the controller's namespace.
    Restore {
        /// The backup file.
        file: PathBuf,
        #[command(flatten)]
        controller: ControllerArgs,
        /// The passphrase of an encrypted backup, in FILE.
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
    },
    /// Install a new sealing key now (generated, or yours with --key); it seals from now on.
    New {
        #[command(flatten)]
        controller: ControllerArgs,
        /// Your own private key (PEM, PKCS#1 or PKCS#8) instead of a generated one.
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        /// The certificate of --key (PEM). Without it a fresh self-signed certificate is
        /// made, valid from now, so the key becomes the newest.
        #[arg(long, value_name = "FILE", requires = "key")]
        cert: Option<PathBuf>,
        /// Size of a generated key.
        #[arg(long, default_value_t = 4096, value_parser = parse_bits, conflicts_with = "key")]
        bits: usize,
        /// Validity of a generated certificate, in days.
        #[arg(long, default_value_t = 3650, value_parser = clap::value_parser!(u32).range(1..=36500))]
        days: u32,
    },
}

/// Output of `seal keys list`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ListFormat {
    Text,
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_bytes_or_binary_units() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("512KiB"), Ok(512 << 10));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("64 M"), Ok(64 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        for bad in [
            "",
            "0",
            "MiB",
            "12TB",
            "-1",
            "99999999999999999999",
            "18446744073709551615G",
        ] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
