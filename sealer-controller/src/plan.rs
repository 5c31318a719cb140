//! What a SealedSecret's Secret should be and how to get there from what exists: its
//! shape, the ownership rules, the digest check that proves an existing Secret in sync,
//! the plan, and the decrypted Secret itself. Pure: no async, no client; the reconcile
//! loop around it is in [`crate::reconcile`].

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::{Resource, ResourceExt};
use sealer_core::seal::Values;
use sealer_core::{Scope, digest, unseal};
use serde_json::Value;

use crate::Error;
use crate::crd::SealedSecret;
use crate::keys::KeySet;

/// Annotation on an existing Secret that lets a SealedSecret take it over.
pub const ANNOTATION_MANAGED: &str = "sealedsecrets.bitnami.com/managed";
/// Annotation on an existing Secret that lets a SealedSecret merge into it.
pub const ANNOTATION_PATCH: &str = "sealedsecrets.bitnami.com/patch";
/// Template annotation that stops the controller from setting an owner reference.
pub const ANNOTATION_SKIP_OWNER: &str = "sealedsecrets.bitnami.com/skip-set-owner-references";
/// Our annotation on produced Secrets: the authenticated digest of what they were made
/// from, checked at every reconcile instead of decrypting again.
pub const ANNOTATION_DIGEST: &str = "sealer.dev/unsealed-digest";

fn is_true(map: Option<&BTreeMap<String, String>>, key: &str) -> bool {
    map.and_then(|m| m.get(key)).is_some_and(|v| v == "true")
}

/// The source digest of `ss` (see [`sealer_core::digest::source_digest`]), hashed from
/// its JSON form so that digests recorded before still verify.
pub fn source_digest(ss: &SealedSecret) -> Result<String, Error> {
    let value = serde_json::to_value(ss)
        .map_err(|e| Error::Internal(format!("serialising the SealedSecret: {e}")))?;
    Ok(digest::source_digest(&value))
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

/// What a SealedSecret can prove about Secrets: its uid (for owner references), the keys
/// that sign produced digests, and its source digest.
#[derive(Clone, Copy)]
pub struct Claim<'a> {
    /// The SealedSecret's uid.
    pub uid: Option<&'a str>,
    /// The controller's keys.
    pub keys: &'a KeySet,
    /// The SealedSecret's source digest ([`source_digest`]).
    pub source: &'a str,
}

/// All of a Secret's data, by key.
fn all_data(secret: &Secret) -> BTreeMap<String, &[u8]> {
    secret
        .data
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.0.as_slice()))
        .collect()
}

/// Ownership of `existing` with respect to the SealedSecret making `claim`.
///
/// A controller owner reference to the SealedSecret decides first: once the SealedSecret
/// controls a Secret, an annotation added to the Secret later (`patch`, `managed`) cannot
/// demote it to the lax merge check. Without one, a Secret made with
/// skip-set-owner-references is ours only if its digest annotation carries a valid claim
/// tag for this SealedSecret (an HMAC under one of our keys), never by the annotation's
/// mere presence. `patch` and `managed` keep their upstream meaning for other Secrets.
pub fn ownership(existing: &Secret, claim: &Claim<'_>) -> Ownership {
    let annotations = existing.metadata.annotations.as_ref();
    let controlled = existing
        .metadata
        .owner_references
        .as_ref()
        .is_some_and(|refs| {
            refs.iter().any(|r| {
                r.controller == Some(true)
                    && claim.uid.is_some_and(|u| r.uid == u)
                    && r.kind == "SealedSecret"
            })
        });
    if controlled || unowned_but_ours(existing, claim) {
        Ownership::Controlled
    } else if is_true(annotations, ANNOTATION_PATCH) {
        Ownership::Patch
    } else if is_true(annotations, ANNOTATION_MANAGED) {
        Ownership::Managed
    } else {
        Ownership::Foreign
    }
}

/// A Secret with no owner reference that this controller made for this SealedSecret
/// (upstream cannot update such a Secret at all after creating it).
fn unowned_but_ours(existing: &Secret, claim: &Claim<'_>) -> bool {
    let annotations = existing.metadata.annotations.as_ref();
    let (Some(recorded), Some(uid)) = (
        annotations.and_then(|a| a.get(ANNOTATION_DIGEST)),
        claim.uid,
    ) else {
        return false;
    };
    if !is_true(annotations, ANNOTATION_SKIP_OWNER) {
        return false;
    }
    let data = all_data(existing);
    let produced = digest::Produced {
        namespace: existing.metadata.namespace.as_deref().unwrap_or_default(),
        name: existing.metadata.name.as_deref().unwrap_or_default(),
        secret_type: existing.type_.as_deref(),
        data: &data,
    };
    digest::made_by(&claim.keys.ring, recorded, uid, claim.source, &produced)
}

/// Whether `existing` already is what the SealedSecret produces, proven by its digest
/// annotation: no decryption needed.
/// `own` is [`ownership`] of `existing` for `claim`, computed once by the caller (it
/// costs an HMAC for a Secret without owner references).
pub fn in_sync(existing: &Secret, own: Ownership, shape: &Shape, claim: &Claim<'_>) -> bool {
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
    let produced = digest::Produced {
        namespace: existing.metadata.namespace.as_deref().unwrap_or_default(),
        name: existing.metadata.name.as_deref().unwrap_or_default(),
        secret_type: shape.type_.as_deref(),
        data: &data,
    };
    meta_ok && digest::verify_produced(&claim.keys.ring, recorded, claim.source, &produced)
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
/// type, immutable): never touches a Secret the SealedSecret may not manage. `existing`
/// comes with its [`ownership`].
pub fn plan(existing: Option<(&Secret, Ownership)>, desired: Secret) -> Result<Plan, Error> {
    let Some((existing, own)) = existing else {
        return Ok(Plan::Create(desired));
    };
    let name = existing.metadata.name.clone().unwrap_or_default();
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

/// Decrypts and renders the Secret `ss` produces, with its digest annotation, and counts
/// the values opened. Runs on a blocking thread: this is where the RSA work happens.
pub fn unseal(
    ss: &SealedSecret,
    keys: &KeySet,
    shape: &Shape,
    source: &str,
) -> Result<(Secret, usize), Error> {
    let name = ss.name_any();
    let sealed = unseal::Sealed {
        name: &name,
        namespace: ss.metadata.namespace.as_deref(),
        scope: Scope::from_annotations(|k| ss.annotations().get(k).map(String::as_str)),
        encrypted_data: &ss.spec.encrypted_data,
        legacy_data: ss.spec.data.as_deref(),
        template_data: ss.spec.template.as_ref().and_then(|t| t.data.as_ref()),
    };
    let unsealed = unseal::unseal(&sealed, &keys.ring).map_err(Error::Unseal)?;
    let secret = to_secret(unsealed.data, ss, shape, source, keys)?;
    Ok((secret, unsealed.opened))
}

/// The Secret made of the unsealed `data`, shaped by `shape`, with the digest that lets
/// a later reconcile prove it in sync without decrypting.
fn to_secret(
    data: Values,
    ss: &SealedSecret,
    shape: &Shape,
    source: &str,
    keys: &KeySet,
) -> Result<Secret, Error> {
    let signer = keys.ring.keys().first().ok_or(Error::NoSealingKey)?;
    let view: BTreeMap<String, &[u8]> = data
        .iter()
        .map(|(k, v)| (k.clone(), v.as_slice()))
        .collect();
    let produced = digest::Produced {
        namespace: ss.metadata.namespace.as_deref().unwrap_or_default(),
        name: ss.metadata.name.as_deref().unwrap_or_default(),
        secret_type: shape.type_.as_deref(),
        data: &view,
    };
    let owner_uid = ss.metadata.uid.as_deref().unwrap_or_default();
    let recorded = digest::produced_digest(signer, source, owner_uid, &produced);
    // The plaintext moves into the Secret rather than being copied.
    let data = data
        .into_iter()
        .map(|(k, mut v)| (k, ByteString(std::mem::take(&mut *v))))
        .collect();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crd::{SealedSecretSpec, SecretTemplateSpec};
    use serde_json::json;

    static NO_KEYS: std::sync::LazyLock<KeySet> = std::sync::LazyLock::new(KeySet::default);

    /// What the SealedSecret with `uid` claims, with no keys (so no digest verifies).
    /// `s` with its ownership for the SealedSecret `uid-1`, as [`plan`] takes it.
    fn owned(s: &Secret) -> Option<(&Secret, Ownership)> {
        Some((s, ownership(s, &claim("uid-1"))))
    }

    fn claim(uid: &'static str) -> Claim<'static> {
        Claim {
            uid: Some(uid),
            keys: &NO_KEYS,
            source: "src",
        }
    }

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

    /// A Secret editor who adds `patch: "true"` to a Secret the SealedSecret controls must
    /// not switch it to the lax merge check (extra keys, labels, removed owner references
    /// would then be accepted as in sync and never repaired).
    #[test]
    fn an_annotation_added_later_does_not_demote_a_controlled_secret() {
        let mut s = secret(&[("password", b"p")]);
        s.metadata.owner_references = shape(&ss()).owner_references.into();
        for ann in [ANNOTATION_PATCH, ANNOTATION_MANAGED] {
            s.metadata.annotations = Some([(ann.to_owned(), "true".to_owned())].into());
            assert_eq!(
                ownership(&s, &claim("uid-1")),
                Ownership::Controlled,
                "{ann}"
            );
        }
        // Before the SealedSecret controls it, `patch` keeps its upstream meaning.
        s.metadata.annotations = Some([(ANNOTATION_PATCH.to_owned(), "true".to_owned())].into());
        assert_eq!(ownership(&s, &claim("uid-2")), Ownership::Patch);
    }

    /// skip-owner plus a digest annotation is a claim, not a proof: a Secret a person
    /// annotated by hand (or an orphan copied from elsewhere) is not ours to overwrite.
    #[test]
    fn a_hand_annotated_unowned_secret_is_not_claimed() {
        let mut s = secret(&[("password", b"p")]);
        s.metadata.annotations = Some(
            [
                (ANNOTATION_SKIP_OWNER.to_owned(), "true".to_owned()),
                (
                    ANNOTATION_DIGEST.to_owned(),
                    "v1:0123456789abcdef:00".to_owned(),
                ),
            ]
            .into(),
        );
        assert_eq!(ownership(&s, &claim("uid-1")), Ownership::Foreign);
    }

    #[test]
    fn a_foreign_secret_is_never_overwritten() {
        let foreign = secret(&[("x", b"y")]);
        let err = plan(owned(&foreign), secret(&[("password", b"p")])).unwrap_err();
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
        let Plan::Replace(next) = plan(owned(&managed), desired.clone()).unwrap() else {
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
        let Plan::Replace(next) = plan(owned(&patched), desired).unwrap() else {
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
        let Plan::Recreate(fresh) = plan(owned(&existing), desired).unwrap() else {
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
        assert_eq!(plan(owned(&existing), desired).unwrap(), Plan::Nothing);
    }

    #[test]
    fn an_unsealed_secret_matches_the_manifest_unseal_and_is_proven_in_sync_by_its_digest() {
        use sealer_core::seal::{self, SealOptions};
        use sealer_core::{KeyRing, SealingCert, keys};
        let now = 1_800_000_000;
        let k = keys::generate_key(2048, 1, now).unwrap();
        let cert = SealingCert::from_pem(k.cert_pem.as_bytes(), now).unwrap();
        let keys = KeySet {
            ring: KeyRing::new(keys::load_private_keys(k.key_pem.as_bytes(), "k").unwrap()),
            ..KeySet::default()
        };
        let plain = json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "prod", "labels": {"app": "db"}},
            "stringData": {"password": "hunter2"}
        });
        let sealed = seal::seal_secret(&plain, &cert, &SealOptions::default()).unwrap();
        let mut ss: SealedSecret = serde_json::from_value(sealed).unwrap();
        ss.metadata.uid = Some("uid-1".into());
        if let Some(t) = ss.spec.template.as_mut() {
            t.data = Some([("dsn".to_owned(), "pg://{{ .password }}@db".to_owned())].into());
        }
        let shape = shape(&ss);
        let source = source_digest(&ss).unwrap();
        let (secret, opened) = unseal(&ss, &keys, &shape, &source).unwrap();
        assert_eq!(opened, 1);

        let value = serde_json::to_value(&ss).unwrap();
        let target = seal::sealed_target(&value, None).unwrap();
        let all = seal::open_all(&value, &keys.ring, None).unwrap();
        let produced = seal::unsealed_secret(&value, &target, all).unwrap();
        let want: BTreeMap<String, ByteString> =
            serde_json::from_value(produced["data"].clone()).unwrap();
        assert_eq!(secret.data, Some(want));

        let c = Claim {
            uid: Some("uid-1"),
            keys: &keys,
            source: &source,
        };
        assert!(in_sync(&secret, ownership(&secret, &c), &shape, &c));
        let mut edited = secret.clone();
        if let Some(d) = edited.data.as_mut() {
            d.insert("password".into(), ByteString(b"changed".to_vec()));
        }
        assert!(!in_sync(&edited, ownership(&edited, &c), &shape, &c));
    }

    /// A Secret this controller made with skip-set-owner-references stays its
    /// SealedSecret's after the SealedSecret changes and after someone edits the Secret
    /// (so drift is repaired); another SealedSecret of the same name (new uid) cannot
    /// claim it.
    #[test]
    fn a_skip_owner_secret_is_claimed_only_by_the_sealed_secret_that_made_it() {
        use sealer_core::seal::{self, SealOptions};
        use sealer_core::{KeyRing, SealingCert, keys};
        let k = keys::generate_key(2048, 1, 1_800_000_000).unwrap();
        let cert = SealingCert::from_pem(k.cert_pem.as_bytes(), 1_800_000_000).unwrap();
        let keys = KeySet {
            ring: KeyRing::new(keys::load_private_keys(k.key_pem.as_bytes(), "k").unwrap()),
            ..KeySet::default()
        };
        let plain = json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "prod",
                "annotations": {ANNOTATION_SKIP_OWNER: "true"}},
            "stringData": {"password": "hunter2"}
        });
        let sealed = seal::seal_secret(&plain, &cert, &SealOptions::default()).unwrap();
        let mut ss: SealedSecret = serde_json::from_value(sealed).unwrap();
        ss.metadata.uid = Some("uid-1".into());
        let shape = shape(&ss);
        let source = source_digest(&ss).unwrap();
        let (mut made, _) = unseal(&ss, &keys, &shape, &source).unwrap();
        assert!(
            made.metadata
                .owner_references
                .iter()
                .flatten()
                .next()
                .is_none()
        );
        let by = |uid, source| Claim {
            uid: Some(uid),
            keys: &keys,
            source,
        };
        assert_eq!(
            ownership(&made, &by("uid-1", &source)),
            Ownership::Controlled
        );
        // The SealedSecret changed (another source) and the Secret was edited.
        if let Some(d) = made.data.as_mut() {
            d.insert("password".into(), ByteString(b"edited".to_vec()));
        }
        assert_eq!(
            ownership(&made, &by("uid-1", "changed")),
            Ownership::Controlled
        );
        let c = by("uid-1", &source);
        assert!(!in_sync(&made, ownership(&made, &c), &shape, &c));
        // A SealedSecret re-created under the same name finds an orphan, not its Secret.
        assert_eq!(ownership(&made, &by("uid-2", &source)), Ownership::Foreign);
    }
}
