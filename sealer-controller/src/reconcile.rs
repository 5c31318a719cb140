//! Turning a SealedSecret into its Secret: the decision (pure, tested without a cluster)
//! and the reconcile loop around it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType};
use kube::{Resource, ResourceExt};
use sealer_core::{digest, manifest, seal};
use serde_json::{Value, json};

use crate::crd::{CONDITION_SYNCED, SealedSecret, SealedSecretCondition};
use crate::keys::{KeySet, current};
use crate::{Context, Error};

/// Annotation on an existing Secret that lets a SealedSecret take it over.
pub const ANNOTATION_MANAGED: &str = "sealedsecrets.bitnami.com/managed";
/// Annotation on an existing Secret that lets a SealedSecret merge into it.
pub const ANNOTATION_PATCH: &str = "sealedsecrets.bitnami.com/patch";
/// Template annotation that stops the controller from setting an owner reference.
pub const ANNOTATION_SKIP_OWNER: &str = "sealedsecrets.bitnami.com/skip-set-owner-references";
/// Our annotation on produced Secrets: the authenticated digest of what they were made
/// from, checked at every reconcile instead of decrypting again.
pub const ANNOTATION_DIGEST: &str = "sealer.dev/unsealed-digest";

/// Event reason: the Secret was produced or updated.
pub const REASON_UNSEALED: &str = "Unsealed";
/// Event reason: a value could not be decrypted or rendered.
pub const REASON_UNSEAL_FAILED: &str = "ErrUnsealFailed";
/// Event reason: the Secret could not be written.
pub const REASON_UPDATE_FAILED: &str = "ErrUpdateFailed";

fn is_true(map: Option<&BTreeMap<String, String>>, key: &str) -> bool {
    map.and_then(|m| m.get(key)).is_some_and(|v| v == "true")
}

/// The SealedSecret as the JSON value the core works on.
fn as_value(ss: &SealedSecret) -> Result<Value, Error> {
    serde_json::to_value(ss)
        .map_err(|e| Error::Internal(format!("serialising the SealedSecret: {e}")))
}

/// The controller owner reference to `ss`.
pub fn owner_reference(ss: &SealedSecret) -> Option<OwnerReference> {
    Some(OwnerReference {
        api_version: SealedSecret::api_version(&()).into_owned(),
        kind: SealedSecret::kind(&()).into_owned(),
        name: ss.metadata.name.clone()?,
        uid: ss.metadata.uid.clone()?,
        controller: Some(true),
        block_owner_deletion: None,
    })
}

/// Everything about the produced Secret that is known without decrypting: metadata from
/// the template (name and namespace forced), owner reference, type, immutability, and
/// the names of the data keys it will hold.
pub struct Shape {
    /// Labels of the produced Secret.
    pub labels: BTreeMap<String, String>,
    /// Annotations of the produced Secret (without our digest).
    pub annotations: BTreeMap<String, String>,
    /// Owner references of the produced Secret.
    pub owner_references: Vec<OwnerReference>,
    /// Type of the produced Secret.
    pub type_: Option<String>,
    /// Immutability of the produced Secret.
    pub immutable: Option<bool>,
    /// Data keys it will hold; `None` when a legacy `spec.data` blob hides them.
    pub keys: Option<Vec<String>>,
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// The shape of the Secret `ss` produces.
pub fn shape(ss: &SealedSecret) -> Shape {
    let template = ss.spec.template.as_ref();
    let meta = template.and_then(|t| t.metadata.as_ref());
    let labels = string_map(meta.and_then(|m| m.get("labels")));
    let annotations = string_map(meta.and_then(|m| m.get("annotations")));
    let owner_references = if is_true(Some(&annotations), ANNOTATION_SKIP_OWNER) {
        Vec::new()
    } else {
        owner_reference(ss).into_iter().collect()
    };
    let keys = if ss.spec.data.is_some() {
        None
    } else {
        let mut keys: Vec<String> = ss.spec.encrypted_data.keys().cloned().collect();
        if let Some(t) = template.and_then(|t| t.data.as_ref()) {
            keys.extend(t.keys().cloned());
        }
        keys.sort();
        keys.dedup();
        Some(keys)
    };
    Shape {
        labels,
        annotations,
        owner_references,
        // The API server defaults an empty type to Opaque; comparing with the default
        // keeps an untyped template from looking out of sync forever.
        type_: Some(
            template
                .and_then(|t| t.type_.clone())
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "Opaque".to_owned()),
        ),
        immutable: template.and_then(|t| t.immutable),
        keys,
    }
}

fn data_subset<'a>(secret: &'a Secret, keys: &[String]) -> Option<BTreeMap<String, &'a [u8]>> {
    let data = secret.data.as_ref();
    keys.iter()
        .map(|k| {
            data.and_then(|d| d.get(k))
                .map(|v| (k.clone(), v.0.as_slice()))
        })
        .collect()
}

/// How the existing Secret relates to the SealedSecret.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Ownership {
    /// Controlled by this SealedSecret.
    Controlled,
    /// Annotated `managed: "true"`: may be taken over.
    Managed,
    /// Annotated `patch: "true"`: values are merged in.
    Patch,
    /// Someone else's: never touched.
    Foreign,
}

/// Ownership of `existing` with respect to the SealedSecret with `uid`.
pub fn ownership(existing: &Secret, uid: Option<&str>) -> Ownership {
    let annotations = existing.metadata.annotations.as_ref();
    if is_true(annotations, ANNOTATION_PATCH) {
        return Ownership::Patch;
    }
    let controlled = existing
        .metadata
        .owner_references
        .as_ref()
        .is_some_and(|refs| {
            refs.iter().any(|r| {
                r.controller == Some(true)
                    && uid.is_some_and(|u| r.uid == u)
                    && r.kind == "SealedSecret"
            })
        });
    // A Secret made with skip-set-owner-references has no owner reference to prove it is
    // ours; our digest annotation next to that annotation does (upstream cannot update
    // such a Secret at all after creating it).
    let unowned_but_ours = is_true(annotations, ANNOTATION_SKIP_OWNER)
        && annotations.is_some_and(|a| a.contains_key(ANNOTATION_DIGEST));
    if controlled || unowned_but_ours {
        Ownership::Controlled
    } else if is_true(annotations, ANNOTATION_MANAGED) {
        Ownership::Managed
    } else {
        Ownership::Foreign
    }
}

/// Whether `existing` already is what the SealedSecret produces, proven by its digest
/// annotation: no decryption needed.
pub fn in_sync(
    existing: &Secret,
    shape: &Shape,
    source: &str,
    keys: &KeySet,
    uid: Option<&str>,
) -> bool {
    let Some(data_keys) = &shape.keys else {
        return false;
    };
    let Some(recorded) = existing
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ANNOTATION_DIGEST))
    else {
        return false;
    };
    let Some(data) = data_subset(existing, data_keys) else {
        return false;
    };
    let own = ownership(existing, uid);
    let meta_ok = match own {
        Ownership::Controlled => {
            let mut want = shape.annotations.clone();
            want.insert(ANNOTATION_DIGEST.into(), recorded.clone());
            existing.metadata.labels.clone().unwrap_or_default() == shape.labels
                && existing.metadata.annotations.clone().unwrap_or_default() == want
                && existing
                    .metadata
                    .owner_references
                    .clone()
                    .unwrap_or_default()
                    == shape.owner_references
                && existing.immutable == shape.immutable
                && existing.type_ == shape.type_
                && existing.data.as_ref().map_or(0, BTreeMap::len) == data_keys.len()
        }
        Ownership::Patch => {
            let labels = existing.metadata.labels.clone().unwrap_or_default();
            let annotations = existing.metadata.annotations.clone().unwrap_or_default();
            shape.labels.iter().all(|(k, v)| labels.get(k) == Some(v))
                && shape
                    .annotations
                    .iter()
                    .all(|(k, v)| annotations.get(k) == Some(v))
                && existing.type_ == shape.type_
        }
        Ownership::Managed | Ownership::Foreign => false,
    };
    meta_ok && digest::verify_produced(&keys.ring, recorded, source, shape.type_.as_deref(), &data)
}

/// What to do with the cluster.
#[derive(Debug, PartialEq)]
pub enum Plan {
    /// No Secret exists: create this one.
    Create(Secret),
    /// Update the existing Secret to this.
    Replace(Secret),
    /// The existing Secret is immutable and its data must change: delete, then create.
    Recreate(Secret),
    /// Already as desired.
    Nothing,
}

/// Decides how to get from `existing` to `desired` (data, metadata, owner references,
/// type, immutable): never touches a Secret the SealedSecret may not manage.
pub fn plan(existing: Option<&Secret>, desired: Secret, uid: Option<&str>) -> Result<Plan, Error> {
    let Some(existing) = existing else {
        return Ok(Plan::Create(desired));
    };
    let name = existing.metadata.name.clone().unwrap_or_default();
    let own = ownership(existing, uid);
    let mut next = existing.clone();
    match own {
        Ownership::Foreign => return Err(Error::Unmanaged(name)),
        Ownership::Patch => {
            let data = next.data.get_or_insert_with(BTreeMap::new);
            data.extend(desired.data.clone().unwrap_or_default());
            next.metadata
                .labels
                .get_or_insert_with(BTreeMap::new)
                .extend(desired.metadata.labels.clone().unwrap_or_default());
            next.metadata
                .annotations
                .get_or_insert_with(BTreeMap::new)
                .extend(desired.metadata.annotations.clone().unwrap_or_default());
            if is_true(existing.metadata.annotations.as_ref(), ANNOTATION_MANAGED) {
                next.metadata.owner_references = desired.metadata.owner_references.clone();
            }
            next.type_ = desired.type_.clone();
        }
        Ownership::Controlled | Ownership::Managed => {
            next.data = desired.data.clone();
            next.metadata.labels = desired.metadata.labels.clone();
            next.metadata.annotations = desired.metadata.annotations.clone();
            next.metadata.owner_references = desired.metadata.owner_references.clone();
            next.type_ = desired.type_.clone();
            next.immutable = desired.immutable;
        }
    }
    let empty_is_none = |s: &Secret| {
        let mut s = s.clone();
        for m in [&mut s.metadata.labels, &mut s.metadata.annotations] {
            if m.as_ref().is_some_and(BTreeMap::is_empty) {
                *m = None;
            }
        }
        if s.metadata
            .owner_references
            .as_ref()
            .is_some_and(Vec::is_empty)
        {
            s.metadata.owner_references = None;
        }
        s
    };
    if empty_is_none(&next) == empty_is_none(existing) {
        return Ok(Plan::Nothing);
    }
    let data_changed = next.data != existing.data || next.type_ != existing.type_;
    if existing.immutable == Some(true) && data_changed {
        let mut fresh = next;
        fresh.metadata.resource_version = None;
        fresh.metadata.uid = None;
        fresh.metadata.creation_timestamp = None;
        fresh.metadata.managed_fields = None;
        return Ok(Plan::Recreate(fresh));
    }
    Ok(Plan::Replace(next))
}

/// Decrypts and renders the Secret `ss` produces, with its digest annotation. Runs on a
/// blocking thread: this is where the RSA work happens.
/// `value` is `ss` as JSON (already made for the source digest).
pub fn unseal(
    ss: &SealedSecret,
    value: &Value,
    keys: &KeySet,
    shape: &Shape,
    source: &str,
) -> Result<(Secret, usize), Error> {
    let target = seal::sealed_target(value, None).map_err(|e| Error::Unseal(e.to_string()))?;
    let opened =
        seal::open_all(value, &keys.ring, None).map_err(|e| Error::Unseal(e.to_string()))?;
    let attempts = opened.values.len() + opened.failures.len();
    let mut produced =
        seal::unsealed_secret(value, &target, opened).map_err(|e| Error::Unseal(e.to_string()))?;
    let result = to_secret(&produced, ss, shape, source, keys);
    manifest::wipe(&mut produced);
    result.map(|s| (s, attempts))
}

fn to_secret(
    produced: &Value,
    ss: &SealedSecret,
    shape: &Shape,
    source: &str,
    keys: &KeySet,
) -> Result<Secret, Error> {
    let mut data = BTreeMap::new();
    for (k, v) in produced
        .get("data")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let bytes = v
            .as_str()
            .and_then(|s| STANDARD.decode(s).ok())
            .ok_or_else(|| Error::Internal(format!("produced value `{k}` is not base64")))?;
        data.insert(k.clone(), ByteString(bytes));
    }
    let signer = keys
        .ring
        .keys()
        .first()
        .ok_or_else(|| Error::Unseal("no sealing key is loaded".into()))?;
    let view: BTreeMap<String, &[u8]> = data
        .iter()
        .map(|(k, v)| (k.clone(), v.0.as_slice()))
        .collect();
    let recorded = digest::produced_digest(signer, source, shape.type_.as_deref(), &view);
    let mut annotations = shape.annotations.clone();
    annotations.insert(ANNOTATION_DIGEST.into(), recorded);
    Ok(Secret {
        metadata: kube::api::ObjectMeta {
            name: ss.metadata.name.clone(),
            namespace: ss.metadata.namespace.clone(),
            labels: Some(shape.labels.clone()),
            annotations: Some(annotations),
            owner_references: Some(shape.owner_references.clone()),
            ..Default::default()
        },
        data: Some(data),
        type_: shape.type_.clone(),
        immutable: shape.immutable,
        ..Default::default()
    })
}

/// Upstream's metric reason for an error.
fn metric_reason(e: &Error) -> &'static str {
    match e {
        Error::Unseal(_) => "unseal",
        Error::Unmanaged(_) => "unmanaged",
        Error::Kube(_) | Error::Internal(_) => "update",
    }
}

/// Reconciles one SealedSecret: produce or verify its Secret, then write status, event
/// and metrics for the outcome.
pub async fn reconcile(ss: Arc<SealedSecret>, ctx: Arc<Context>) -> Result<Action, Error> {
    ctx.metrics.unseal_requests.inc();
    let ns = ss.namespace().unwrap_or_default();
    let name = ss.name_any();
    let outcome = apply(&ss, &ctx).await;
    let status_result = write_status(&ss, &ctx, outcome.as_ref().err()).await;
    if let Err(e) = &status_result {
        tracing::warn!(namespace = %ns, name = %name, error = %e, "writing status failed");
        ctx.metrics.error("status", &ns);
    }
    let key = format!("{ns}/{name}");
    match outcome {
        Ok(changed) => {
            ctx.forget_failures(&key);
            if changed {
                ctx.publish(
                    &ss,
                    EventType::Normal,
                    REASON_UNSEALED,
                    "SealedSecret unsealed successfully",
                )
                .await;
            }
            status_result?;
            Ok(Action::await_change())
        }
        Err(e) => {
            ctx.metrics.error(metric_reason(&e), &ns);
            let reason = match e {
                Error::Unseal(_) => REASON_UNSEAL_FAILED,
                _ => REASON_UPDATE_FAILED,
            };
            ctx.publish(&ss, EventType::Warning, reason, &e.to_string())
                .await;
            tracing::warn!(namespace = %ns, name = %name, error = %e, "reconcile failed");
            Err(e)
        }
    }
}

/// Produces or verifies the Secret. `Ok(true)` when the cluster was changed.
async fn apply(ss: &SealedSecret, ctx: &Arc<Context>) -> Result<bool, Error> {
    let ns = ss.namespace().unwrap_or_default();
    let name = ss.name_any();
    let secrets: Api<Secret> = Api::namespaced(ctx.client.clone(), &ns);
    let existing = secrets.get_opt(&name).await?;
    let keys = current(&ctx.keys);
    let shape = shape(ss);
    let value = as_value(ss)?;
    let source = digest::source_digest(&value);
    let uid = ss.metadata.uid.as_deref();
    if let Some(e) = &existing {
        if ownership(e, uid) == Ownership::Foreign {
            return Err(Error::Unmanaged(name));
        }
        if in_sync(e, &shape, &source, &keys, uid) {
            ctx.metrics.unseal_skipped.inc();
            return Ok(false);
        }
    }
    if keys.ring.is_empty() {
        return Err(Error::Unseal("no sealing key is loaded yet".into()));
    }
    let desired = {
        let _permit = ctx
            .decrypt_slots
            .acquire()
            .await
            .map_err(|_| Error::Internal("shutting down".into()))?;
        let ss = ss.clone();
        let started = Instant::now();
        let (desired, attempts) =
            tokio::task::spawn_blocking(move || unseal(&ss, &value, &keys, &shape, &source))
                .await
                .map_err(|e| Error::Internal(format!("unseal task: {e}")))??;
        ctx.metrics
            .unseal_duration
            .observe(started.elapsed().as_secs_f64());
        ctx.metrics
            .rsa_decryptions
            .inc_by(u64::try_from(attempts).unwrap_or(0));
        desired
    };
    match plan(existing.as_ref(), desired, uid)? {
        Plan::Nothing => Ok(false),
        Plan::Create(s) => {
            secrets.create(&PostParams::default(), &s).await?;
            Ok(true)
        }
        Plan::Replace(s) => {
            secrets.replace(&name, &PostParams::default(), &s).await?;
            Ok(true)
        }
        Plan::Recreate(s) => {
            tracing::info!(namespace = %ns, name = %name, "recreating immutable Secret whose data changed");
            secrets.delete(&name, &DeleteParams::default()).await?;
            secrets.create(&PostParams::default(), &s).await?;
            Ok(true)
        }
    }
}

/// Writes the `Synced` condition and `observedGeneration` when they change.
async fn write_status(
    ss: &SealedSecret,
    ctx: &Context,
    error: Option<&Error>,
) -> Result<(), Error> {
    let ns = ss.namespace().unwrap_or_default();
    let name = ss.name_any();
    let (status, message) = match error {
        None => ("True", None),
        Some(e) => ("False", Some(e.to_string())),
    };
    let gauge = if error.is_none() { 1 } else { -1 };
    ctx.metrics
        .condition_info
        .get_or_create(&crate::metrics::ConditionLabels {
            namespace: ns.clone(),
            name: name.clone(),
            condition: CONDITION_SYNCED.into(),
            ss_app_kubernetes_io_instance: ss
                .labels()
                .get("app.kubernetes.io/instance")
                .cloned()
                .unwrap_or_default(),
        })
        .set(gauge);
    if !ctx.config.update_status {
        return Ok(());
    }
    let current_status = ss.status.clone().unwrap_or_default();
    let previous = current_status
        .conditions
        .iter()
        .find(|c| c.type_ == CONDITION_SYNCED);
    let generation = ss.metadata.generation;
    let unchanged = previous.is_some_and(|c| c.status == status && c.message == message)
        && current_status.observed_generation == generation;
    if unchanged {
        return Ok(());
    }
    let now = crate::rfc3339_now();
    let transition = match previous {
        Some(c) if c.status == status => c.last_transition_time.clone(),
        _ => Some(now.clone()),
    };
    let mut conditions: Vec<SealedSecretCondition> = current_status
        .conditions
        .into_iter()
        .filter(|c| c.type_ != CONDITION_SYNCED)
        .collect();
    conditions.insert(
        0,
        SealedSecretCondition {
            type_: CONDITION_SYNCED.into(),
            status: status.into(),
            last_update_time: Some(now),
            last_transition_time: transition,
            reason: error.map(|e| metric_reason(e).to_owned()),
            message,
        },
    );
    let patch = json!({"status": {"conditions": conditions, "observedGeneration": generation}});
    let api: Api<SealedSecret> = Api::namespaced(ctx.client.clone(), &ns);
    api.patch_status(&name, &PatchParams::default(), &Patch::Merge(&patch))
        .await?;
    Ok(())
}

/// Requeue delay after a failure: long and growing for what only a new key or a new
/// SealedSecret can fix, short and growing for API trouble. Never gives up.
pub fn backoff(e: &Error, failures: u32) -> Duration {
    let (base, cap) = match e {
        Error::Unseal(_) => (30, 3600),
        Error::Unmanaged(_) => (60, 3600),
        Error::Kube(_) | Error::Internal(_) => (1, 300),
    };
    let exp = failures.saturating_sub(1).min(16);
    Duration::from_secs((base * 2u64.pow(exp)).min(cap))
}

/// kube-runtime's error policy: count the failure and back off.
pub fn error_policy(ss: Arc<SealedSecret>, e: &Error, ctx: Arc<Context>) -> Action {
    let key = format!("{}/{}", ss.namespace().unwrap_or_default(), ss.name_any());
    let n = ctx.count_failure(&key);
    Action::requeue(backoff(e, n))
}

/// Publishes an event about a SealedSecret (helper so reconcile reads straight).
impl Context {
    async fn publish(&self, ss: &SealedSecret, type_: EventType, reason: &str, note: &str) {
        let reference = ss.object_ref(&());
        let event = Event {
            type_,
            reason: reason.into(),
            note: Some(note.chars().take(1000).collect()),
            action: "Unseal".into(),
            secondary: None,
        };
        if let Err(e) = self.recorder.publish(&event, &reference).await {
            tracing::debug!(error = %e, "publishing an event failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crd::{SealedSecretSpec, SecretTemplateSpec};

    fn ss() -> SealedSecret {
        let mut ss = SealedSecret::new(
            "db",
            SealedSecretSpec {
                encrypted_data: [("password".to_owned(), "AgB".to_owned())].into(),
                template: Some(SecretTemplateSpec {
                    metadata: Some(
                        json!({"labels": {"app": "db"}, "annotations": {"team": "x"}})
                            .as_object()
                            .cloned()
                            .unwrap_or_default(),
                    ),
                    type_: Some("Opaque".into()),
                    immutable: None,
                    data: Some([("dsn".to_owned(), "{{ .password }}".to_owned())].into()),
                }),
                data: None,
            },
        );
        ss.metadata.namespace = Some("prod".into());
        ss.metadata.uid = Some("uid-1".into());
        ss
    }

    fn secret(data: &[(&str, &[u8])]) -> Secret {
        Secret {
            metadata: kube::api::ObjectMeta {
                name: Some("db".into()),
                namespace: Some("prod".into()),
                ..Default::default()
            },
            data: Some(
                data.iter()
                    .map(|(k, v)| ((*k).to_owned(), ByteString(v.to_vec())))
                    .collect(),
            ),
            ..Default::default()
        }
    }

    #[test]
    fn the_shape_comes_from_the_template_with_one_controller_reference() {
        let s = shape(&ss());
        assert_eq!(s.labels, [("app".to_owned(), "db".to_owned())].into());
        assert_eq!(s.keys, Some(vec!["dsn".to_owned(), "password".to_owned()]));
        assert_eq!(s.owner_references.len(), 1);
        let r = &s.owner_references[0];
        assert_eq!(
            (r.kind.as_str(), r.api_version.as_str(), r.controller),
            ("SealedSecret", "bitnami.com/v1alpha1", Some(true))
        );
    }

    #[test]
    fn skip_set_owner_references_leaves_the_secret_unowned() {
        let mut ss = ss();
        if let Some(m) = ss.spec.template.as_mut().and_then(|t| t.metadata.as_mut()) {
            m.insert("annotations".into(), json!({ANNOTATION_SKIP_OWNER: "true"}));
        }
        assert!(shape(&ss).owner_references.is_empty());
    }

    #[test]
    fn a_foreign_secret_is_never_overwritten() {
        let err = plan(
            Some(&secret(&[("x", b"y")])),
            secret(&[("password", b"p")]),
            Some("uid-1"),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Resource \"db\" already exists and is not managed by SealedSecret"
        );
    }

    #[test]
    fn a_managed_secret_is_taken_over_and_a_patch_secret_is_merged() {
        let mut managed = secret(&[("x", b"y")]);
        managed.metadata.annotations =
            Some([(ANNOTATION_MANAGED.to_owned(), "true".to_owned())].into());
        let mut desired = secret(&[("password", b"p")]);
        desired.metadata.owner_references = shape(&ss()).owner_references.into();
        let Plan::Replace(next) = plan(Some(&managed), desired.clone(), Some("uid-1")).unwrap()
        else {
            panic!("expected a replace")
        };
        assert_eq!(next.data, desired.data);
        assert_eq!(
            next.metadata.owner_references,
            desired.metadata.owner_references
        );

        let mut patched = secret(&[("x", b"y")]);
        patched.metadata.annotations =
            Some([(ANNOTATION_PATCH.to_owned(), "true".to_owned())].into());
        let Plan::Replace(next) = plan(Some(&patched), desired, Some("uid-1")).unwrap() else {
            panic!("expected a replace")
        };
        let keys: Vec<&String> = next.data.as_ref().unwrap().keys().collect();
        assert_eq!(keys, ["password", "x"]);
        assert!(
            next.metadata.owner_references.is_none(),
            "patch alone does not take ownership"
        );
    }

    #[test]
    fn an_immutable_secret_whose_data_changes_is_recreated() {
        let mut existing = secret(&[("password", b"old")]);
        existing.immutable = Some(true);
        existing.metadata.owner_references = shape(&ss()).owner_references.into();
        existing.metadata.resource_version = Some("7".into());
        let mut desired = existing.clone();
        desired.data = secret(&[("password", b"new")]).data;
        desired.metadata.resource_version = None;
        let Plan::Recreate(fresh) = plan(Some(&existing), desired, Some("uid-1")).unwrap() else {
            panic!("expected a recreate")
        };
        assert_eq!(fresh.metadata.resource_version, None);
        assert_eq!(fresh.immutable, Some(true));
    }

    #[test]
    fn an_identical_secret_needs_nothing() {
        let mut existing = secret(&[("password", b"p")]);
        existing.metadata.owner_references = shape(&ss()).owner_references.into();
        existing.metadata.labels = Some(BTreeMap::new());
        let mut desired = existing.clone();
        desired.metadata.labels = None;
        assert_eq!(
            plan(Some(&existing), desired, Some("uid-1")).unwrap(),
            Plan::Nothing
        );
    }

    #[test]
    fn backoff_grows_and_is_capped_but_never_stops() {
        let e = Error::Unseal("x".into());
        assert_eq!(backoff(&e, 1), Duration::from_secs(30));
        assert_eq!(backoff(&e, 2), Duration::from_secs(60));
        assert_eq!(backoff(&e, 50), Duration::from_secs(3600));
        let k = Error::Internal("x".into());
        assert_eq!(backoff(&k, 1), Duration::from_secs(1));
        assert_eq!(backoff(&k, 100), Duration::from_secs(300));
    }
}
