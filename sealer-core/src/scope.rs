//! Sealing scopes and the OAEP label each one binds a value to.

use std::fmt;
use std::str::FromStr;

/// Annotation that makes a SealedSecret cluster-wide (label: empty).
pub const ANNOTATION_CLUSTER_WIDE: &str = "sealedsecrets.bitnami.com/cluster-wide";
/// Annotation that makes a SealedSecret namespace-wide (label: the namespace).
pub const ANNOTATION_NAMESPACE_WIDE: &str = "sealedsecrets.bitnami.com/namespace-wide";

/// Where a sealed value may be unsealed. The scope decides the OAEP label, so a value
/// sealed for one name or namespace cannot be moved to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Scope {
    /// Only under this exact namespace and name (label `namespace/name`).
    #[default]
    Strict,
    /// Under any name in this namespace (label `namespace`).
    NamespaceWide,
    /// Anywhere in the cluster (empty label).
    ClusterWide,
}

impl Scope {
    /// All scopes, strictest first.
    pub const ALL: [Scope; 3] = [Scope::Strict, Scope::NamespaceWide, Scope::ClusterWide];

    /// The OAEP label that binds a value to this scope.
    pub fn label(self, namespace: &str, name: &str) -> Vec<u8> {
        match self {
            Scope::Strict => format!("{namespace}/{name}").into_bytes(),
            Scope::NamespaceWide => namespace.as_bytes().to_vec(),
            Scope::ClusterWide => Vec::new(),
        }
    }

    /// The scope stated by a SealedSecret's outer annotations. Only the exact string
    /// `"true"` counts, and cluster-wide wins when both are set.
    pub fn from_annotations<'a>(mut get: impl FnMut(&str) -> Option<&'a str>) -> Scope {
        if get(ANNOTATION_CLUSTER_WIDE) == Some("true") {
            Scope::ClusterWide
        } else if get(ANNOTATION_NAMESPACE_WIDE) == Some("true") {
            Scope::NamespaceWide
        } else {
            Scope::Strict
        }
    }

    /// The annotation that states this scope, if any (strict needs none).
    pub fn annotation(self) -> Option<(&'static str, &'static str)> {
        match self {
            Scope::Strict => None,
            Scope::NamespaceWide => Some((ANNOTATION_NAMESPACE_WIDE, "true")),
            Scope::ClusterWide => Some((ANNOTATION_CLUSTER_WIDE, "true")),
        }
    }

    /// Whether sealing under this scope needs the object's namespace.
    pub fn needs_namespace(self) -> bool {
        !matches!(self, Scope::ClusterWide)
    }

    /// Whether sealing under this scope needs the object's name.
    pub fn needs_name(self) -> bool {
        matches!(self, Scope::Strict)
    }

    /// The name used on the command line and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Strict => "strict",
            Scope::NamespaceWide => "namespace-wide",
            Scope::ClusterWide => "cluster-wide",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "strict" => Ok(Scope::Strict),
            "namespace-wide" => Ok(Scope::NamespaceWide),
            "cluster-wide" => Ok(Scope::ClusterWide),
            other => Err(format!(
                "unknown scope `{other}`: use strict, namespace-wide or cluster-wide"
            )),
        }
    }
}

/// The target of a seal: where values will be bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Scope of the values.
    pub scope: Scope,
    /// Namespace (empty only for cluster-wide objects with no namespace).
    pub namespace: String,
    /// Name of the object.
    pub name: String,
}

impl Target {
    /// The OAEP label of this target.
    pub fn label(&self) -> Vec<u8> {
        self.scope.label(&self.namespace, &self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn scope_of(pairs: &[(&str, &str)]) -> Scope {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Scope::from_annotations(|k| map.get(k).map(String::as_str))
    }

    #[test]
    fn labels_follow_the_bitnami_format() {
        assert_eq!(Scope::Strict.label("ns", "db"), b"ns/db");
        assert_eq!(Scope::NamespaceWide.label("ns", "db"), b"ns");
        assert_eq!(Scope::ClusterWide.label("ns", "db"), b"");
    }

    #[test]
    fn only_the_exact_string_true_counts() {
        assert_eq!(
            scope_of(&[(ANNOTATION_CLUSTER_WIDE, "True")]),
            Scope::Strict
        );
        assert_eq!(
            scope_of(&[(ANNOTATION_NAMESPACE_WIDE, "yes")]),
            Scope::Strict
        );
        assert_eq!(
            scope_of(&[(ANNOTATION_NAMESPACE_WIDE, "true")]),
            Scope::NamespaceWide
        );
    }

    #[test]
    fn cluster_wide_wins_when_both_are_set() {
        assert_eq!(
            scope_of(&[
                (ANNOTATION_NAMESPACE_WIDE, "true"),
                (ANNOTATION_CLUSTER_WIDE, "true")
            ]),
            Scope::ClusterWide
        );
    }

    #[test]
    fn scope_names_round_trip() {
        for s in Scope::ALL {
            assert_eq!(s.as_str().parse::<Scope>(), Ok(s));
        }
        assert!("Strict".parse::<Scope>().is_err());
    }
}
