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
use kube::api::{Api, ListParams};
use sealer_core::backup::BACKED_UP_AT_ANNOTATION;
use sealer_core::keys::{
    KEY_LABEL, KEY_LABEL_ACTIVE, key_from_secret_data, newest_first, ordering_time,
};

use crate::args::{KeysArgs, KeysCommand};
use crate::error::{CliError, CliResult};

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
            .map_err(|e| e.to_string()),
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
