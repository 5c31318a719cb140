//! `seal keys`: list, back up, restore and install the controller's sealing keys, through
//! the API server of the user's kubeconfig. Decisions (ordering, backup format) are
//! sealer-core's; this module only reads and writes key Secrets.
//!
//! One file per command; this one holds what they share: how key Secrets are listed and
//! read, and how API errors are told.

mod backup;
mod list;
mod new;
mod restore;

use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::serde::Deserialize;
use kube::api::{Api, ListParams};
use sealer_core::key_secret::{KeySecretError, KeySecretFields, KeySecretJson};
use sealer_core::keys::{KEY_LABEL, newest_first, ordering_time};

use crate::args::{KeysArgs, KeysCommand};
use crate::error::{CliError, CliResult, describe};

/// Runs a `seal keys` command.
pub fn cmd_keys(a: &KeysArgs) -> CliResult {
    match &a.command {
        KeysCommand::List { controller, output } => {
            list::run(&controller.controller_namespace, *output)
        }
        KeysCommand::Backup {
            controller,
            output,
            passphrase_file,
        } => backup::run(
            &controller.controller_namespace,
            output,
            passphrase_file.as_deref(),
        ),
        KeysCommand::Restore {
            file,
            controller,
            passphrase_file,
        } => restore::run(
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
        } => new::run(
            &controller.controller_namespace,
            key.as_deref(),
            cert.as_deref(),
            *bits,
            *days,
        ),
    }
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

/// The Secret object of a key Secret built by sealer-core.
fn to_secret(json: &KeySecretJson) -> CliResult<Secret> {
    Secret::deserialize(json.as_json())
        .map_err(|e| CliError::Internal(format!("building a key Secret: {e}")))
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
        let read = KeySecretFields::from(secret).read();
        let (fingerprint, error) = match &read.key {
            Ok(key) => (Some(key.fingerprint()), None),
            Err(KeySecretError::Key(e)) => (None, Some(describe(e))),
            Err(e) => (None, Some(e.to_string())),
        };
        Self {
            name: read.name,
            fingerprint,
            created: read.created,
            not_before: read.not_before,
            active: read.active,
            backed_up_at: read.backed_up_at,
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

#[cfg(test)]
mod tests {
    use k8s_openapi::ByteString;
    use kube::api::ObjectMeta;
    use sealer_core::keys::KEY_LABEL_ACTIVE;

    use super::*;

    fn secret(name: &str, data: &[(&str, &[u8])]) -> Secret {
        Secret {
            metadata: ObjectMeta {
                name: Some(name.to_owned()),
                labels: Some([(KEY_LABEL.to_owned(), KEY_LABEL_ACTIVE.to_owned())].into()),
                ..ObjectMeta::default()
            },
            data: Some(
                data.iter()
                    .map(|(k, v)| ((*k).to_owned(), ByteString(v.to_vec())))
                    .collect(),
            ),
            ..Secret::default()
        }
    }

    #[test]
    fn a_key_secret_without_a_usable_key_is_listed_as_invalid_with_the_reason() {
        let view = KeyView::of(&secret("sealed-secrets-keyx", &[]));
        assert_eq!(view.state(), "invalid");
        assert_eq!(
            view.error.as_deref(),
            Some("Secret `sealed-secrets-keyx` has no tls.key")
        );
        let view = KeyView::of(&secret("k", &[("tls.key", b"not a key")]));
        assert_eq!(view.state(), "invalid");
        assert!(view.error.unwrap().starts_with("Secret `k`"));
    }

    #[test]
    fn an_active_key_secret_seals_and_a_retired_one_does_not() {
        let g = sealer_core::keys::generate_key(2048, 1, 1_800_000_000).unwrap();
        let data: &[(&str, &[u8])] = &[
            ("tls.key", g.key_pem.as_bytes()),
            ("tls.crt", g.cert_pem.as_bytes()),
        ];
        let mut retired = secret("b-retired", data);
        retired.metadata.labels = Some([(KEY_LABEL.to_owned(), "compromised".to_owned())].into());
        let views = views_sorted(&[retired, secret("a-active", data)]);
        assert_eq!(views[0].state(), "active");
        assert_eq!(views[0].ordering(), 1_800_000_000);
        assert_eq!(views[0].fingerprint, Some(g.key.fingerprint()));
        assert_eq!(views[1].state(), "retired");
        assert_eq!(sealing_index(&views), Some(0));
    }
}
