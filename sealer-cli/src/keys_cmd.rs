//! `seal keys`: list, back up, restore and install the controller's sealing keys, through
//! the API server of the user's kubeconfig. Decisions (ordering, backup format) are
//! sealer-core's; this module only reads and writes key Secrets.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::api::{Api, ListParams, ObjectMeta, Patch, PatchParams, PostParams};
use sealer_core::backup::{self, BACKED_UP_AT_ANNOTATION, KdfParams};
use sealer_core::keys::{
    self, KEY_LABEL, KEY_LABEL_ACTIVE, KEY_NAME_PREFIX, key_from_secret_data, newest_first,
    ordering_time,
};
use sealer_core::seal::short_fingerprint;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::args::ControllerArgs;
use crate::cluster;
use crate::error::{CliError, CliResult, describe};
use crate::io;

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

fn parse_bits(s: &str) -> Result<usize, String> {
    match s {
        "2048" | "3072" | "4096" | "8192" => s.parse().map_err(|_| "not a number".to_owned()),
        _ => Err("use 2048, 3072, 4096 or 8192".into()),
    }
}

/// Output of `seal keys list`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ListFormat {
    Text,
    Json,
}

/// Runs a `seal keys` command.
pub fn cmd_keys(a: &KeysArgs) -> CliResult {
    match &a.command {
        KeysCommand::List { controller, output } => list(&controller.controller_namespace, *output),
        KeysCommand::Backup {
            controller,
            output,
            passphrase_file,
        } => backup_cmd(
            &controller.controller_namespace,
            output,
            passphrase_file.as_deref(),
        ),
        KeysCommand::Restore {
            file,
            controller,
            passphrase_file,
        } => restore(
            &controller.controller_namespace,
            file,
            passphrase_file.as_deref(),
        ),
        KeysCommand::New {
            controller,
            key,
            cert,
            bits,
            days,
        } => new_key(
            &controller.controller_namespace,
            key.as_deref(),
            cert.as_deref(),
            *bits,
            *days,
        ),
    }
}

/// Reads a passphrase file: its bytes without the trailing line break; empty is an error.
pub fn read_passphrase(path: &Path) -> CliResult<Zeroizing<Vec<u8>>> {
    let mut bytes = io::read_file(path)?;
    while matches!(bytes.last(), Some(b'\n' | b'\r')) {
        bytes.pop();
    }
    if bytes.is_empty() {
        return Err(CliError::Input(format!(
            "passphrase file {} is empty: write the passphrase into it",
            path.display()
        )));
    }
    Ok(bytes)
}

fn kube_error(what: &str, ns: &str, e: &kube::Error) -> CliError {
    match e {
        kube::Error::Api(s) if s.code == 403 => CliError::Input(format!(
            "{what} in namespace {ns}: permission denied ({}): your kubeconfig's user needs get, list, create and update on Secrets there",
            s.message
        )),
        kube::Error::Api(s) if s.code == 404 => CliError::Input(format!(
            "{what} in namespace {ns}: not found ({}): check --controller-namespace",
            s.message
        )),
        other => CliError::Input(format!("{what} in namespace {ns}: {other}")),
    }
}

fn now_rfc3339() -> String {
    let now = k8s_openapi::jiff::Timestamp::now().as_second();
    k8s_openapi::jiff::Timestamp::from_second(now)
        .unwrap_or(k8s_openapi::jiff::Timestamp::UNIX_EPOCH)
        .to_string()
}

fn rfc3339(unix: i64) -> String {
    k8s_openapi::jiff::Timestamp::from_second(unix)
        .map_or_else(|_| format!("@{unix}"), |t| t.to_string())
}

async fn key_secrets(client: &kube::Client, ns: &str) -> CliResult<Vec<Secret>> {
    Api::<Secret>::namespaced(client.clone(), ns)
        .list(&ListParams::default().labels(KEY_LABEL))
        .await
        .map(|l| l.items)
        .map_err(|e| kube_error("listing key Secrets", ns, &e))
}

/// What `seal keys list` shows about one key Secret.
struct KeyView {
    name: String,
    fingerprint: Option<String>,
    created: Option<i64>,
    not_before: Option<i64>,
    active: bool,
    backed_up_at: Option<String>,
    error: Option<String>,
}

impl KeyView {
    fn of(secret: &Secret) -> Self {
        let name = secret.metadata.name.clone().unwrap_or_default();
        let data = secret.data.as_ref();
        let loaded = match data.and_then(|d| d.get("tls.key")) {
            None => Err(format!("Secret `{name}` has no tls.key")),
            Some(k) => key_from_secret_data(
                &name,
                &k.0,
                data.and_then(|d| d.get("tls.crt")).map(|c| c.0.as_slice()),
            )
            .map_err(|e| describe(&e)),
        };
        let labels = secret.metadata.labels.as_ref();
        let (fingerprint, not_before, error) = match loaded {
            Ok(key) => (Some(key.fingerprint()), key.cert_not_before(), None),
            Err(e) => (None, None, Some(e)),
        };
        Self {
            active: labels.and_then(|l| l.get(KEY_LABEL)).map(String::as_str)
                == Some(KEY_LABEL_ACTIVE),
            created: secret
                .metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.as_second()),
            backed_up_at: secret
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(BACKED_UP_AT_ANNOTATION))
                .cloned(),
            name,
            fingerprint,
            not_before,
            error,
        }
    }

    fn ordering(&self) -> i64 {
        ordering_time(self.not_before, self.created)
    }

    fn state(&self) -> &'static str {
        match (&self.error, self.active) {
            (Some(_), _) => "invalid",
            (None, true) => "active",
            (None, false) => "retired",
        }
    }
}

/// Index of the key that seals new values: the newest valid active key, by the rule
/// the controller uses.
fn sealing_index(views: &[KeyView]) -> Option<usize> {
    views
        .iter()
        .enumerate()
        .filter(|(_, v)| v.active && v.error.is_none())
        .min_by(|(_, a), (_, b)| newest_first((a.ordering(), &a.name), (b.ordering(), &b.name)))
        .map(|(i, _)| i)
}

fn views_sorted(secrets: &[Secret]) -> Vec<KeyView> {
    let mut views: Vec<KeyView> = secrets.iter().map(KeyView::of).collect();
    views.sort_by(|a, b| newest_first((a.ordering(), &a.name), (b.ordering(), &b.name)));
    views
}

fn list(ns: &str, format: ListFormat) -> CliResult {
    let secrets = cluster::block_on(async {
        let client = cluster::client().await?;
        key_secrets(&client, ns).await
    })?;
    let views = views_sorted(&secrets);
    let sealing = sealing_index(&views);
    let out = match format {
        ListFormat::Json => {
            let keys: Vec<Value> = views
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    json!({
                        "name": v.name,
                        "fingerprint": v.fingerprint.as_deref().map(short_fingerprint),
                        "created": v.created.map(rfc3339),
                        "notBefore": v.not_before.map(rfc3339),
                        "state": v.state(),
                        "sealsNewValues": sealing == Some(i),
                        "backedUpAt": v.backed_up_at,
                        "error": v.error,
                    })
                })
                .collect();
            let doc = json!({"namespace": ns, "keys": keys});
            let mut text = serde_json::to_string_pretty(&doc)
                .map_err(|e| CliError::Internal(format!("rendering JSON: {e}")))?;
            text.push('\n');
            text
        }
        ListFormat::Text => render_table(ns, &views, sealing),
    };
    io::write_output(None, out.as_bytes(), None)
}

fn render_table(ns: &str, views: &[KeyView], sealing: Option<usize>) -> String {
    if views.is_empty() {
        return format!(
            "no sealing keys in namespace {ns} (Secrets labelled {KEY_LABEL}); check --controller-namespace\n"
        );
    }
    let mut rows = vec![[
        "NAME".to_owned(),
        "FINGERPRINT".to_owned(),
        "CREATED".to_owned(),
        "STATE".to_owned(),
        "SEALS".to_owned(),
        "BACKED UP".to_owned(),
    ]];
    for (i, v) in views.iter().enumerate() {
        rows.push([
            v.name.clone(),
            v.fingerprint
                .as_deref()
                .map_or_else(|| "-".to_owned(), short_fingerprint),
            v.created.map_or_else(|| "-".to_owned(), rfc3339),
            v.state().to_owned(),
            if sealing == Some(i) { "yes" } else { "no" }.to_owned(),
            v.backed_up_at.clone().unwrap_or_else(|| "never".to_owned()),
        ]);
    }
    let mut widths = [0usize; 6];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    for v in views {
        if let Some(e) = &v.error {
            out.push_str(&format!("invalid: {e}\n"));
        }
    }
    out
}

fn backup_cmd(ns: &str, output: &Path, passphrase_file: Option<&Path>) -> CliResult {
    // Local input first: a bad passphrase file must fail before the cluster is touched.
    let passphrase = passphrase_file.map(read_passphrase).transpose()?;
    let stamp = now_rfc3339();
    cluster::block_on(async {
        let client = cluster::client().await?;
        let secrets = key_secrets(&client, ns).await?;
        if secrets.is_empty() {
            return Err(CliError::Input(format!(
                "no sealing keys in namespace {ns} (Secrets labelled {KEY_LABEL}): nothing to back up; check --controller-namespace"
            )));
        }
        let mut items = Vec::with_capacity(secrets.len());
        for s in &secrets {
            let value = serde_json::to_value(s)
                .map_err(|e| CliError::Internal(format!("encoding a Secret: {e}")))?;
            let mut value = value;
            items.push(backup::backup_item(&value, &stamp));
            sealer_core::manifest::wipe(&mut value);
        }
        let plain = backup::render_plain(items)?;
        // The backup must restore: read it back with the same code `restore` uses.
        let keys = backup::read_backup(plain.as_bytes(), None, "the backup").map_err(|e| {
            CliError::Input(format!(
                "cannot back up namespace {ns}: {}; fix or unlabel that Secret, then back up again",
                describe(&e)
            ))
        })?;
        let bytes: Zeroizing<Vec<u8>> = match &passphrase {
            Some(p) => Zeroizing::new(
                backup::encrypt(plain.as_bytes(), p, KdfParams::default())?.into_bytes(),
            ),
            None => Zeroizing::new(plain.as_bytes().to_vec()),
        };
        io::write_atomic(output, &bytes, Some(0o600))?;
        let api = Api::<Secret>::namespaced(client.clone(), ns);
        let patch = json!({"metadata": {"annotations": {BACKED_UP_AT_ANNOTATION: stamp}}});
        for k in &keys {
            api.patch(&k.name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
                .map_err(|e| {
                    kube_error(
                        &format!(
                            "the backup was written to {}, but recording it on Secret {}",
                            output.display(),
                            k.name
                        ),
                        ns,
                        &e,
                    )
                })?;
        }
        let active = secrets
            .iter()
            .filter(|s| {
                s.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(KEY_LABEL))
                    .map(String::as_str)
                    == Some(KEY_LABEL_ACTIVE)
            })
            .count();
        let form = if passphrase.is_some() {
            "encrypted"
        } else {
            "plain: it holds the private keys in the clear; keep it out of git"
        };
        eprintln!(
            "backed up {} key(s) ({active} active, {} retired) from namespace {ns} to {} ({form})",
            keys.len(),
            keys.len() - active.min(keys.len()),
            output.display()
        );
        Ok(())
    })
}

/// What restore does with one key of the backup.
enum Plan {
    Create(Secret),
    Update(Secret),
    Unchanged,
    ElsewhereAs(String),
}

fn data_of(k: &backup::BackupKey) -> BTreeMap<String, ByteString> {
    k.data
        .iter()
        .map(|(name, v)| (name.clone(), ByteString(v.to_vec())))
        .collect()
}

fn restore(ns: &str, file: &Path, passphrase_file: Option<&Path>) -> CliResult {
    let passphrase = passphrase_file.map(read_passphrase).transpose()?;
    let bytes = io::read_file(file)?;
    let source = file.display().to_string();
    if backup::is_encrypted(&bytes) && passphrase.is_none() {
        return Err(CliError::Input(format!(
            "{source} is an encrypted key backup: pass --passphrase-file FILE"
        )));
    }
    // The whole backup is validated before anything is written.
    let keys = backup::read_backup(&bytes, passphrase.as_ref().map(|p| p.as_slice()), &source)?;
    cluster::block_on(async {
        let client = cluster::client().await?;
        Api::<Namespace>::all(client.clone())
            .get_opt(ns)
            .await
            .map_err(|e| kube_error("checking the namespace", ns, &e))?
            .ok_or_else(|| {
                CliError::Input(format!(
                    "namespace {ns} does not exist: create it first (kubectl create namespace {ns}) or pass --controller-namespace"
                ))
            })?;
        let api = Api::<Secret>::namespaced(client.clone(), ns);
        let present: Vec<KeyView> = key_secrets(&client, ns)
            .await?
            .iter()
            .map(KeyView::of)
            .collect();
        let mut plans = Vec::new();
        let mut conflicts = Vec::new();
        for k in &keys {
            let fingerprint = k.key.fingerprint();
            let existing = api
                .get_opt(&k.name)
                .await
                .map_err(|e| kube_error(&format!("reading Secret {}", k.name), ns, &e))?;
            let plan = match existing {
                Some(existing) => match same_key(&existing, &fingerprint) {
                    Ok(()) => merge(existing, k).map_or(Plan::Unchanged, Plan::Update),
                    Err(why) => {
                        conflicts.push(why);
                        continue;
                    }
                },
                None => match present
                    .iter()
                    .find(|v| v.fingerprint.as_deref() == Some(fingerprint.as_str()))
                {
                    Some(other) => Plan::ElsewhereAs(other.name.clone()),
                    None => Plan::Create(Secret {
                        metadata: ObjectMeta {
                            name: Some(k.name.clone()),
                            namespace: Some(ns.to_owned()),
                            labels: Some(k.labels.clone()),
                            annotations: Some(k.annotations.clone()),
                            ..ObjectMeta::default()
                        },
                        type_: Some(k.type_.clone()),
                        data: Some(data_of(k)),
                        ..Secret::default()
                    }),
                },
            };
            plans.push((k, fingerprint, plan));
        }
        if !conflicts.is_empty() {
            return Err(CliError::Input(format!(
                "nothing restored: {}",
                conflicts.join("; ")
            )));
        }
        let mut counts = [0usize; 3];
        for (k, fingerprint, plan) in plans {
            let short = short_fingerprint(&fingerprint);
            match plan {
                Plan::Create(secret) => {
                    api.create(&PostParams::default(), &secret)
                        .await
                        .map_err(|e| kube_error(&format!("creating Secret {}", k.name), ns, &e))?;
                    counts[0] += 1;
                    eprintln!("created    {} ({short})", k.name);
                }
                Plan::Update(secret) => {
                    api.replace(&k.name, &PostParams::default(), &secret)
                        .await
                        .map_err(|e| kube_error(&format!("updating Secret {}", k.name), ns, &e))?;
                    counts[1] += 1;
                    eprintln!("updated    {} ({short})", k.name);
                }
                Plan::Unchanged => {
                    counts[2] += 1;
                    eprintln!("unchanged  {} ({short})", k.name);
                }
                Plan::ElsewhereAs(other) => {
                    counts[2] += 1;
                    eprintln!(
                        "unchanged  {} ({short}): already present as Secret {other}",
                        k.name
                    );
                }
            }
        }
        eprintln!(
            "restored {} key(s) into namespace {ns}: {} created, {} updated, {} unchanged; a running controller picks them up without a restart",
            keys.len(),
            counts[0],
            counts[1],
            counts[2]
        );
        Ok(())
    })
}

/// Whether `existing` (a Secret of the backup key's name) holds the key `fingerprint`.
fn same_key(existing: &Secret, fingerprint: &str) -> Result<(), String> {
    let view = KeyView::of(existing);
    match view.fingerprint {
        Some(f) if f == fingerprint => Ok(()),
        Some(f) => Err(format!(
            "Secret {} already exists with a different key ({} there, {} in the backup): refusing to overwrite it; delete or rename it first if the backup's key is the one you want",
            view.name,
            short_fingerprint(&f),
            short_fingerprint(fingerprint)
        )),
        None => Err(format!(
            "Secret {} already exists and is not a sealing key ({}): refusing to overwrite it",
            view.name,
            view.error.unwrap_or_default()
        )),
    }
}

/// `existing` with the backup's labels, annotations and data merged in, or `None` when
/// that changes nothing (so restoring twice writes nothing).
fn merge(existing: Secret, k: &backup::BackupKey) -> Option<Secret> {
    let mut updated = existing.clone();
    let labels = updated.metadata.labels.get_or_insert_with(BTreeMap::new);
    labels.extend(k.labels.clone());
    let annotations = updated
        .metadata
        .annotations
        .get_or_insert_with(BTreeMap::new);
    annotations.extend(k.annotations.clone());
    updated
        .data
        .get_or_insert_with(BTreeMap::new)
        .extend(data_of(k));
    (updated != existing).then_some(updated)
}

fn new_key(ns: &str, key: Option<&Path>, cert: Option<&Path>, bits: usize, days: u32) -> CliResult {
    let now = k8s_openapi::jiff::Timestamp::now().as_second();
    // A key brought by the user is read and checked before the cluster is touched.
    let mut byo_pem = Zeroizing::new(Vec::new());
    let source = key.map(|p| p.display().to_string()).unwrap_or_default();
    let imported = match key {
        Some(path) => {
            let key_pem = io::read_file(path)?;
            byo_pem.extend_from_slice(&key_pem);
            let cert_pem = cert
                .map(|c| {
                    let bytes = io::read_file(c)?;
                    String::from_utf8(bytes.to_vec()).map_err(|_| {
                        CliError::Input(format!("{}: not a PEM certificate", c.display()))
                    })
                })
                .transpose()?;
            let k = keys::import_key(&key_pem, cert_pem.as_deref(), days, now, &source).map_err(
                |e| match cert {
                    Some(c) => {
                        CliError::Input(format!("{} and {}: {}", source, c.display(), describe(&e)))
                    }
                    None => CliError::from(e),
                },
            )?;
            Some(k)
        }
        None => None,
    };
    cluster::block_on(async {
        let client = cluster::client().await?;
        let views = views_sorted(&key_secrets(&client, ns).await?);
        let newest = sealing_index(&views).map(|i| &views[i]);
        if let Some(k) = &imported {
            let fingerprint = k.key.fingerprint();
            if let Some(v) = views
                .iter()
                .find(|v| v.fingerprint.as_deref() == Some(fingerprint.as_str()))
            {
                return Err(CliError::Input(format!(
                    "this key ({}) is already installed as Secret {} in namespace {ns}",
                    short_fingerprint(&fingerprint),
                    v.name
                )));
            }
        }
        let given_cert_start = imported
            .as_ref()
            .filter(|_| cert.is_some())
            .and_then(|k| k.key.cert_not_before());
        if let (Some(start), Some(newest)) = (given_cert_start, newest)
            && start <= newest.ordering()
        {
            return Err(CliError::Input(format!(
                "the certificate's NotBefore ({}) is not later than that of the newest key, {} ({}): the controller seals with the key whose certificate starts last, so this key would never seal; omit --cert to give the key a fresh certificate",
                rfc3339(start),
                newest.name,
                rfc3339(newest.ordering())
            )));
        }
        // A fresh certificate starts now; it must start after the newest key's.
        let mut start = now;
        if given_cert_start.is_none()
            && let Some(newest) = newest
            && newest.ordering() >= start
        {
            let wait = newest.ordering() - start + 1;
            if wait > 5 {
                return Err(CliError::Input(format!(
                    "the newest key, {}, starts at {}, in the future (clock skew?): a key made now would not seal; fix the clock or retire that key",
                    newest.name,
                    rfc3339(newest.ordering())
                )));
            }
            tokio::time::sleep(std::time::Duration::from_secs(wait.unsigned_abs())).await;
            start += wait;
        }
        let made = match imported {
            Some(k) if cert.is_some() || start == now => k,
            // It had to wait for the newest key's start: certify it again, later.
            Some(_) => keys::import_key(&byo_pem, None, days, start, &source)?,
            None => {
                eprintln!("generating a {bits}-bit key...");
                tokio::task::spawn_blocking(move || keys::generate_key(bits, days, start))
                    .await
                    .map_err(|e| CliError::Internal(format!("key generation: {e}")))??
            }
        };
        let secret = Secret {
            metadata: ObjectMeta {
                generate_name: Some(KEY_NAME_PREFIX.to_owned()),
                namespace: Some(ns.to_owned()),
                labels: Some([(KEY_LABEL.to_owned(), KEY_LABEL_ACTIVE.to_owned())].into()),
                ..ObjectMeta::default()
            },
            type_: Some("kubernetes.io/tls".to_owned()),
            data: Some(
                [
                    (
                        "tls.key".to_owned(),
                        ByteString(made.key_pem.as_bytes().to_vec()),
                    ),
                    (
                        "tls.crt".to_owned(),
                        ByteString(made.cert_pem.as_bytes().to_vec()),
                    ),
                ]
                .into(),
            ),
            ..Secret::default()
        };
        let api = Api::<Secret>::namespaced(client.clone(), ns);
        let created = api
            .create(&PostParams::default(), &secret)
            .await
            .map_err(|e| kube_error("creating the key Secret", ns, &e))?;
        let name = created.metadata.name.unwrap_or_default();
        // Confirm by the shared rule that the new key is the one that seals.
        let views = views_sorted(&key_secrets(&client, ns).await?);
        let sealer = sealing_index(&views).map(|i| views[i].name.clone());
        let fingerprint = short_fingerprint(&made.key.fingerprint());
        if sealer.as_deref() != Some(name.as_str()) {
            return Err(CliError::Input(format!(
                "installed {name} ({fingerprint}) in namespace {ns}, but {} still seals new values",
                sealer.unwrap_or_default()
            )));
        }
        eprintln!(
            "installed {name} ({fingerprint}) in namespace {ns}: it seals new values from now on (the controller picks it up without a restart); back it up: seal keys backup -o FILE --passphrase-file F"
        );
        io::write_output(None, format!("{name}\n").as_bytes(), None)
    })
}
