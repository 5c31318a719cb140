//! The `bitnami.com/v1alpha1` SealedSecret resource, as Rust types. The CRD YAML in
//! `charts/sealer-controller/crds/` is generated from these types (`sealer-controller
//! crd`) and a test fails when the two drift apart. The schema accepts every object the
//! upstream CRD accepts.

use std::collections::BTreeMap;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Condition type written to `status.conditions`.
pub const CONDITION_SYNCED: &str = "Synced";

/// A Secret sealed with the controller's public key.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "bitnami.com",
    version = "v1alpha1",
    kind = "SealedSecret",
    plural = "sealedsecrets",
    singular = "sealedsecret",
    namespaced,
    status = "SealedSecretStatus",
    doc = "A Secret sealed (encrypted) with the controller's public key; only the controller can turn it back into the Secret.",
    printcolumn = r#"{"name":"Status","type":"string","jsonPath":".status.conditions[0].message"}"#,
    printcolumn = r#"{"name":"Synced","type":"string","jsonPath":".status.conditions[0].status"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct SealedSecretSpec {
    /// Sealed values by key: base64 of the hybrid RSA-OAEP + AES-GCM format.
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub encrypted_data: BTreeMap<String, String>,
    /// Shape of the Secret produced from this object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<SecretTemplateSpec>,
    /// Legacy: one sealed blob holding a whole Secret. Read, never written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "byte"))]
    pub data: Option<String>,
}

/// Template of the produced Secret.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct SecretTemplateSpec {
    /// Metadata of the produced Secret (name and namespace are forced to the
    /// SealedSecret's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "template_metadata_schema")]
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
    /// The Secret's type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Whether the produced Secret is immutable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immutable: Option<bool>,
    /// Keys rendered from templates over the decrypted values (`{{ .password }}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<BTreeMap<String, String>>,
}

fn template_metadata_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "nullable": true,
        "x-kubernetes-preserve-unknown-fields": true,
        "description": "Metadata of the produced Secret.",
        "properties": {
            "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "finalizers": {"type": "array", "items": {"type": "string"}},
            "name": {"type": "string"},
            "namespace": {"type": "string"}
        }
    })
}

/// What the controller last observed.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SealedSecretStatus {
    /// The latest observations; the controller writes one of type `Synced`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<SealedSecretCondition>,
    /// The generation the controller last acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
}

/// One condition of a SealedSecret.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SealedSecretCondition {
    /// Condition type: `Synced`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// Last time the condition was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub last_update_time: Option<String>,
    /// Last time the status changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub last_transition_time: Option<String>,
    /// Machine-readable reason of the last transition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What went wrong, when `status` is `False`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The CRD as YAML, as committed under `charts/sealer-controller/crds/`.
pub fn crd_yaml() -> String {
    use kube::CustomResourceExt;
    let crd = SealedSecret::crd();
    let value = serde_json::to_value(&crd).unwrap_or_default();
    let body = sealer_core::manifest::render(&[value], sealer_core::manifest::Format::Yaml)
        .unwrap_or_default();
    format!(
        "# Generated by `sealer-controller crd` from sealer-controller/src/crd.rs: do not edit.\n{body}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_crd_matches_the_types() {
        let committed =
            include_str!("../../charts/sealer-controller/crds/sealedsecrets.bitnami.com.yaml");
        assert!(
            committed == crd_yaml(),
            "charts/sealer-controller/crds/sealedsecrets.bitnami.com.yaml is stale: run `make crd`"
        );
    }

    #[test]
    fn the_crd_names_match_upstream() {
        use kube::CustomResourceExt;
        let crd = SealedSecret::crd();
        assert_eq!(
            crd.metadata.name.as_deref(),
            Some("sealedsecrets.bitnami.com")
        );
        assert_eq!(crd.spec.names.kind, "SealedSecret");
        assert_eq!(crd.spec.names.plural, "sealedsecrets");
        assert_eq!(crd.spec.scope, "Namespaced");
        let v = &crd.spec.versions[0];
        assert_eq!(v.name, "v1alpha1");
        assert!(
            v.subresources
                .as_ref()
                .and_then(|s| s.status.as_ref())
                .is_some()
        );
    }

    #[test]
    fn upstream_objects_deserialize_including_legacy_data() {
        let v: SealedSecret = serde_json::from_value(serde_json::json!({
            "apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret",
            "metadata": {"name": "a", "namespace": "b"},
            "spec": {"encryptedData": {}, "data": "AgB=", "template": {"metadata": null, "data": null, "type": "Opaque"}}
        }))
        .unwrap();
        assert_eq!(v.spec.data.as_deref(), Some("AgB="));
        assert!(v.spec.encrypted_data.is_empty());
    }
}
