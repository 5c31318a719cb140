//! Reading text line by line, without parsing it: the fallback for documents that do
//! not parse (so a broken file does not hide a Secret), the byte search for private keys
//! (in files that are not manifests, and in documents that do not parse), and line
//! numbers for YAML paths.

use crate::advice::{KEY_FIX, secret_fix};
use crate::chunk::{Chunk, chunk_allows, has_allow_comment, is_template};
use crate::finding::{Raw, Rule, Sink};
use crate::pem;

/// A `key: value` line, YAML or JSON: `(indent, key, value)` with quotes and a trailing
/// comma or comment removed from the value.
fn key_value(line: &str) -> Option<(usize, &str, &str)> {
    let body = line.trim_end_matches('\r');
    let indent = body.len() - body.trim_start().len();
    let t = body.trim_start();
    let t = t.strip_prefix("- ").unwrap_or(t);
    if t.starts_with('#') {
        return None;
    }
    let (key, rest) = if let Some(q) = t.strip_prefix(['"', '\'']) {
        let quote = t.chars().next()?;
        let end = q.find(quote)?;
        let rest = q[end + 1..].trim_start().strip_prefix(':')?;
        (&q[..end], rest)
    } else {
        let colon = t
            .find(": ")
            .or_else(|| t.strip_suffix(':').map(|s| s.len()))?;
        (&t[..colon], &t[colon + 1..])
    };
    if key.is_empty() || key.contains([' ', '{', '[']) {
        return None;
    }
    let mut value = rest.trim();
    if !value.starts_with(['"', '\''])
        && let Some(hash) = value.find(" #")
    {
        value = value[..hash].trim();
    }
    let value = value.trim_end_matches(',').trim();
    let value = value.trim_matches(['"', '\'']);
    Some((indent, key, value))
}

/// Fallback for a document that does not parse: `kind: Secret` (any quoting) followed
/// by `data:`/`stringData:` entries with values.
pub(crate) fn fallback(chunk: &Chunk<'_>, sink: &mut Sink<'_>) {
    let lines: Vec<&str> = chunk.text.lines().collect();
    let is_secret = lines
        .iter()
        .filter_map(|l| key_value(l))
        .any(|(_, k, v)| k == "kind" && v == "Secret");
    if !is_secret {
        return;
    }
    let allowed = chunk_allows(chunk.text);
    let fix = secret_fix(sink.file, sink.config, chunk.index == 1);
    let mut i = 0;
    while i < lines.len() {
        let Some((indent, key, value)) = key_value(lines[i]) else {
            i += 1;
            continue;
        };
        if key != "data" && key != "stringData" {
            i += 1;
            continue;
        }
        let field = key;
        if value.starts_with('{') {
            let inner = value.trim_start_matches('{').trim_end_matches('}').trim();
            if !inner.is_empty() && !is_template(inner) {
                sink.push(Raw {
                    rule: Rule::SecretPlaintext,
                    document: Some(chunk.index),
                    yaml_path: field.to_owned(),
                    line: Some(chunk.first_line + i),
                    value: inner.as_bytes(),
                    message: format!(
                        "a Secret with plaintext `{field}` (the document does not parse as YAML/JSON; found line by line)"
                    ),
                    fix: fix.clone(),
                    allowed_inline: allowed,
                });
            }
            i += 1;
            continue;
        }
        let mut entry_indent = None;
        let mut j = i + 1;
        while j < lines.len() {
            let l = lines[j];
            let t = l.trim();
            if t.is_empty() || t.starts_with('#') {
                j += 1;
                continue;
            }
            let ind = l.len() - l.trim_start().len();
            if ind <= indent || t.starts_with('}') {
                break;
            }
            if entry_indent.is_none() {
                entry_indent = Some(ind);
            }
            if Some(ind) == entry_indent
                && let Some((_, k, v)) = key_value(l)
            {
                let block = matches!(v.chars().next(), Some('|' | '>'));
                let has_value = !v.is_empty() && !is_template(v) && (!block || j + 1 < lines.len());
                if has_value {
                    sink.push(Raw {
                        rule: Rule::SecretPlaintext,
                        document: Some(chunk.index),
                        yaml_path: format!("{field}.{k}"),
                        line: Some(chunk.first_line + j),
                        value: v.as_bytes(),
                        message: format!(
                            "a Secret with a plaintext value in `{field}.{k}` (the document does not parse as YAML/JSON; found line by line)"
                        ),
                        fix: fix.clone(),
                        allowed_inline: allowed,
                    });
                }
            }
            j += 1;
        }
        i = j.max(i + 1);
    }
}

/// Byte search for private keys in `text` (a whole file, or one document of it that did
/// not parse). `first_line` is the 1-based line `text` starts at.
pub(crate) fn raw_keys(
    text: &str,
    document: Option<usize>,
    first_line: usize,
    sink: &mut Sink<'_>,
) {
    let bytes = text.as_bytes();
    let line_of = |offset: usize| first_line + memchr::memchr_iter(b'\n', &bytes[..offset]).count();
    let allowed_at = |line: usize| {
        let idx = line - first_line;
        let mut it = text.lines().skip(idx.saturating_sub(1));
        let prev = if idx > 0 { it.next() } else { None };
        let here = it.next();
        [prev, here].into_iter().flatten().any(has_allow_comment)
    };
    for (wrapped, hits) in [
        (false, pem::private_keys(bytes)),
        (true, pem::base64_private_keys(bytes)),
    ] {
        for hit in hits {
            let line = line_of(hit.offset);
            let rule = if wrapped {
                Rule::PrivateKeyBase64
            } else {
                Rule::PrivateKey
            };
            sink.push(Raw {
                rule,
                document,
                yaml_path: String::new(),
                line: Some(line),
                value: &hit.body,
                message: format!("{} ({})", rule.title(), hit.label),
                fix: KEY_FIX.to_owned(),
                allowed_inline: document.is_none() && allowed_at(line),
            });
        }
    }
}

/// Whether `line` holds `key` as a mapping key.
fn line_has_key(line: &str, key: &str) -> bool {
    if let Some((_, k, _)) = key_value(line)
        && k == key
    {
        return true;
    }
    // Flow mappings and JSON on one line: `{a: b, key: c}` / `"key": "c"`.
    [
        format!("\"{key}\""),
        format!("'{key}'"),
        format!("{{{key}:"),
        format!(", {key}:"),
    ]
    .iter()
    .any(|p| line.contains(p.as_str()))
}

/// Best-effort 1-based line of a YAML path inside a document: each key is searched for
/// after the previous one; list indices are skipped. `needle` narrows the last step
/// (e.g. `password=` inside a literals list).
pub(crate) fn locate(chunk: &Chunk<'_>, path: &str, needle: Option<&str>) -> Option<usize> {
    let lines: Vec<&str> = chunk.text.lines().collect();
    let mut at: Option<usize> = None;
    let mut cursor = 0usize;
    for segment in split_path(path) {
        if let Some(found) = (cursor..lines.len()).find(|&i| line_has_key(lines[i], &segment)) {
            at = Some(found);
            cursor = found + 1;
        }
    }
    if let Some(n) = needle
        && let Some(found) = (cursor..lines.len()).find(|&i| lines[i].contains(n))
    {
        at = Some(found);
    }
    at.map(|i| chunk.first_line + i)
}

/// `items[2].data.tls.key` → `items`, `data`, `tls.key` (Kubernetes keys may hold dots:
/// after `data`/`stringData`/`encryptedData` the rest is one key).
fn split_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        let (seg, tail) = match rest.find('.') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        let seg_name = seg.split('[').next().unwrap_or(seg);
        if !seg_name.is_empty() {
            out.push(seg_name.to_owned());
        }
        if matches!(seg_name, "data" | "stringData" | "encryptedData") && !tail.is_empty() {
            out.push(tail.to_owned());
            break;
        }
        rest = tail;
    }
    out
}
