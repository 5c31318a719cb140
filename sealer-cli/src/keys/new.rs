//! `seal keys new`: a new sealing key (generated, or the user's own) installed so that
//! it seals from now on.

use std::path::Path;

use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, PostParams};
use sealer_core::key_secret;
use sealer_core::keys::{self, KEY_NAME_PREFIX};
use sealer_core::seal::short_fingerprint;
use zeroize::Zeroizing;

use super::{key_secrets, kube_error, rfc3339, sealing_index, to_secret, views_sorted};
use crate::cluster;
use crate::error::{CliError, CliResult, describe};
use crate::io;

pub(super) fn run(
    ns: &str,
    key: Option<&Path>,
    cert: Option<&Path>,
    bits: usize,
    days: u32,
) -> CliResult {
    let now = k8s_openapi::jiff::Timestamp::now().as_second();
    // A key brought by the user is read and checked before the cluster is touched.
    let mut byo_pem = Zeroizing::new(Vec::new());
    let source = key.map(|p| p.display().to_string()).unwrap_or_default();
    let imported = match key {
        Some(path) => {
            let key_pem = io::read_file(path, io::Kind::Key)?;
            byo_pem.extend_from_slice(&key_pem);
            let cert_pem = cert
                .map(|c| {
                    let bytes = io::read_file(c, io::Kind::Certificate)?;
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
                note!("generating a {bits}-bit key...");
                tokio::task::spawn_blocking(move || keys::generate_key(bits, days, start))
                    .await
                    .map_err(|e| CliError::Internal(format!("key generation: {e}")))??
            }
        };
        let secret = to_secret(&key_secret::new_key_secret(KEY_NAME_PREFIX, ns, &made))?;
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
        note!(
            "installed {name} ({fingerprint}) in namespace {ns}: it seals new values from now on (the controller picks it up without a restart); back it up: seal keys backup -o FILE --passphrase-file F"
        );
        io::write_output(None, format!("{name}\n").as_bytes(), None)
    })
}

#[cfg(test)]
mod tests {
    use k8s_openapi::ByteString;
    use kube::api::ObjectMeta;
    use sealer_core::keys::{KEY_LABEL, KEY_LABEL_ACTIVE};

    use super::*;

    /// The Secret `seal keys new` created before it was built in sealer-core.
    #[test]
    fn a_new_key_secret_is_the_one_seal_keys_new_always_wrote() {
        let made = keys::generate_key(2048, 1, 1_800_000_000).unwrap();
        let before = Secret {
            metadata: ObjectMeta {
                generate_name: Some(KEY_NAME_PREFIX.to_owned()),
                namespace: Some("kube-system".to_owned()),
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
        let now = to_secret(&key_secret::new_key_secret(
            KEY_NAME_PREFIX,
            "kube-system",
            &made,
        ))
        .unwrap();
        assert_eq!(now, before);
        assert_eq!(
            serde_json::to_string(&now).unwrap(),
            serde_json::to_string(&before).unwrap()
        );
    }
}
