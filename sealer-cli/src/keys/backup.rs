//! `seal keys backup`: every key to one file (plain or passphrase-encrypted), and the
//! backup recorded on each key Secret.

use std::path::Path;

use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, Patch, PatchParams};
use sealer_core::backup::{self, BACKED_UP_AT_ANNOTATION, KdfParams};
use sealer_core::key_secret;
use sealer_core::keys::KEY_LABEL;
use serde_json::json;
use zeroize::Zeroizing;

use super::{key_secrets, kube_error, now_rfc3339};
use crate::cluster;
use crate::error::{CliError, CliResult, describe};
use crate::io::{self, read_passphrase};

pub(super) fn run(ns: &str, output: &Path, passphrase_file: Option<&Path>) -> CliResult {
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
            .filter(|s| key_secret::is_active(s.metadata.labels.as_ref()))
            .count();
        let form = if passphrase.is_some() {
            "encrypted"
        } else {
            "plain: it holds the private keys in the clear; keep it out of git"
        };
        note!(
            "backed up {} key(s) ({active} active, {} retired) from namespace {ns} to {} ({form})",
            keys.len(),
            keys.len() - active.min(keys.len()),
            output.display()
        );
        Ok(())
    })
}
