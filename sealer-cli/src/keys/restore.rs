//! `seal keys restore`: the keys of a backup back in the controller's namespace, all of
//! them checked before anything is written.

use std::collections::BTreeMap;
use std::path::Path;

use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::api::{Api, PostParams};
use sealer_core::backup;
use sealer_core::key_secret;
use sealer_core::seal::short_fingerprint;

use super::{KeyView, key_secrets, kube_error, to_secret};
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

pub(super) fn run(ns: &str, file: &Path, passphrase_file: Option<&Path>) -> CliResult {
    let passphrase = passphrase_file.map(read_passphrase).transpose()?;
    let bytes = io::read_file(file, io::Kind::Key)?;
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
            let wanted = to_secret(&key_secret::restored_key_secret(k, ns))?;
            let existing = api
                .get_opt(&k.name)
                .await
                .map_err(|e| kube_error(&format!("reading Secret {}", k.name), ns, &e))?;
            let plan = match existing {
                Some(existing) => match same_key(&existing, &fingerprint) {
                    Ok(()) => merge(existing, &wanted).map_or(Plan::Unchanged, Plan::Update),
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
                    None => Plan::Create(wanted),
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
                    note!("created    {} ({short})", k.name);
                }
                Plan::Update(secret) => {
                    api.replace(&k.name, &PostParams::default(), &secret)
                        .await
                        .map_err(|e| kube_error(&format!("updating Secret {}", k.name), ns, &e))?;
                    counts[1] += 1;
                    note!("updated    {} ({short})", k.name);
                }
                Plan::Unchanged => {
                    counts[2] += 1;
                    note!("unchanged  {} ({short})", k.name);
                }
                Plan::ElsewhereAs(other) => {
                    counts[2] += 1;
                    note!(
                        "unchanged  {} ({short}): already present as Secret {other}",
                        k.name
                    );
                }
            }
        }
        note!(
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

/// `existing` with the labels, annotations and data of `wanted` (the backup's key Secret)
/// merged in, or `None` when that changes nothing (so restoring twice writes nothing).
fn merge(existing: Secret, wanted: &Secret) -> Option<Secret> {
    let mut updated = existing.clone();
    let labels = updated.metadata.labels.get_or_insert_with(BTreeMap::new);
    labels.extend(wanted.metadata.labels.clone().unwrap_or_default());
    let annotations = updated
        .metadata
        .annotations
        .get_or_insert_with(BTreeMap::new);
    annotations.extend(wanted.metadata.annotations.clone().unwrap_or_default());
    updated
        .data
        .get_or_insert_with(BTreeMap::new)
        .extend(wanted.data.clone().unwrap_or_default());
    (updated != existing).then_some(updated)
}

#[cfg(test)]
mod tests {
    use k8s_openapi::ByteString;
    use kube::api::ObjectMeta;
    use sealer_core::keys::generate_key;

    use super::*;

    fn backup_key() -> backup::BackupKey {
        let g = generate_key(2048, 1, 1_800_000_000).unwrap();
        let secret = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": "sealed-secrets-keyabc",
                "namespace": "old",
                "labels": {"sealedsecrets.bitnami.com/sealed-secrets-key": "active"},
            },
            "type": "kubernetes.io/tls",
            "data": {
                "tls.key": base64_of(g.key_pem.as_bytes()),
                "tls.crt": base64_of(g.cert_pem.as_bytes()),
                "extra": base64_of(b"kept"),
            },
        });
        let plain = backup::render_plain(vec![backup::backup_item(&secret, "then")]).unwrap();
        backup::read_backup(plain.as_bytes(), None, "b")
            .unwrap()
            .remove(0)
    }

    fn base64_of(bytes: &[u8]) -> String {
        // The Secret's JSON form, as the API server serves it.
        serde_json::to_value(ByteString(bytes.to_vec()))
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The Secret restore created before it was built in sealer-core, field by field.
    #[test]
    fn a_restored_key_secret_is_exactly_the_backup_s_secret_in_the_new_namespace() {
        let k = backup_key();
        let before = Secret {
            metadata: ObjectMeta {
                name: Some(k.name.clone()),
                namespace: Some("kube-system".to_owned()),
                labels: Some(k.labels.clone()),
                annotations: Some(k.annotations.clone()),
                ..ObjectMeta::default()
            },
            type_: Some(k.type_.clone()),
            data: Some(
                k.data
                    .iter()
                    .map(|(name, v)| (name.clone(), ByteString(v.to_vec())))
                    .collect(),
            ),
            ..Secret::default()
        };
        let now = to_secret(&key_secret::restored_key_secret(&k, "kube-system")).unwrap();
        assert_eq!(now, before);
        assert_eq!(
            serde_json::to_string(&now).unwrap(),
            serde_json::to_string(&before).unwrap()
        );
        assert!(
            merge(now.clone(), &now).is_none(),
            "restoring twice writes nothing"
        );
    }
}
