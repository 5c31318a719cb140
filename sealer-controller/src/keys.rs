//! The controller's keys: loaded from labelled Secrets in its namespace and kept in
//! sync by a watch (added, relabelled, deleted: no restart), generated when none exists
//! or when the newest is due for renewal.

use std::sync::{Arc, RwLock};

use futures::StreamExt;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, PostParams};
use kube::runtime::WatchStreamExt;
use kube::runtime::reflector::{self, Store};
use kube::runtime::watcher::{self, Event};
use sealer_core::key_secret::{self, KeySecretError, KeySecretFields};
use sealer_core::keys::{
    GeneratedKey, KEY_LABEL, KEY_LABEL_ACTIVE, KEY_NAME_PREFIX, generate_key, newest_first,
};
use sealer_core::{KeyRing, SealingCert};
use serde::Deserialize;
use tokio::sync::watch;

use crate::Context;

/// What is known about one loaded key, for listing and ordering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    /// Name of the key Secret.
    pub name: String,
    /// SHA-256 of the public key.
    pub fingerprint: String,
    /// Ordering time: the certificate's NotBefore, else the Secret's creation (Unix s).
    pub ordering_time: i64,
    /// The certificate PEM, if the Secret has one.
    pub cert_pem: Option<String>,
    /// When a backup last took this key (`sealer.dev/backed-up-at`), if ever.
    pub backed_up_at: Option<String>,
}

/// Whether the keys are backed up, for metrics and the warning event.
#[derive(Debug, PartialEq, Eq)]
pub struct BackupStatus {
    /// The newest key carries a backup annotation (true when there is no key).
    pub newest_backed_up: bool,
    /// Keys without a backup annotation.
    pub not_backed_up: usize,
    /// For a newest key never backed up: its Secret's name and the warning to give.
    pub warning: Option<(String, String)>,
}

/// The backup state of `set` at `now` (Unix seconds).
pub fn backup_status(set: &KeySet, now: i64) -> BackupStatus {
    let not_backed_up = set
        .infos
        .iter()
        .filter(|i| i.backed_up_at.is_none())
        .count();
    let warning = set
        .newest()
        .filter(|k| k.backed_up_at.is_none())
        .map(|k| {
            let age = (now - k.ordering_time).max(0);
            (
                k.name.clone(),
                format!(
                    "sealing key {} ({}) is {} old and has never been backed up: losing it loses every \
                     SealedSecret sealed with it; run `seal keys backup -o FILE --passphrase-file F`",
                    k.name,
                    sealer_core::seal::short_fingerprint(&k.fingerprint),
                    human_age(age)
                ),
            )
        });
    BackupStatus {
        newest_backed_up: warning.is_none(),
        not_backed_up,
        warning,
    }
}

fn human_age(seconds: i64) -> String {
    match seconds {
        s if s >= 2 * 86_400 => format!("{} days", s / 86_400),
        s if s >= 2 * 3600 => format!("{} hours", s / 3600),
        s if s >= 120 => format!("{} minutes", s / 60),
        s => format!("{s} seconds"),
    }
}

/// The keys in use: a ring ordered newest first, and the newest key's certificate.
#[derive(Default)]
pub struct KeySet {
    /// All keys, newest first (the likeliest to open a recent value is tried first).
    pub ring: KeyRing,
    /// Facts about each key, in the same order.
    pub infos: Vec<KeyInfo>,
    /// Whether the initial list of key Secrets has been read.
    pub loaded: bool,
}

impl KeySet {
    /// The key that seals new values.
    pub fn newest(&self) -> Option<&KeyInfo> {
        self.infos.first()
    }

    /// A certificate to seal with (the newest key's), for `/v1/rotate`.
    pub fn sealing_cert(&self) -> Option<SealingCert> {
        self.ring.keys().first().and_then(|k| k.sealing_cert().ok())
    }

    /// Fingerprints of every key, to tell whether the set changed.
    pub fn fingerprints(&self) -> Vec<String> {
        self.infos.iter().map(|i| i.fingerprint.clone()).collect()
    }
}

/// Shared, swappable key set: readers clone the `Arc` and never block a reload.
pub type SharedKeys = Arc<RwLock<Arc<KeySet>>>;

/// The current key set.
pub fn current(keys: &SharedKeys) -> Arc<KeySet> {
    match keys.read() {
        Ok(k) => Arc::clone(&k),
        // A poisoned lock only means a writer panicked mid-swap; the Arc inside is whole.
        Err(poisoned) => Arc::clone(&poisoned.into_inner()),
    }
}

/// Builds a key set from key Secrets. A malformed Secret is reported through `on_error`
/// with its name and a reason (never key material) and skipped.
pub fn build_key_set(secrets: &[Arc<Secret>], mut on_error: impl FnMut(&Secret, String)) -> KeySet {
    let mut loaded = Vec::new();
    for s in secrets {
        let read = KeySecretFields::from(&**s).read();
        match read.key {
            Ok(key) => {
                let info = KeyInfo {
                    name: read.name,
                    fingerprint: key.fingerprint(),
                    ordering_time: read.ordering_time,
                    cert_pem: key.cert_pem().map(str::to_owned),
                    backed_up_at: read.backed_up_at,
                };
                loaded.push((info, key));
            }
            Err(KeySecretError::NoTlsKey { name }) => {
                on_error(s, format!("key Secret `{name}` has no tls.key"));
            }
            Err(e) => on_error(s, e.to_string()),
        }
    }
    // Newest first (sealer-core's rule, shared with `seal keys list`).
    loaded.sort_by(|(a, _), (b, _)| {
        newest_first((a.ordering_time, &a.name), (b.ordering_time, &b.name))
    });
    let (infos, keys): (Vec<_>, Vec<_>) = loaded.into_iter().unzip();
    let mut ring = KeyRing::default();
    ring.extend(keys);
    // `extend` drops duplicate fingerprints; keep infos aligned with the ring.
    let mut seen = std::collections::HashSet::new();
    let infos = infos
        .into_iter()
        .filter(|i| seen.insert(i.fingerprint.clone()))
        .collect();
    KeySet {
        ring,
        infos,
        loaded: true,
    }
}

/// Watches the key Secrets of the controller's namespace and swaps in a new key set on
/// every change. Bumps `changed` whenever the set of fingerprints changes, so failed
/// SealedSecrets are retried with the new keys. Runs until the watch stream ends.
pub async fn watch_keys(ctx: Arc<Context>, changed: watch::Sender<u64>) {
    let api: Api<Secret> = Api::namespaced(ctx.client.clone(), &ctx.config.namespace);
    let cfg = watcher::Config::default().labels(&format!("{KEY_LABEL}={KEY_LABEL_ACTIVE}"));
    let (reader, writer) = reflector::store();
    let mut stream = reflector::reflector(writer, watcher::watcher(api, cfg))
        .default_backoff()
        .boxed();
    let mut initialised = false;
    // Keys already warned about as not backed up: once per key per process.
    let mut warned = std::collections::HashSet::new();
    while let Some(event) = stream.next().await {
        match event {
            Ok(Event::Init | Event::InitApply(_)) => continue,
            Ok(Event::InitDone) => initialised = true,
            Ok(Event::Apply(_) | Event::Delete(_)) if initialised => {}
            Ok(_) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "watching key Secrets failed; retrying");
                continue;
            }
        }
        reload(&ctx, &reader, &changed, &mut warned).await;
    }
}

async fn reload(
    ctx: &Arc<Context>,
    reader: &Store<Secret>,
    changed: &watch::Sender<u64>,
    warned: &mut std::collections::HashSet<String>,
) {
    let secrets = reader.state();
    let mut failures = Vec::new();
    let set = build_key_set(&secrets, |s, reason| failures.push((s.clone(), reason)));
    for (secret, reason) in failures {
        tracing::error!(secret = secret.metadata.name.as_deref().unwrap_or(""), %reason, "skipping malformed key Secret");
        ctx.metrics.key_load_errors.inc();
        ctx.publish_key_event(&secret, &reason).await;
    }
    let previous = current(&ctx.keys);
    let (before, was_loaded) = (previous.fingerprints(), previous.loaded);
    let after = set.fingerprints();
    let count = i64::try_from(set.infos.len()).unwrap_or(i64::MAX);
    tracing::info!(
        keys = set.infos.len(),
        newest = set.newest().map(|k| k.name.as_str()).unwrap_or(""),
        "key set loaded"
    );
    let status = backup_status(&set, crate::now());
    if let Ok(mut w) = ctx.keys.write() {
        *w = Arc::new(set);
    }
    // Only now: whoever sees the new count must also be served the new keys.
    ctx.metrics.keys.set(count);
    // The first load counts as a change even with no keys: the renewal loop waits for
    // it before making the first key.
    if before != after || !was_loaded {
        changed.send_modify(|n| *n += 1);
    }
    // After the swap: publishing an event must not delay the new keys.
    ctx.metrics
        .newest_key_backed_up
        .set(i64::from(status.newest_backed_up));
    ctx.metrics
        .keys_not_backed_up
        .set(i64::try_from(status.not_backed_up).unwrap_or(i64::MAX));
    if let Some((name, message)) = status.warning
        && warned.insert(name.clone())
        && let Some(secret) = secrets
            .iter()
            .find(|s| s.metadata.name.as_deref() == Some(&name))
    {
        tracing::warn!(secret = %name, "the newest sealing key has never been backed up");
        ctx.publish_key_not_backed_up(secret, message).await;
    }
}

/// Generates a key pair and stores it as a key Secret; the watch then loads it.
pub async fn create_key(ctx: &Context) -> Result<String, crate::Error> {
    let bits = ctx.config.key_bits;
    let days = ctx.config.cert_days;
    // Keys are ordered by certificate NotBefore, which has one-second precision: a key
    // made in the same second as the newest one would not become the newest. Start in a
    // later second.
    if let Some(newest) = current(&ctx.keys).newest().map(|k| k.ordering_time) {
        while crate::now() <= newest {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    let generated = tokio::task::spawn_blocking(move || generate_key(bits, days, crate::now()))
        .await
        .map_err(|e| crate::Error::Internal(format!("key generation task: {e}")))?
        .map_err(|e| crate::Error::Internal(format!("key generation: {e}")))?;
    let secret = new_key_secret(&ctx.config.key_prefix, &ctx.config.namespace, &generated)?;
    let api: Api<Secret> = Api::namespaced(ctx.client.clone(), &ctx.config.namespace);
    let created = api.create(&PostParams::default(), &secret).await?;
    let name = created.metadata.name.unwrap_or_default();
    tracing::info!(secret = %name, fingerprint = %generated.key.fingerprint(), "new sealing key written");
    Ok(name)
}

/// The key Secret the controller writes for `generated`: named `<prefix>-<random>` by the
/// API server, in the controller's namespace.
fn new_key_secret(
    prefix: &str,
    namespace: &str,
    generated: &GeneratedKey,
) -> Result<Secret, crate::Error> {
    let json = key_secret::new_key_secret(&format!("{prefix}-"), namespace, generated);
    Secret::deserialize(json.as_json())
        .map_err(|e| crate::Error::Internal(format!("building the key Secret: {e}")))
}

/// Default key name prefix (upstream's).
pub const DEFAULT_KEY_PREFIX: &str = KEY_NAME_PREFIX;

/// Whether a new key is due: none loaded, the newest older than `cutoff`, or older than
/// `renew_period` seconds (0 disables renewal).
pub fn key_due(set: &KeySet, now: i64, renew_period: i64, cutoff: Option<i64>) -> bool {
    let Some(newest) = set.newest() else {
        return true;
    };
    if cutoff.is_some_and(|c| newest.ordering_time < c) {
        return true;
    }
    renew_period > 0 && now >= newest.ordering_time + renew_period
}

/// Leader-only loop: makes the first key when none exists, renews on schedule and
/// honours the cutoff. Checks once a minute and whenever the key set changes.
pub async fn renew_keys(ctx: Arc<Context>, mut changed: watch::Receiver<u64>) {
    // The cutoff is a start-up rule (as upstream): once this process has made a key, a
    // cutoff in the future must not make it generate keys forever.
    let mut cutoff = ctx.config.key_cutoff;
    loop {
        // Mark every notification so far as seen before reading the state, so a stale
        // one cannot make this loop act twice on the same state.
        changed.borrow_and_update();
        let set = current(&ctx.keys);
        if set.loaded && key_due(&set, crate::now(), ctx.config.key_renew_period, cutoff) {
            match create_key(&ctx).await {
                Ok(name) => {
                    cutoff = None;
                    // Wait (30 s at most) until the watch has loaded the new key, so it
                    // is not judged due again.
                    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
                    while !current(&ctx.keys).infos.iter().any(|k| k.name == name) {
                        if tokio::time::timeout_at(deadline, changed.changed())
                            .await
                            .is_err()
                        {
                            tracing::warn!(secret = %name, "the new key Secret was not seen by the key watch within 30 s");
                            break;
                        }
                    }
                    continue;
                }
                Err(e) => {
                    tracing::error!(error = %e, "creating a sealing key failed; retrying in 10 s")
                }
            }
            tokio::time::sleep(std::time::Duration::from_secs(10)).await;
            continue;
        }
        let mut wait = 60;
        if let Some(newest) = set.newest() {
            let now = crate::now();
            ctx.metrics
                .newest_key_age_seconds
                .set(now - newest.ordering_time);
            if ctx.config.key_renew_period > 0 {
                let due = newest.ordering_time + ctx.config.key_renew_period;
                wait = (due - now).clamp(1, 60);
            }
        }
        tokio::select! {
            _ = changed.changed() => {}
            _ = tokio::time::sleep(std::time::Duration::from_secs(wait.unsigned_abs())) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::ByteString;
    use kube::api::ObjectMeta;

    use super::*;

    /// The Secret `create_key` wrote before it was built in sealer-core.
    #[test]
    fn the_key_secret_written_is_the_one_the_controller_always_wrote() {
        let generated = generate_key(2048, 1, 1_800_000_000).unwrap();
        let before = Secret {
            metadata: ObjectMeta {
                generate_name: Some("sealed-secrets-key-".to_owned()),
                namespace: Some("kube-system".to_owned()),
                labels: Some([(KEY_LABEL.to_owned(), KEY_LABEL_ACTIVE.to_owned())].into()),
                ..Default::default()
            },
            type_: Some("kubernetes.io/tls".to_owned()),
            data: Some(
                [
                    (
                        "tls.key".to_owned(),
                        ByteString(generated.key_pem.as_bytes().to_vec()),
                    ),
                    (
                        "tls.crt".to_owned(),
                        ByteString(generated.cert_pem.as_bytes().to_vec()),
                    ),
                ]
                .into(),
            ),
            ..Default::default()
        };
        let now = new_key_secret(DEFAULT_KEY_PREFIX, "kube-system", &generated).unwrap();
        assert_eq!(now, before);
        assert_eq!(
            serde_json::to_string(&now).unwrap(),
            serde_json::to_string(&before).unwrap()
        );
    }

    fn info(t: i64) -> KeySet {
        KeySet {
            ring: KeyRing::default(),
            infos: vec![KeyInfo {
                name: "k".into(),
                fingerprint: "f".into(),
                ordering_time: t,
                cert_pem: None,
                backed_up_at: None,
            }],
            loaded: true,
        }
    }

    #[test]
    fn a_key_is_due_when_none_exists_when_renewal_passes_and_before_the_cutoff() {
        assert!(key_due(&KeySet::default(), 100, 30, None));
        assert!(!key_due(&info(100), 110, 30, None));
        assert!(key_due(&info(100), 130, 30, None));
        assert!(!key_due(&info(100), 10_000, 0, None), "0 disables renewal");
        assert!(key_due(&info(100), 110, 0, Some(101)));
        assert!(!key_due(&info(100), 110, 0, Some(100)));
    }

    #[test]
    fn a_newest_key_never_backed_up_is_warned_about_with_its_age() {
        let mut set = info(1_000);
        let status = backup_status(&set, 1_000 + 3 * 86_400 + 5);
        assert!(!status.newest_backed_up);
        assert_eq!(status.not_backed_up, 1);
        let (name, message) = status.warning.unwrap();
        assert_eq!(name, "k");
        assert!(
            message
                .starts_with("sealing key k (sha256:f) is 3 days old and has never been backed up"),
            "{message}"
        );
        set.infos[0].backed_up_at = Some("2026-01-01T00:00:00Z".into());
        set.infos.push(KeyInfo {
            name: "old".into(),
            fingerprint: "0".into(),
            ordering_time: 10,
            cert_pem: None,
            backed_up_at: None,
        });
        let status = backup_status(&set, 2_000);
        assert_eq!(
            status,
            BackupStatus {
                newest_backed_up: true,
                not_backed_up: 1,
                warning: None
            }
        );
        assert!(backup_status(&KeySet::default(), 0).newest_backed_up);
    }

    #[test]
    fn malformed_key_secrets_are_reported_and_skipped() {
        let bad = Arc::new(Secret {
            metadata: ObjectMeta {
                name: Some("sealed-secrets-keybad".into()),
                ..Default::default()
            },
            data: Some([("tls.key".to_owned(), ByteString(b"not a key".to_vec()))].into()),
            ..Default::default()
        });
        let empty = Arc::new(Secret {
            metadata: ObjectMeta {
                name: Some("sealed-secrets-keyempty".into()),
                ..Default::default()
            },
            ..Default::default()
        });
        let generated = generate_key(2048, 1, 1_800_000_000).unwrap();
        let good = Arc::new(Secret {
            metadata: ObjectMeta {
                name: Some("sealed-secrets-keygood".into()),
                ..Default::default()
            },
            data: Some(
                [
                    (
                        "tls.key".to_owned(),
                        ByteString(generated.key_pem.as_bytes().to_vec()),
                    ),
                    (
                        "tls.crt".to_owned(),
                        ByteString(generated.cert_pem.as_bytes().to_vec()),
                    ),
                ]
                .into(),
            ),
            ..Default::default()
        });
        let mut errors = Vec::new();
        let set = build_key_set(&[bad, empty, good], |s, r| {
            errors.push((s.metadata.name.clone().unwrap_or_default(), r))
        });
        assert_eq!(set.infos.len(), 1);
        assert_eq!(set.infos[0].name, "sealed-secrets-keygood");
        assert_eq!(set.infos[0].ordering_time, 1_800_000_000);
        assert_eq!(errors.len(), 2);
        assert!(errors.iter().all(|(_, r)| !r.contains("BEGIN")));
    }
}
