//! The operations on whole objects: seal a Secret, seal one raw value, merge into an
//! existing SealedSecret, unseal, re-encrypt and validate.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use crate::cert::SealingCert;
use crate::checks::{check_name, check_namespace, check_secret_key};
use crate::error::{Error, MetaField, ObjectKind, Result};
use crate::keys::KeyRing;
use crate::manifest::{self, SEALED_SECRET_API_VERSION, SEALED_SECRET_KIND};
use crate::scope::{ANNOTATION_CLUSTER_WIDE, ANNOTATION_NAMESPACE_WIDE, Scope};
use crate::template::MAX_SECRET_DATA;
use crate::validity::shown;

/// Annotation recording the fingerprint(s) of the certificate(s) that sealed the values,
/// so "which key sealed this?" has an answer without trying every key.
pub const ANNOTATION_SEALED_WITH: &str = "sealer.dev/sealed-with";
/// Annotation that `kubectl apply` leaves on objects; it holds the whole object,
/// plaintext included, and must never be copied into a template.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Metadata fields the API server sets; they never belong in a template.
const SERVER_FIELDS: &[&str] = &[
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "managedFields",
    "ownerReferences",
    "generation",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

pub use crate::scope::Target;
pub use crate::values::{Values, secret_values};

/// What `seal` may fill in or override.
#[derive(Clone, Debug, Default)]
pub struct SealOptions {
    /// Scope to seal with; `None` takes it from the Secret's annotations (strict if none).
    pub scope: Option<Scope>,
    /// Namespace to use when the Secret has none.
    pub namespace: Option<String>,
    /// Name to use when the Secret has none.
    pub name: Option<String>,
    /// Seal a Secret with no values instead of refusing it.
    pub allow_empty_data: bool,
}

/// Short fingerprint used in the [`ANNOTATION_SEALED_WITH`] annotation.
pub fn short_fingerprint(full: &str) -> String {
    format!("sha256:{}", &full[..full.len().min(16)])
}

/// The value of `field`: the object's own (`from_doc`), else the one given. Both present
/// must agree; `object` names the object in the error.
fn fill(
    field: MetaField,
    from_doc: Option<&str>,
    given: Option<&str>,
    object: &str,
) -> Result<Option<String>> {
    match (from_doc, given) {
        // Neither value has been checked yet: both are shown escaped and cut.
        (Some(a), Some(b)) if a != b => Err(Error::FieldConflict {
            object: object.to_owned(),
            field,
            in_document: shown(a),
            given: shown(b),
        }),
        (Some(a), _) => Ok(Some(a.to_owned())),
        (None, b) => Ok(b.map(str::to_owned)),
    }
}

/// Refuses a name or namespace that YAML read as something other than a string
/// (`namespace: y` is a boolean in YAML 1.1, as Kubernetes reads it).
fn require_string_meta(doc: &Value) -> Result<()> {
    for field in [MetaField::Name, MetaField::Namespace] {
        match doc.get("metadata").and_then(|m| m.get(field.as_str())) {
            None | Some(Value::String(_)) | Some(Value::Null) => {}
            Some(_) => return Err(Error::MetadataNotAString { field }),
        }
    }
    Ok(())
}

fn require_secret(doc: &Value) -> Result<()> {
    require_string_meta(doc)?;
    match manifest::kind(doc) {
        Some("Secret") => Ok(()),
        Some(SEALED_SECRET_KIND) => Err(Error::AlreadySealed {
            object: manifest::display_name(doc),
        }),
        Some(_) => Err(Error::NotASecret {
            object: manifest::display_name(doc),
            kind: manifest::shown_kind(doc),
        }),
        None => Err(Error::MissingKind {
            expected: ObjectKind::Secret,
        }),
    }
}

/// What sealing a Secret needs, checked: its target and its values.
struct Checked {
    name: String,
    namespace: Option<String>,
    scope: Scope,
    values: Values,
}

/// Checks everything [`seal_secret`] would refuse, without sealing (no certificate, no
/// RSA): `seal` checks a whole stream before it writes anything.
pub fn check_secret(secret: &Value, opts: &SealOptions) -> Result<()> {
    check(secret, opts).map(drop)
}

fn check(secret: &Value, opts: &SealOptions) -> Result<Checked> {
    require_secret(secret)?;
    let name = fill(
        MetaField::Name,
        manifest::meta_str(secret, "name"),
        opts.name.as_deref(),
        "the Secret",
    )?
    .ok_or(Error::MissingName)?;
    check_name(ObjectKind::Secret, &name)?;
    let namespace = fill(
        MetaField::Namespace,
        manifest::meta_str(secret, "namespace"),
        opts.namespace.as_deref(),
        &format!("Secret {name}"),
    )?;
    if let Some(ns) = &namespace {
        check_namespace(ns)?;
    }
    let scope = opts
        .scope
        .unwrap_or_else(|| Scope::from_annotations(|k| manifest::annotation(secret, k)));
    if scope.needs_namespace() && namespace.is_none() {
        return Err(Error::MissingNamespace {
            secret: name,
            scope,
        });
    }
    let values = secret_values(secret)?;
    if values.is_empty() && !opts.allow_empty_data {
        return Err(Error::EmptySecret { secret: name });
    }
    // The API server refuses a Secret of more than 1 MiB of data (MaxSecretSize): its
    // SealedSecret could never be unsealed into one.
    let size = values
        .values()
        .fold(0usize, |sum, v| sum.saturating_add(v.len()));
    if size > MAX_SECRET_DATA {
        return Err(Error::SecretDataTooLarge {
            limit: MAX_SECRET_DATA,
        });
    }
    Ok(Checked {
        name,
        namespace,
        scope,
        values,
    })
}

/// Seals a Secret manifest into a SealedSecret object.
pub fn seal_secret(secret: &Value, cert: &SealingCert, opts: &SealOptions) -> Result<Value> {
    let Checked {
        name,
        namespace,
        scope,
        values,
    } = check(secret, opts)?;
    let target = Target {
        scope,
        namespace: namespace.clone().unwrap_or_default(),
        name: name.clone(),
    };
    let encrypted = seal_values(&values, &target, cert)?;

    let mut template_meta = secret
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for field in SERVER_FIELDS {
        template_meta.remove(*field);
    }
    if let Some(Value::Object(ann)) = template_meta.get_mut("annotations") {
        if let Some(mut v) = ann.remove(LAST_APPLIED) {
            manifest::wipe(&mut v);
        }
        if ann.is_empty() {
            template_meta.remove("annotations");
        }
    }
    template_meta.insert("name".into(), json!(name));
    if let Some(ns) = &namespace {
        template_meta.insert("namespace".into(), json!(ns));
    }
    let mut template = Map::new();
    template.insert("metadata".into(), Value::Object(template_meta));
    for field in ["type", "immutable"] {
        if let Some(v) = secret.get(field).filter(|v| !v.is_null()) {
            template.insert(field.into(), v.clone());
        }
    }

    let mut meta = Map::new();
    meta.insert("name".into(), json!(name));
    if let Some(ns) = &namespace {
        meta.insert("namespace".into(), json!(ns));
    }
    let mut annotations = Map::new();
    if let Some((k, v)) = scope.annotation() {
        annotations.insert(k.into(), json!(v));
    }
    annotations.insert(
        ANNOTATION_SEALED_WITH.into(),
        json!(short_fingerprint(&cert.fingerprint())),
    );
    meta.insert("annotations".into(), Value::Object(annotations));

    Ok(json!({
        "apiVersion": SEALED_SECRET_API_VERSION,
        "kind": SEALED_SECRET_KIND,
        "metadata": meta,
        "spec": {
            "encryptedData": encrypted,
            "template": template,
        },
    }))
}

/// Seals every value for `target`, keys sorted.
pub fn seal_values(
    values: &Values,
    target: &Target,
    cert: &SealingCert,
) -> Result<Map<String, Value>> {
    let label = target.label();
    let mut out = Map::new();
    for (key, value) in values {
        let sealed = cert.seal_raw_label(&label, value)?;
        out.insert(key.clone(), json!(sealed.to_base64()));
    }
    Ok(out)
}

/// Seals one raw value (`seal raw`). A name or namespace given must be one Kubernetes
/// accepts, even where the scope does not need it.
pub fn seal_raw(cert: &SealingCert, target: &Target, plaintext: &[u8]) -> Result<String> {
    if target.scope.needs_namespace() && target.namespace.is_empty() {
        return Err(Error::TargetNeedsNamespace {
            scope: target.scope,
        });
    }
    if target.scope.needs_name() && target.name.is_empty() {
        return Err(Error::TargetNeedsName {
            scope: target.scope,
        });
    }
    if !target.name.is_empty() {
        check_name(ObjectKind::Secret, &target.name)?;
    }
    if !target.namespace.is_empty() {
        check_namespace(&target.namespace)?;
    }
    Ok(cert.seal_raw_label(&target.label(), plaintext)?.to_base64())
}

/// The target a SealedSecret's values are bound to: its own name and namespace, and the
/// scope stated by its OUTER annotations (never the template's: CVE-2026-22728).
/// `namespace` fills in a missing namespace.
pub fn sealed_target(sealed: &Value, namespace: Option<&str>) -> Result<Target> {
    require_sealed(sealed)?;
    let name = manifest::meta_str(sealed, "name").ok_or(Error::SealedSecretMissingName)?;
    // Checked before any message names the SealedSecret by it.
    check_name(ObjectKind::SealedSecret, name)?;
    let scope = Scope::from_annotations(|k| manifest::annotation(sealed, k));
    let ns = fill(
        MetaField::Namespace,
        manifest::meta_str(sealed, "namespace"),
        namespace,
        &format!("SealedSecret {name}"),
    )?;
    crate::unseal::target(name, ns.as_deref(), scope)
}

fn require_sealed(doc: &Value) -> Result<()> {
    require_string_meta(doc)?;
    match manifest::kind(doc) {
        Some(SEALED_SECRET_KIND) => Ok(()),
        Some("Secret") => Err(Error::NotSealedYet {
            object: manifest::display_name(doc),
        }),
        Some(_) => Err(Error::NotASealedSecret {
            object: manifest::display_name(doc),
            kind: manifest::shown_kind(doc),
        }),
        None => Err(Error::MissingKind {
            expected: ObjectKind::SealedSecret,
        }),
    }
}

/// The SealedSecret's `spec`, if it has one; a `spec` that is not a map is refused (the
/// API server would refuse it; without this it read as a SealedSecret with no values).
fn spec(sealed: &Value) -> Result<Option<&Map<String, Value>>> {
    match sealed.get("spec") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(Error::SpecNotAMap),
    }
}

fn encrypted_data(sealed: &Value) -> Result<Map<String, Value>> {
    match spec(sealed)?.and_then(|s| s.get("encryptedData")) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(Error::EncryptedDataNotAMap),
    }
}

fn add_sealed_with(sealed: &mut Value, fingerprint: &str, replace: bool) {
    let short = short_fingerprint(fingerprint);
    let Some(meta) = manifest::metadata_mut(sealed) else {
        return;
    };
    let ann = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if !ann.is_object() {
        *ann = Value::Object(Map::new());
    }
    let Some(ann) = ann.as_object_mut() else {
        return;
    };
    let current = ann
        .get(ANNOTATION_SEALED_WITH)
        .and_then(Value::as_str)
        .unwrap_or("");
    let merged = if replace || current.is_empty() {
        short
    } else if current.split(',').any(|f| f == short) {
        current.to_owned()
    } else {
        format!("{current},{short}")
    };
    ann.insert(ANNOTATION_SEALED_WITH.into(), json!(merged));
}

/// Seals the values of `secret` into the existing SealedSecret `sealed` (name, namespace
/// and scope come from `sealed`). Every other value and field is left as it was.
pub fn merge_into(sealed: &Value, secret: &Value, cert: &SealingCert) -> Result<Value> {
    require_secret(secret)?;
    let target = sealed_target(sealed, None)?;
    let values = secret_values(secret)?;
    if values.is_empty() {
        return Err(Error::NothingToMerge);
    }
    let sealed_new = seal_values(&values, &target, cert)?;
    let mut out = sealed.clone();
    let spec = out
        .as_object_mut()
        .and_then(|o| o.entry("spec").or_insert_with(|| json!({})).as_object_mut())
        .ok_or(Error::SpecNotAMap)?;
    let data = spec.entry("encryptedData").or_insert_with(|| json!({}));
    if data.is_null() {
        *data = json!({});
    }
    let data = data.as_object_mut().ok_or(Error::EncryptedDataNotAMap)?;
    // Keys already there must be valid too: the result is what the controller gets.
    for key in data.keys() {
        check_secret_key(key)?;
    }
    for (k, v) in sealed_new {
        data.insert(k, v);
    }
    add_sealed_with(&mut out, &cert.fingerprint(), false);
    Ok(out)
}

pub use crate::unseal::Opened;

/// Tries to open every value of `sealed`, including a legacy `spec.data` blob (whose
/// values are reported under their own keys). Never stops at the first failure.
pub fn open_all(sealed: &Value, keys: &KeyRing, namespace: Option<&str>) -> Result<Opened> {
    let target = sealed_target(sealed, namespace)?;
    let label = target.label();
    let mut opened = Opened::default();
    for (key, v) in encrypted_data(sealed)? {
        match v.as_str() {
            Some(text) => opened.open(keys, &label, &key, text),
            None => {
                // The key is named only once it is known to be one a Secret can have.
                let e = check_secret_key(&key)
                    .err()
                    .unwrap_or_else(|| Error::MalformedValue {
                        key: key.clone(),
                        reason: "it is not a string".into(),
                    });
                opened.failures.push((shown(&key), e));
            }
        }
    }
    if let Some(legacy) = spec(sealed)?
        .and_then(|s| s.get("data"))
        .filter(|d| !d.is_null())
    {
        const NAME: &str = "spec.data";
        let text = legacy.as_str().ok_or_else(|| Error::MalformedValue {
            key: NAME.into(),
            reason: "it is not a string".into(),
        });
        match text {
            Ok(text) => opened.open_legacy(keys, &label, text),
            Err(e) => opened.failures.push((NAME.into(), e)),
        }
    }
    Ok(opened)
}

/// Turns opened values into the Secret a controller would produce (without owner
/// references), `spec.template.data` rendered over the values (see [`crate::template`]).
/// All values must have opened. The returned object holds plaintext: wipe it
/// (see [`manifest::wipe`]) once written.
pub fn unsealed_secret(sealed: &Value, target: &Target, opened: Opened) -> Result<Value> {
    let values = opened.into_values()?;
    let template = match spec(sealed)?.and_then(|s| s.get("template")) {
        None | Some(Value::Null) => None,
        Some(t @ Value::Object(_)) => Some(t),
        Some(_) => return Err(Error::TemplateNotAMap),
    };
    // Rendered before anything else so a bad template fails the whole unseal, as upstream.
    let rendered = match template.and_then(|t| t.get("data")) {
        // Still bounds the values: a Secret over the API server's limit is refused.
        None | Some(Value::Null) => crate::template::render_templates(&[], &values)?,
        Some(Value::Object(templates)) => {
            templates.keys().try_for_each(|k| check_secret_key(k))?;
            crate::template::render_template_data(templates, &values)?
        }
        Some(_) => return Err(Error::TemplateDataNotAMap),
    };
    let mut meta = template
        .and_then(|t| t.get("metadata"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    meta.insert("name".into(), json!(target.name));
    if target.namespace.is_empty() {
        meta.remove("namespace");
    } else {
        meta.insert("namespace".into(), json!(target.namespace));
    }
    let mut secret = Map::new();
    secret.insert("apiVersion".into(), json!("v1"));
    secret.insert("kind".into(), json!("Secret"));
    secret.insert("metadata".into(), Value::Object(meta));
    for field in ["type", "immutable"] {
        if let Some(v) = template.and_then(|t| t.get(field)).filter(|v| !v.is_null()) {
            secret.insert(field.into(), v.clone());
        }
    }
    // Template keys are laid over the values: a template wins over a value of its name.
    let mut data: Map<String, Value> = values
        .iter()
        .map(|(k, v)| (k.clone(), json!(STANDARD.encode(v.as_slice()))))
        .collect();
    for (k, v) in &rendered {
        data.insert(k.clone(), json!(STANDARD.encode(v.as_slice())));
    }
    secret.insert("data".into(), Value::Object(data));
    Ok(Value::Object(secret))
}

/// Re-seals every value of `sealed` with `cert`, keeping scope, name, namespace, template
/// (labels, annotations, `template.data`) and every other field. A legacy `spec.data` is
/// converted into `encryptedData` entries. All values must open, or nothing changes.
pub fn reencrypt(
    sealed: &Value,
    keys: &KeyRing,
    cert: &SealingCert,
    namespace: Option<&str>,
) -> Result<Value> {
    let target = sealed_target(sealed, namespace)?;
    let values = open_all(sealed, keys, namespace)?.into_values()?;
    let resealed = seal_values(&values, &target, cert)?;
    let mut out = sealed.clone();
    if let Some(spec) = out.get_mut("spec").and_then(Value::as_object_mut) {
        spec.remove("data");
        spec.insert("encryptedData".into(), Value::Object(resealed));
    }
    add_sealed_with(&mut out, &cert.fingerprint(), true);
    Ok(out)
}

/// Whether `doc` is a SealedSecret (by kind).
pub fn is_sealed_secret(doc: &Value) -> bool {
    manifest::kind(doc) == Some(SEALED_SECRET_KIND)
}

/// Both scope annotations, for callers that list them.
pub const SCOPE_ANNOTATIONS: [&str; 2] = [ANNOTATION_CLUSTER_WIDE, ANNOTATION_NAMESPACE_WIDE];
