//! Reading and writing Kubernetes manifests: YAML streams, concatenated JSON, `List`s.
//!
//! Documents are held as `serde_json::Value` so that fields this crate does not know
//! survive a round trip. Parsed input may hold plaintext, so [`Documents`] wipes every
//! string it holds when dropped.

use serde_json::{Map, Value};
use zeroize::Zeroize;

use crate::error::{Error, Result, ShownKind};
pub use crate::reader::{for_each_document, json_values, parse_documents};
use crate::validity;

/// API version of SealedSecret objects.
pub const SEALED_SECRET_API_VERSION: &str = "bitnami.com/v1alpha1";
/// Kind of SealedSecret objects.
pub const SEALED_SECRET_KIND: &str = "SealedSecret";

/// Parsed documents of one input, `List`s already flattened. Every string is wiped
/// when this is dropped.
#[derive(Default)]
pub struct Documents(Vec<Value>);

impl std::fmt::Debug for Documents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Documents({} objects)", self.0.len())
    }
}

impl Documents {
    /// Wraps already-parsed objects.
    pub fn new(docs: Vec<Value>) -> Self {
        Self(docs)
    }
    /// The objects, in input order.
    pub fn iter(&self) -> std::slice::Iter<'_, Value> {
        self.0.iter()
    }
    /// Number of objects.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub(crate) fn push(&mut self, doc: Value) {
        self.0.push(doc);
    }
}

impl Drop for Documents {
    fn drop(&mut self) {
        for doc in &mut self.0 {
            wipe(doc);
        }
    }
}

/// Overwrites every string inside `value` with zeros (keys are names, not secrets).
pub fn wipe(value: &mut Value) {
    match value {
        Value::String(s) => s.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe),
        Value::Object(map) => map.values_mut().for_each(wipe),
        _ => {}
    }
}

/// Whether the input is JSON (its first non-blank character opens an object or array).
pub fn is_json(text: &str) -> bool {
    matches!(
        text.trim_start_matches('\u{feff}')
            .trim_start()
            .chars()
            .next(),
        Some('{' | '[')
    )
}

/// The object's `kind`, if it is a string.
pub fn kind(doc: &Value) -> Option<&str> {
    doc.get("kind").and_then(Value::as_str)
}

/// The object's `kind` as a message may show it.
pub fn shown_kind(doc: &Value) -> ShownKind {
    ShownKind::of(kind(doc))
}

/// A string field of `metadata`, if present and non-empty.
pub fn meta_str<'a>(doc: &'a Value, field: &str) -> Option<&'a str> {
    doc.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// An annotation of the object, if present.
pub fn annotation<'a>(doc: &'a Value, key: &str) -> Option<&'a str> {
    doc.get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
}

/// `namespace/name` (or just the name) for messages. It is shown before the name is
/// checked (to say what is wrong with the object), so a name or namespace Kubernetes
/// would refuse is escaped and cut ([`crate::validity`]): one line, however long.
pub fn display_name(doc: &Value) -> String {
    let name = meta_str(doc, "name").map(|n| {
        if validity::is_valid_name(n) {
            n.to_owned()
        } else {
            validity::shown(n)
        }
    });
    let namespace = meta_str(doc, "namespace").map(|ns| {
        if validity::is_valid_namespace(ns) {
            ns.to_owned()
        } else {
            validity::shown(ns)
        }
    });
    match (namespace, name) {
        (Some(ns), Some(n)) => format!("{ns}/{n}"),
        (None, Some(n)) => n.to_owned(),
        (Some(ns), None) => format!("{ns}/<no name>"),
        (None, None) => "<no name>".to_owned(),
    }
}

/// The `metadata` map of an object, created if missing.
pub fn metadata_mut(doc: &mut Value) -> Option<&mut Map<String, Value>> {
    let obj = doc.as_object_mut()?;
    obj.entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
}

/// Long base64 values stay on one plain line (folded scalars confuse people and some
/// tools); multi-line strings still use literal blocks.
fn yaml_options() -> serde_saphyr::SerializerOptions {
    let mut options = serde_saphyr::SerializerOptions::default();
    options.folded_wrap_chars = usize::MAX;
    options
}

/// Output format of manifests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// YAML documents separated by `---`.
    Yaml,
    /// Pretty JSON objects, one after another.
    Json,
}

/// Renders objects in `format`: YAML as a `---` separated stream, JSON as pretty objects
/// one after another (what `kubectl apply -f` accepts for both).
pub fn render(docs: &[Value], format: Format) -> Result<String> {
    let mut out = String::new();
    for (i, doc) in docs.iter().enumerate() {
        match format {
            Format::Yaml => {
                if i > 0 {
                    out.push_str("---\n");
                }
                let text = serde_saphyr::to_string_with_options(doc, yaml_options())
                    .map_err(|_| Error::Crypto("rendering YAML"))?;
                out.push_str(&text);
                if !out.ends_with('\n') {
                    out.push('\n');
                }
            }
            Format::Json => {
                let text = serde_json::to_string_pretty(doc)
                    .map_err(|_| Error::Crypto("rendering JSON"))?;
                out.push_str(&text);
                out.push('\n');
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_stream_and_list_are_flattened() {
        let docs = parse_documents(
            "---\napiVersion: v1\nkind: Secret\nmetadata: {name: a}\n---\n\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: b}}\n- {apiVersion: v1, kind: Secret, metadata: {name: c}}\n",
        )
        .unwrap();
        let names: Vec<_> = docs.iter().map(|d| meta_str(d, "name").unwrap()).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }

    #[test]
    fn concatenated_json_objects_are_read() {
        let docs = parse_documents(
            "{\"kind\":\"Secret\",\"metadata\":{\"name\":\"a\"}}\n{\"kind\":\"Secret\",\"metadata\":{\"name\":\"b\"}}",
        )
        .unwrap();
        assert_eq!(docs.len(), 2);
    }

    #[test]
    fn bom_and_crlf_are_accepted() {
        let docs =
            parse_documents("\u{feff}apiVersion: v1\r\nkind: Secret\r\nmetadata:\r\n  name: a\r\n")
                .unwrap();
        assert_eq!(meta_str(docs.iter().next().unwrap(), "name"), Some("a"));
    }

    #[test]
    fn yaml_errors_never_echo_the_input() {
        let err = parse_documents("kind: Secret\nstringData:\n  password: \"hunter2\n  x: [")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
        assert!(err.starts_with("cannot parse input: invalid YAML"), "{err}");
    }

    /// Every YAML error reads as a sentence about the structure: no parser `Debug` dump,
    /// no Rust type, and nothing of the input (each input plants `hunter2`).
    #[test]
    fn fail_yaml_errors_are_plain_sentences_that_never_quote_the_input() {
        let deep = format!("hunter2: {}{}\n", "[".repeat(100), "]".repeat(100));
        let bomb = format!(
            "a: &a [hunter2, x, x, x, x, x, x, x, x, x]\nb: &b [{}]\nc: &c [{}]\nd: &d [{}]\ne: &e [{}]\nf: [{}]\n",
            ["*a"; 10].join(","),
            ["*b"; 10].join(","),
            ["*c"; 10].join(","),
            ["*d"; 10].join(","),
            ["*e"; 10].join(",")
        );
        let aliases = format!("a: &a hunter2\nb: [{}]\n", ["*a"; 200].join(","));
        let cases = [
            (
                deep.as_str(),
                "line 1 column 73: nested more than 64 levels deep",
            ),
            (
                &bomb,
                "line 6 column 26: aliases expand too much (a limit against alias bombs)",
            ),
            (
                &aliases,
                "line 3 column 1: aliases expand too much (a limit against alias bombs)",
            ),
            (
                "a: *hunter2\n",
                "line 1 column 4: an alias (*name) refers to no anchor (&name) defined before it",
            ),
            (
                "a: !x!hunter2 z\n",
                "line 1 column 4: a tag uses a handle that no %TAG directive declares",
            ),
            (
                "~: hunter2\n",
                "line 1 column 1: a mapping key is null (~ or nothing): keys are text",
            ),
            (
                "a: @hunter2\n",
                "line 1 column 4: a character that cannot start a value here (|, >, %, @ or `): quote the value",
            ),
            (
                "a: \"hunter2\u{7}\"\n",
                "line 1 column 12: a control character: write it as an escape in a double-quoted value",
            ),
            (
                "a: [hunter2}\n",
                "line 1 column 4: mismatched bracket '[' closed by '}'",
            ),
            ("a: [hunter2\n", "line 1 column 4: unclosed bracket '['"),
            ("a: \"hunter2\n", "line 1 column 4: unclosed quote"),
            (
                "hunter2: .nan\n",
                "line 1 column 10: a number that is infinite or not a number (.nan, .inf, 1e999): quote it if it is text",
            ),
            (
                "a: !!binary hunter2\n",
                "line 1 column 13: a !!binary value is not valid base64",
            ),
            (
                "a: &a {x: 1}\nb: {<<: hunter2}\n",
                "line 2 column 9: a merge key (<<) must refer to a mapping or a list of mappings",
            ),
            (
                "a: \"\\q hunter2\"\n",
                "line 1 column 4: while parsing a quoted scalar, found unknown escape character",
            ),
            (
                "a:\n  b: hunter2\n d: e\n",
                "line 3 column 2: while parsing a block mapping, did not find expected key",
            ),
        ];
        for (text, reason) in cases {
            let err = parse_documents(text).unwrap_err().to_string();
            assert_eq!(
                err,
                format!("cannot parse input: invalid YAML at {reason}"),
                "{text:?}"
            );
            assert!(!err.contains("hunter2"), "{err}");
        }
        // Every cut of a manifest full of YAML forms fails, if at all, without any of it.
        let manifest = "apiVersion: v1\nkind: Secret\nmetadata: {name: hunter, labels: {hunter: \"hunter\"}}\nstringData:\n  a: &x 'hunter'\n  b: *x\n  c: |\n    hunter\n  d: [hunter, !!str hunter]\n  ? e\n  : \"hu\\tnter\"\n";
        for cut in 0..manifest.len() {
            if let Err(e) = parse_documents(&manifest[..cut]) {
                let err = e.to_string();
                assert!(!err.contains("hunter") && !err.contains(" { "), "{err}");
            }
        }
    }

    #[test]
    fn yaml_1_1_boolean_spellings_stay_strings() {
        let docs =
            parse_documents("metadata: {name: n, namespace: y}\nstringData: {a: no, b: 0123}\n")
                .unwrap();
        let d = docs.iter().next().unwrap();
        assert_eq!(d["metadata"]["name"], "n");
        assert_eq!(d["metadata"]["namespace"], "y");
        assert_eq!(d["stringData"]["a"], "no");
        assert_eq!(d["stringData"]["b"], "0123");
    }

    #[test]
    fn a_stream_of_thousands_of_documents_is_read() {
        let one = "---\napiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: b}\nstringData: {k: v}\n";
        let docs = parse_documents(&one.repeat(5000)).unwrap();
        assert_eq!(docs.len(), 5000);
    }

    #[test]
    fn duplicate_keys_are_an_error() {
        assert!(parse_documents("kind: Secret\nkind: ConfigMap\n").is_err());
    }

    #[test]
    fn fail_duplicate_keys_in_json_are_refused_at_their_place_without_the_key() {
        for (text, at) in [
            ("{\"kind\":\"Secret\",\"kind\":\"x\"}", "line 1 column 23"),
            (
                "{\"a\":{\"b\":1}}\n{\"s\":{\"hunter2\":1,\n\"hunter2\":2}}",
                "line 3 column 9",
            ),
            (
                "[{\"a\":1},{\"b\":[{\"hunter2\":1,\"hunter2\":1}]}]",
                "line 1 column 37",
            ),
        ] {
            let err = parse_documents(text).unwrap_err().to_string();
            assert_eq!(
                err,
                format!(
                    "cannot parse input: duplicate key at {at} (a key may appear only once in a mapping)"
                )
            );
        }
        // The same key in sibling objects is no duplicate.
        let docs = parse_documents("[{\"a\":{\"k\":1}},{\"a\":{\"k\":2}}]").unwrap();
        assert_eq!(docs.len(), 2);
    }

    #[test]
    fn fail_duplicate_keys_in_yaml_are_refused_at_their_place_without_the_key() {
        let err = parse_documents("kind: Secret\nstringData:\n  hunter2: a\n  hunter2: b\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "cannot parse input: duplicate key at line 4 column 3 (a key may appear only once in a mapping)"
        );
    }

    #[test]
    fn json_values_of_every_type_are_read_as_serde_json_reads_them() {
        let text = r#"{"s":"x","i":-3,"u":18446744073709551615,"f":1.5,"b":true,"n":null,"a":[1,"y",{}],"o":{"k":[]}}"#;
        let docs = parse_documents(text).unwrap();
        let expected: Value = serde_json::from_str(text).unwrap();
        assert_eq!(docs.iter().next().unwrap(), &expected);
    }

    #[test]
    fn a_scalar_document_is_refused() {
        let err = parse_documents("just text").unwrap_err().to_string();
        assert!(err.contains("not a Kubernetes object"), "{err}");
    }

    #[test]
    fn wipe_clears_every_string() {
        let mut v = serde_json::json!({"a": "secret", "b": ["x", {"c": "y"}]});
        wipe(&mut v);
        assert_eq!(v, serde_json::json!({"a": "", "b": ["", {"c": ""}]}));
    }
}
