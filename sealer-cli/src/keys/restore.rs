//! `seal keys restore`: the keys of a backup back in the controller's namespace, all of
//! them checked before anything is written.

use std::collections::BTreeMap;
use std::path::Path;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::api::{Api, ObjectMeta, PostParams};
use sealer_core::backup;
use sealer_core::seal::short_fingerprint;

use super::{KeyView, key_secrets, kube_error};
use crate::cluster;
use crate::error::{CliError, CliResult};
use crate::io::{self, read_passphrase};

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

pub(super) fn run(ns: &str, file: &Path, passphrase_file: Option<&Path>) -> CliResult {
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
