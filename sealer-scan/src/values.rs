//! Helm values: a key whose name says secret holding a value that looks real, at any
//! depth. Where values are: chart and environment values files (`values*.yaml`),
//! helm-secrets files (`secrets*.yaml`, `*.dec.yaml`), Flux `HelmRelease.spec.values`,
//! Argo CD `Application` (and `ApplicationSet` template) `helm.values` (a YAML string),
//! `helm.valuesObject` and `helm.parameters`, helmfile releases' `values` and `set`.
//! Objects embedded in values (`extraDeploy`, `extraManifests`, `extraObjects`, as maps
//! or as YAML strings) get every manifest rule, under their path.

use serde_json::Value;

use crate::chunk::is_sops_enc;
use crate::finding::Rule;
use crate::tokens::{key_says_secret, value_looks_real};
use crate::yaml::{Doc, join, object, parse_yaml, path_key};

/// Keys of chart values that hold whole Kubernetes objects.
const EMBEDDED: [&str; 4] = [
    "extraDeploy",
    "extraManifests",
    "extraObjects",
    "extraResources",
];

/// Whether a file's name makes it Helm values.
pub(crate) fn is_values_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let Some(stem) = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
    else {
        return false;
    };
    stem.starts_with("values") || stem.starts_with("secrets") || stem.ends_with(".dec")
}

/// Whether a file's name makes it a helmfile.
pub(crate) fn is_helmfile(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name.starts_with("helmfile") && (name.ends_with(".yaml") || name.ends_with(".yml"))
        || path.contains("helmfile.d/")
}

/// One place values sit in a document.
pub(crate) struct Root {
    pub path: String,
    pub value: Value,
    /// Parsed from a YAML string (Argo CD `helm.values`): the key search of the
    /// document did not see inside it.
    pub from_string: bool,
}

/// Where the Helm values of one parsed document are, by what the document is.
pub(crate) fn roots(doc: &Value, file: &str) -> Vec<Root> {
    let mut roots = Vec::new();
    let mut add = |path: String, value: &Value| {
        roots.push(Root {
            path,
            value: value.clone(),
            from_string: false,
        });
    };
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
    match kind {
        "HelmRelease" => {
            if let Some(v) = doc.get("spec").and_then(|s| s.get("values")) {
                add("spec.values".to_owned(), v);
            }
        }
        "Application" | "ApplicationSet" => {
            let (spec, prefix) = if kind == "Application" {
                (doc.get("spec"), "spec")
            } else {
                (
                    doc.get("spec")
                        .and_then(|s| s.get("template"))
                        .and_then(|t| t.get("spec")),
                    "spec.template.spec",
                )
            };
            if let Some(spec) = spec {
                argo_spec(spec, prefix, &mut roots);
            }
        }
        _ if is_helmfile(file) => helmfile(doc, &mut roots),
        _ if (is_values_file(file) || file.ends_with(".tfvars.json")) && kind.is_empty() => {
            add(String::new(), doc);
        }
        _ => {}
    }
    roots
}

fn argo_spec(spec: &Value, prefix: &str, roots: &mut Vec<Root>) {
    let mut sources = Vec::new();
    if let Some(s) = spec.get("source") {
        sources.push((join(prefix, "source"), s));
    }
    for (i, s) in spec
        .get("sources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        sources.push((join(prefix, &format!("sources[{i}]")), s));
    }
    for (path, source) in sources {
        let Some(helm) = source.get("helm") else {
            continue;
        };
        let helm_path = join(&path, "helm");
        if let Some(text) = helm.get("values").and_then(Value::as_str)
            && let Some(value) = parse_yaml(text)
        {
            roots.push(Root {
                path: join(&helm_path, "values"),
                value,
                from_string: true,
            });
        }
        for field in ["valuesObject", "parameters"] {
            if let Some(value) = helm.get(field) {
                roots.push(Root {
                    path: join(&helm_path, field),
                    value: value.clone(),
                    from_string: false,
                });
            }
        }
    }
}

fn helmfile(doc: &Value, roots: &mut Vec<Root>) {
    let mut blocks: Vec<(String, &Value)> = Vec::new();
    for (i, r) in doc
        .get("releases")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        blocks.push((format!("releases[{i}]"), r));
    }
    if let Some(envs) = doc.get("environments").and_then(Value::as_object) {
        for (name, env) in envs {
            blocks.push((format!("environments.{}", path_key(name)), env));
        }
    }
    for (path, block) in blocks {
        for (j, v) in block
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            // Strings name values files, which are scanned on their own.
            if v.is_object() {
                roots.push(Root {
                    path: format!("{path}.values[{j}]"),
                    value: v.clone(),
                    from_string: false,
                });
            }
        }
        for field in ["set", "setString"] {
            if let Some(set) = block.get(field) {
                roots.push(Root {
                    path: format!("{path}.{field}"),
                    value: set.clone(),
                    from_string: false,
                });
            }
        }
    }
}

/// What a walk over values looks for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Look {
    /// Objects embedded in values, which get the manifest rules (first, so a Secret
    /// found there is reported as one).
    Embedded,
    /// Secret-named keys with real-looking values, reported under this rule (last, so
    /// what a more specific rule reported is not repeated).
    Keys(Rule),
    /// Outside Helm values: secret-named keys with random-looking values
    /// ([`crate::generic`]); a value holding a provider token is left to the token rule.
    Generic,
}

/// `[{name: a.b.password, value: x}]`: Argo CD parameters, helmfile `set`.
fn pairs(items: &[Value], path: &str, look: Look, d: &mut Doc<'_, '_, '_>) {
    for (i, item) in items.iter().enumerate() {
        let (Some(name), Some(value)) = (
            item.get("name").and_then(Value::as_str),
            item.get("value").and_then(Value::as_str),
        ) else {
            continue;
        };
        let last = name.rsplit('.').next().unwrap_or(name);
        if key_says_secret(last) {
            check(&format!("{path}[{i}]"), value, false, look, d, Some(last));
        }
    }
}

/// Every secret-named key under `v`, at any depth; embedded objects get the manifest
/// rules.
pub(crate) fn walk(v: &Value, path: &str, sops: bool, look: Look, d: &mut Doc<'_, '_, '_>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let child_path = join(path, &path_key(k));
                if look == Look::Embedded && EMBEDDED.contains(&k.as_str()) {
                    embedded(child, &child_path, d);
                }
                match child {
                    Value::String(s) if look != Look::Embedded && key_says_secret(k) => {
                        check(&child_path, s, sops, look, d, None);
                    }
                    Value::Object(_) | Value::Array(_) => {
                        walk(child, &child_path, sops, look, d);
                    }
                    _ => {}
                }
            }
        }
        Value::Array(items) => {
            // `[{name: DB_PASSWORD, value: x}]` (extraEnvVars) reads as one entry.
            if look != Look::Embedded
                && items.iter().any(|i| {
                    i.get("name").is_some() && i.get("value").is_some_and(Value::is_string)
                })
            {
                pairs(items, path, look, d);
            }
            for (i, item) in items.iter().enumerate() {
                if item.is_object() || item.is_array() {
                    walk(item, &join(path, &format!("[{i}]")), sops, look, d);
                }
            }
        }
        _ => {}
    }
}

fn check(
    path: &str,
    value: &str,
    sops: bool,
    look: Look,
    d: &mut Doc<'_, '_, '_>,
    needle: Option<&str>,
) {
    if d.reported.contains(path) || (sops && is_sops_enc(value)) {
        return;
    }
    // `password: !vault path#key` (helmfile/vals tags): a reference, whatever its text.
    if d.raw_value(path, needle)
        .is_some_and(|raw| raw.starts_with('!'))
    {
        return;
    }
    // Under `...Secret`, `...Token`, `...Key` a name is a reference to a Secret or a key
    // in it (`tlsSecret: grafana-tls`, `accessKey: enterprise-logs`); a password is a
    // password even when it is a word.
    let key = path
        .rsplit(['.', ']'])
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase();
    let names_things = [
        "key", "keys", "secret", "secrets", "token", "tokens", "auth", "id",
    ]
    .iter()
    .any(|w| key.ends_with(w));
    if look != Look::Generic && names_things && crate::tokens::is_identifier_like(value) {
        return;
    }
    let (rule, why) = if look == Look::Generic {
        if !crate::tokens::scan(value).is_empty() {
            return;
        }
        match crate::generic::looks_random(value) {
            Some(why) => (Rule::GenericSecret, why),
            None => return,
        }
    } else {
        match value_looks_real(value) {
            Ok(why) => (
                match look {
                    Look::Keys(rule) => rule,
                    _ => Rule::HelmValueSecret,
                },
                why,
            ),
            Err(_) => return,
        }
    };
    let what = match rule {
        Rule::HelmValueSecret => "Helm value",
        Rule::TfvarsSecret => "Terraform variable",
        _ => "value",
    };
    d.push(
        rule,
        path.to_owned(),
        value.as_bytes(),
        format!("{what} looks like a real secret: {why}"),
        rule.fix().to_owned(),
        needle,
    );
}

/// Objects inside values: a list of maps or of YAML strings, or one YAML string.
fn embedded(v: &Value, path: &str, d: &mut Doc<'_, '_, '_>) {
    let items: Vec<(String, &Value)> = match v {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| (join(path, &format!("[{i}]")), item))
            .collect(),
        other => vec![(path.to_owned(), other)],
    };
    for (item_path, item) in items {
        match item {
            Value::Object(_) => object(item, &item_path, false, d),
            Value::String(text) => {
                for (n, piece) in crate::yaml::split(text).iter().enumerate() {
                    if let Some(doc) = parse_yaml(piece.text) {
                        let p = if n == 0 {
                            item_path.clone()
                        } else {
                            format!("{item_path}#{}", n + 1)
                        };
                        object(&doc, &p, false, d);
                        crate::yaml::walk_keys(&doc, &p, false, d);
                    }
                }
            }
            _ => {}
        }
    }
}
