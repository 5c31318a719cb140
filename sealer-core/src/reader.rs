//! Reading manifests: YAML streams, concatenated JSON and JSON arrays, one document at
//! a time.
//!
//! [`for_each_document`] hands each object to its caller as soon as it is read, so what is
//! held at once is one document, not the input: a YAML stream is cut at its document
//! markers (a `---` or `...` line, which YAML forbids anywhere else at the start of a
//! line) and each part parsed on its own; JSON is read value by value, and the items of
//! an array one by one. Positions in errors are those of the whole input.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};

use crate::error::{Error, Location, Result};
use crate::manifest::{Documents, is_json, wipe};

/// A JSON value read as `serde_json::Value` reads it, except that an object holding a key
/// twice is an error (serde_json keeps the last one, where YAML and Kubernetes refuse it).
/// Whatever was read before an error is wiped.
struct UniqueKeys(Value);

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(UniqueKeysVisitor).map(UniqueKeys)
    }
}

struct UniqueKeysVisitor;

impl<'de> Visitor<'de> for UniqueKeysVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> std::result::Result<Value, E> {
        // As serde_json's own Value: JSON has no NaN or infinity, so this never is null.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> std::result::Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Value, D::Error> {
        UniqueKeys::deserialize(d).map(|v| v.0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            match seq.next_element::<UniqueKeys>() {
                Ok(Some(item)) => items.push(item.0),
                Ok(None) => return Ok(Value::Array(items)),
                Err(e) => {
                    items.iter_mut().for_each(wipe);
                    return Err(e);
                }
            }
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let mut out = Map::new();
        let mut read = || -> std::result::Result<(), A::Error> {
            while let Some(key) = map.next_key::<String>()? {
                if out.contains_key(&key) {
                    // The only error this visitor raises itself: see `json_error`.
                    return Err(de::Error::custom("duplicate key"));
                }
                let value = map.next_value::<UniqueKeys>()?.0;
                out.insert(key, value);
            }
            Ok(())
        };
        match read() {
            Ok(()) => Ok(Value::Object(out)),
            Err(e) => {
                wipe(&mut Value::Object(out));
                Err(e)
            }
        }
    }
}

/// A JSON parser error as this crate's: a data error can only be [`UniqueKeysVisitor`]'s
/// duplicate key (it takes any JSON value), everything else is a syntax error.
fn json_error(e: &serde_json::Error) -> Error {
    let at = Location {
        line: e.line() as u64,
        column: e.column() as u64,
    };
    match e.classify() {
        serde_json::error::Category::Data => Error::DuplicateKey { at },
        _ => Error::InvalidJson { at },
    }
}

/// Whether a YAML error is a duplicate key, under any wrapping the parser adds.
fn is_yaml_duplicate_key(mut e: &serde_saphyr::Error) -> bool {
    loop {
        match e {
            serde_saphyr::Error::WithSnippet { error, .. }
            | serde_saphyr::Error::AliasError { error, .. } => e = error,
            serde_saphyr::Error::DuplicateMappingKey { .. } => return true,
            _ => return false,
        }
    }
}

/// The deepest nesting of mappings and sequences read (the parser's default).
const YAML_MAX_DEPTH: usize = 64;

/// A YAML error as a sentence about the structure. Each kind of error has its own
/// sentence, written here or taken from the parser only where its words hold nothing of
/// the input: the parser's messages quote scalars, tags and keys, and its budget errors
/// are `Debug` dumps.
fn yaml_reason(e: &serde_saphyr::Error) -> String {
    use serde_saphyr::Error as E;
    let mut e = e;
    while let E::WithSnippet { error, .. } | E::AliasError { error, .. } = e {
        e = error;
    }
    let reason: &str = match e {
        E::ExternalMessage { source, .. } => return external_reason(source),
        E::Budget { breach, .. } => return budget_reason(breach),
        E::AliasReplayCounterOverflow { .. }
        | E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. } => {
            "aliases expand too much (a limit against alias bombs)"
        }
        E::UnknownAnchor { .. } => "an alias (*name) refers to no anchor (&name) defined before it",
        E::RecursiveReferencesRequireWeakTypes { .. } => "an alias refers to the node it is in",
        E::Eof { .. } => "unexpected end of the input",
        E::Unexpected { expected, .. } => return format!("expected {expected}"),
        E::MergeValueNotMapOrSeqOfMaps { .. } => {
            "a merge key (<<) must refer to a mapping or a list of mappings"
        }
        E::MergeKeyNotAllowed { .. } => "merge keys (<<) are not allowed",
        E::InvalidBinaryBase64 { .. } => "a !!binary value is not valid base64",
        E::BinaryNotUtf8 { .. } => "a !!binary value is not UTF-8 text",
        E::NullIntoString { .. } => "a mapping key is null (~ or nothing): keys are text",
        E::NonFiniteFloat { .. } => {
            "a number that is infinite or not a number (.nan, .inf, 1e999): quote it if it is text"
        }
        E::InvalidBooleanStrict { .. } => "a boolean is true or false",
        E::UnsupportedTag { .. } | E::TaggedScalarCannotDeserializeIntoString { .. } => {
            "a tag (!name) that is not supported here"
        }
        E::FoldedBlockScalarMustIndentContent { .. } => {
            "the lines of a folded block (>) must be indented"
        }
        E::IndentationError { .. } => "wrong indentation",
        E::UnexpectedSequenceEnd { .. }
        | E::UnexpectedMappingEnd { .. }
        | E::ContainerEndMismatch { .. }
        | E::UnexpectedContainerEndWhileSkippingNode { .. }
        | E::UnexpectedContainerEndWhileReadingKeyNode { .. } => {
            "a mapping or sequence ends where it cannot"
        }
        E::InvalidUtf8Input => "the input is not UTF-8 text",
        E::IOError { .. } => "the input could not be read",
        E::SerdeInvalidType { .. }
        | E::SerdeInvalidValue { .. }
        | E::SerdeInvalidLength { .. }
        | E::InvalidScalar { .. }
        | E::QuotingRequired { .. } => "a value of a type that cannot be read here",
        // Free text (`Message`), includes, properties, hooks, and kinds added later.
        _ => "syntax error",
    };
    reason.to_owned()
}

/// What a YAML budget breach means. Only the limits this crate sets can be named.
fn budget_reason(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    let reason = match breach {
        B::Depth { .. } => return format!("nested more than {YAML_MAX_DEPTH} levels deep"),
        B::Aliases { .. }
        | B::AliasAnchorRatio { .. }
        | B::RecordedAnchorEvents { .. }
        | B::RecordedAnchorBytes { .. } => "aliases expand too much (a limit against alias bombs)",
        B::Anchors { .. } => "too many anchors (&name)",
        B::MergeKeys { .. } => "too many merge keys (<<)",
        B::Documents { .. } | B::Nodes { .. } | B::Events { .. } => {
            "too many documents, mappings, sequences or values"
        }
        B::ScalarBytes { .. } | B::InputBytes { .. } => "too much text",
        B::SequenceUnbalanced => "a mapping or sequence ends where it cannot",
        _ => "a limit of the YAML reader was reached",
    };
    reason.to_owned()
}

/// A YAML parser (scanner) error as a sentence. The parser's own words are used for the/// Parses a YAML stream (`---` separated), concatenated JSON objects, or a JSON array;
/// flattens `List` objects into their items and drops empty documents. A key twice in one
/// mapping is an error, in JSON as in YAML.
pub fn parse_documents(text: &str) -> Result<Documents> {
    let mut docs = Documents::default();
    for_each_document(text, |doc| {
        docs.push(doc);
        Ok(())
    })?;
    Ok(docs)
}

/// Reads the objects of a manifest as [`parse_documents`] does and calls `f` with each,
/// in input order, as soon as it is read; stops at the first error, of the input or of
/// `f`. Returns how many objects `f` was given. `f` owns each object (and wipes it when
/// it may hold plaintext); whatever was read but not given to `f` is wiped here.
pub fn for_each_document(text: &str, mut f: impl FnMut(Value) -> Result<()>) -> Result<usize> {
    let text = text.trim_start_matches('\u{feff}');
    let mut count = 0;
    let mut emit = |doc: Value, index: usize| -> Result<()> {
        flatten(doc, index, &mut |object| {
            count += 1;
            f(object)
        })
    };
    if is_json(text) {
        // Flow-style YAML (`{kind: Secret, ...}`, and what YAML output of an empty
        // object looks like) starts like JSON: what is not JSON is read as YAML, and if
        // it is no YAML either, the JSON error is the one reported.
        match json_syntax(text) {
            Ok(()) => json_documents(text, &mut emit)?,
            Err(json) => yaml_documents(text, &mut emit).map_err(|_| json)?,
        }
    } else {
        yaml_documents(text, &mut emit)?;
    }
    Ok(count)
}

/// The top-level values of concatenated JSON as they are (no `List` flattening, arrays
/// kept whole), a key twice in one object refused as everywhere else: for readers that
/// look at whatever a JSON file holds (the commit gate).
pub fn json_values(text: &str) -> Result<Documents> {
    let mut docs = Documents::default();
    for item in serde_json::Deserializer::from_str(text.trim_start_matches('\u{feff}'))
        .into_iter::<UniqueKeys>()
    {
        docs.push(item.map_err(|e| json_error(&e))?.0);
    }
    Ok(docs)
}

/// Checks that `text` is concatenated JSON, building nothing.
fn json_syntax(text: &str) -> Result<()> {
    for item in serde_json::Deserializer::from_str(text).into_iter::<de::IgnoredAny>() {
        item.map_err(|e| json_error(&e))?;
    }
    Ok(())
}

/// A document as read, with its position in the input (from 1) for errors.
type Emit<'a> = dyn FnMut(Value, usize) -> Result<()> + 'a;

fn json_documents(text: &str, emit: &mut Emit<'_>) -> Result<()> {
    let mut index = 0;
    for raw in serde_json::Deserializer::from_str(text).into_iter::<&RawValue>() {
        let part = raw.map_err(|e| json_error(&e))?.get();
        // `part` is a slice of `text`: its offset places errors inside it.
        let offset = part.as_ptr() as usize - text.as_ptr() as usize;
        let shift = |e: &serde_json::Error| shift_json(json_error(e), text, offset);
        if part.starts_with('[') {
            let mut failed = None;
            let items = EachItem {
                emit: &mut *emit,
                index: &mut index,
                failed: &mut failed,
            };
            let read = serde_json::Deserializer::from_str(part).deserialize_seq(items);
            if let Some(e) = failed {
                return Err(e);
            }
            read.map_err(|e| shift(&e))?;
        } else {
            let UniqueKeys(doc) = serde_json::from_str(part).map_err(|e| shift(&e))?;
            index += 1;
            emit(doc, index)?;
        }
    }
    Ok(())
}

/// The items of a top-level JSON array, each given to `emit` as soon as it is read.
struct EachItem<'a, 'e> {
    emit: &'a mut Emit<'e>,
    index: &'a mut usize,
    /// The error of `emit` that stopped the array (the parser only sees that it stopped).
    failed: &'a mut Option<Error>,
}

impl<'de> Visitor<'de> for EachItem<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while let Some(UniqueKeys(item)) = seq.next_element::<UniqueKeys>()? {
            *self.index += 1;
            if let Err(e) = (self.emit)(item, *self.index) {
                *self.failed = Some(e);
                return Err(de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for EachItem<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

/// An error at a position inside the part of `text` that starts at byte `offset`, moved
/// to its position in `text`.
fn shift_json(e: Error, text: &str, offset: usize) -> Error {
    let before = &text[..offset];
    let lines = before.bytes().filter(|&b| b == b'\n').count() as u64;
    let column = (before.len() - before.rfind('\n').map_or(0, |at| at + 1)) as u64;
    let moved = |at: Location| Location {
        line: at.line + lines,
        column: if at.line == 1 {
            at.column + column
        } else {
            at.column
        },
    };
    match e {
        Error::InvalidJson { at } => Error::InvalidJson { at: moved(at) },
        Error::DuplicateKey { at } => Error::DuplicateKey { at: moved(at) },
        other => other,
    }
}

fn yaml_documents(text: &str, emit: &mut Emit<'_>) -> Result<()> {
    let mut index = 0;
    for (lines_before, part) in yaml_parts(text) {
        let docs = parse_yaml(part).map_err(|e| match e {
            Error::InvalidYaml { at, reason } => Error::InvalidYaml {
                at: at.map(|at| Location {
                    line: at.line + lines_before,
                    column: at.column,
                }),
                reason,
            },
            Error::DuplicateKey { at } => Error::DuplicateKey {
                at: Location {
                    line: at.line + lines_before,
                    column: at.column,
                },
            },
            other => other,
        })?;
        let mut docs = docs.into_iter();
        while let Some(doc) = docs.next() {
            index += 1;
            if let Err(e) = emit(doc, index) {
                docs.for_each(|mut rest| wipe(&mut rest));
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Cuts a YAML stream into parts of one document each, with the number of lines before
/// each part. A part ends before a `---` line (when it already holds content: directives
/// and comments stay with the document they precede) and after a `...` line.
fn yaml_parts(text: &str) -> impl Iterator<Item = (u64, &str)> {
    let marker = |line: &str, m: &str| {
        line.strip_prefix(m)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
    };
    let mut parts = Vec::new();
    let (mut start, mut start_line, mut content) = (0usize, 0u64, false);
    let mut at = 0usize;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let n = n as u64;
        if marker(line, "---") && content {
            parts.push((start_line, &text[start..at]));
            (start, start_line) = (at, n);
            content = false;
        }
        at += line.len();
        if marker(line, "...") {
            parts.push((start_line, &text[start..at]));
            (start, start_line) = (at, n + 1);
            content = false;
            continue;
        }
        let body = line.trim();
        if !(body.is_empty() || body.starts_with('#') || body.starts_with('%')) {
            content = true;
        }
    }
    if start < text.len() {
        parts.push((start_line, &text[start..]));
    }
    parts.into_iter()
}

/// Parses one part of a YAML stream.
fn parse_yaml(text: &str) -> Result<Vec<Value>> {
    let mut options = serde_saphyr::options::Options::default();
    options.with_snippet = false;
    // YAML 1.2 reading of scalars: `namespace: n` is the string "n" (not false) and
    // `0123` stays "0123"; only true/false are booleans. Duplicate keys stay errors.
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    // A part is normally one document, but one document may be large (a `List` of
    // thousands of Secrets): raise the size limits, keep the alias/depth protections.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_documents = 1_000_000;
    budget.max_nodes = 20_000_000;
    budget.max_events = 100_000_000;
    budget.max_total_scalar_bytes = 512 * 1024 * 1024;
    budget.max_depth = YAML_MAX_DEPTH;
    options.budget = Some(budget);
    serde_saphyr::from_multiple_with_options(text, options).map_err(|e| {
        // Only the location and the parser's own words: never the input text
        // (the parser's duplicate-key message quotes the key).
        let at = e.location().map(|l| Location {
            line: l.line(),
            column: l.column(),
        });
        match at {
            Some(at) if is_yaml_duplicate_key(&e) => Error::DuplicateKey { at },
            None if is_yaml_duplicate_key(&e) => Error::InvalidYaml {
                at,
                reason: "duplicate key".into(),
            },
            _ => Error::InvalidYaml {
                at,
                reason: yaml_reason(&e),
            },
        }
    })
}

/// kinds that carry no data: their text is fixed, so it holds nothing of the input.
fn external_reason(source: &serde_saphyr::localizer::ExternalMessageSource) -> String {
    use serde_saphyr::granit_parser::ErrorKind as K;
    use serde_saphyr::localizer::ExternalMessageSource;
    let ExternalMessageSource::Parser(scan) = source else {
        return "syntax error".into();
    };
    let brackets = |c: &char| matches!(c, '[' | ']' | '{' | '}');
    match scan.kind() {
        K::UnexpectedCharacter { character } if "|>%@`".contains(*character) => {
            "a character that cannot start a value here (|, >, %, @ or `): quote the value".into()
        }
        K::UnexpectedCharacter { .. } => {
            "a control character: write it as an escape in a double-quoted value".into()
        }
        K::MismatchedFlowCollectionEnd { open, close } if brackets(open) && brackets(close) => {
            format!("mismatched bracket '{open}' closed by '{close}'")
        }
        K::UnclosedFlowCollection { open } if brackets(open) => {
            format!("unclosed bracket '{open}'")
        }
        K::UndeclaredTagHandle => "a tag uses a handle that no %TAG directive declares".into(),
        K::UnknownAnchor => "an alias (*name) refers to no anchor (&name) defined before it".into(),
        K::InputIo { .. } | K::InputDecoding { .. } => "the input could not be read".into(),
        kind => {
            // A kind without data shows in `Debug` as its bare name; one with data (a
            // message, a character: input) has fields, and gets no parser words.
            let bare = format!("{kind:?}")
                .chars()
                .all(|c| c.is_ascii_alphanumeric());
            let text = kind.to_string();
            if bare && !text.is_empty() {
                text
            } else {
                "syntax error".into()
            }
        }
    }
}

fn flatten(doc: Value, index: usize, out: &mut dyn FnMut(Value) -> Result<()>) -> Result<()> {
    match doc {
        Value::Null => Ok(()),
        Value::Object(mut map) => {
            let is_list = map
                .get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| k.ends_with("List"))
                && map.get("items").is_some_and(Value::is_array);
            if is_list {
                let items = map.remove("items");
                let mut rest = Value::Object(map);
                wipe(&mut rest);
                if let Some(Value::Array(items)) = items {
                    let mut items = items.into_iter();
                    while let Some(item) = items.next() {
                        if let Err(e) = flatten(item, index, out) {
                            items.for_each(|mut left| wipe(&mut left));
                            return Err(e);
                        }
                    }
                }
                Ok(())
            } else {
                out(Value::Object(map))
            }
        }
        mut other => {
            wipe(&mut other);
            Err(Error::NotAnObject { document: index })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        parse_documents(text)
            .unwrap()
            .iter()
            .map(|d| d["metadata"]["name"].as_str().unwrap_or("").to_owned())
            .collect()
    }

    fn error(text: &str) -> String {
        parse_documents(text).unwrap_err().to_string()
    }

    #[test]
    fn yaml_parts_keep_directives_comments_and_markers_with_their_document() {
        let text = "# head\n%YAML 1.2\n---\nmetadata: {name: a}\n...\n%YAML 1.2\n--- {metadata: {name: b}}\n---\n---\nmetadata: {name: c}\n";
        assert_eq!(names(text), ["a", "b", "c"]);
        let parts: Vec<_> = yaml_parts(text).map(|(n, _)| n).collect();
        assert_eq!(parts, [0, 5, 7, 8]);
        // `----` and `---x` are not markers; `--- ` with content after it is.
        assert_eq!(
            names("metadata:\n  name: a\n  x: |\n    ----\n---x: 1\n"),
            ["a"]
        );
    }

    #[test]
    fn yaml_in_flow_style_is_read_as_yaml_though_it_starts_like_json() {
        // Found by fuzz/fuzz_targets/manifest.rs: `{}{}` rendered as YAML (`{}`, `---`,
        // `{}`) did not read back: a first `{` was taken for JSON, and JSON only.
        assert_eq!(
            names("{metadata: {name: a}}\n---\n{metadata: {name: b}}\n"),
            ["a", "b"]
        );
        assert_eq!(parse_documents("{}\n---\n{}\n").unwrap().len(), 2);
        // Broken JSON that is no YAML either still gets the JSON error.
        assert!(
            error("{\"a\": [1,\n").contains("invalid JSON at line"),
            "{}",
            error("{\"a\": [1,\n")
        );
    }

    #[test]
    fn errors_in_later_documents_carry_their_line_in_the_whole_input() {
        let yaml = "metadata: {name: a}\n---\nmetadata: {name: b}\n---\na: 1\na: 2\n";
        assert!(
            error(yaml).contains("duplicate key at line 6 column 1"),
            "{}",
            error(yaml)
        );
        let yaml = "metadata: {name: a}\n---\nx: [1, 2\n";
        assert!(
            error(yaml).contains("invalid YAML at line"),
            "{}",
            error(yaml)
        );
        assert!(!error(yaml).contains("at line 1 "), "{}", error(yaml));
        // The second of two objects on one line, and an item of an array.
        let json = r#"{"a": 1} {"b": 1, "b": 2}"#;
        assert!(error(json).contains("line 1 column 21"), "{}", error(json));
        let json = "[\n {\"a\": 1},\n {\"b\": 1, \"b\": 2}\n]";
        assert!(error(json).contains("line 3 column 13"), "{}", error(json));
        let json = "[{\"a\": 1}, 7]";
        assert!(error(json).contains("document 2 is not"), "{}", error(json));
    }

    #[test]
    fn each_document_is_handed_over_as_it_is_read_and_an_error_stops_the_reading() {
        for text in [
            "metadata: {name: a}\n---\nmetadata: {name: b}\n---\nmetadata: {name: c}\n",
            r#"[{"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}, {"metadata": {"name": "c"}}]"#,
            r#"{"metadata": {"name": "a"}}{"metadata": {"name": "b"}}{"metadata": {"name": "c"}}"#,
        ] {
            let mut seen = Vec::new();
            let e = for_each_document(text, |doc| {
                seen.push(doc["metadata"]["name"].as_str().unwrap_or("").to_owned());
                if seen.len() == 2 {
                    Err(Error::MissingName)
                } else {
                    Ok(())
                }
            })
            .unwrap_err();
            assert!(matches!(e, Error::MissingName), "{text}: {e}");
            assert_eq!(seen, ["a", "b"], "{text}");
            assert_eq!(for_each_document(text, |_| Ok(())).unwrap(), 3, "{text}");
        }
    }
}
