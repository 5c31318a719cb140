//! Reading text line by line, without parsing it: the fallback for documents that do
//! not parse (so a broken file does not hide a Secret), the byte search for private keys
//! (in files that are not manifests, and in documents that do not parse), and line
//! numbers for YAML paths.

use sealer_core::validity::shown_key;

use crate::advice::{KEY_FIX, secret_fix};
use crate::chunk::{
    Chunk, chunk_allows, has_allow_comment, is_placeholder, is_sops_enc, is_template,
};
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

/// What the line-by-line reading of a document that does not parse made of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// No `kind: Secret` line: not read as a Secret.
    NotSecret,
    /// A Helm template or a SOPS file, read entry by entry: every `data`/`stringData`
    /// value was looked at (and reported when it is plaintext). Templates and `ENC[...]`
    /// values explain why such a document is not YAML.
    Read,
    /// A Secret this reading cannot vouch for: plain YAML that does not parse (whatever
    /// the lines seem to say), or lines it does not follow (explicit `? key` / `: value`
    /// entries, flow mappings over several lines, aliases, values on the next line).
    Unread,
}

/// A line made only of template expressions (`{{- if .Values.x }}`,
/// `{{ toYaml .data | indent 2 }}`, `{{ $key }}: {{ $value | b64enc }}`,
/// `username-{{ $i }}: {{ .u | b64enc }}`): no value of its own. Once the expressions are
/// taken out, what is left is at most a key (its name partly templated) and a colon, with
/// spaces, `-` and quotes.
fn template_only(line: &str) -> bool {
    matches!(template_line(line), Some(TemplateLine::Only))
}

/// What a line with template expressions is, once they are taken out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TemplateLine {
    /// Nothing of its own (see [`template_only`]).
    Only,
    /// A templated key whose value is a block scalar (`{{ template "k" . }}: |`): the
    /// body below it is the value.
    KeyWithBlock,
}

fn template_line(line: &str) -> Option<TemplateLine> {
    let mut rest = line.trim();
    if !rest.contains("{{") {
        return None;
    }
    let mut left = String::new();
    while let Some(open) = rest.find("{{") {
        left.push_str(&rest[..open]);
        let close = rest[open..].find("}}")?;
        rest = &rest[open + close + 2..];
    }
    left.push_str(rest);
    let filler = |s: &str| {
        s.chars()
            .all(|c| c.is_whitespace() || matches!(c, '-' | '"' | '\''))
    };
    let key_chars = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '"' | '\'' | ' '))
    };
    let t = left.trim().trim_start_matches("- ");
    match t.split_once(':') {
        None => filler(t).then_some(TemplateLine::Only),
        Some((key, value)) if key_chars(key) => {
            let value = value.trim();
            if filler(value) {
                Some(TemplateLine::Only)
            } else if value.starts_with(['|', '>'])
                && value[1..]
                    .chars()
                    .all(|c| matches!(c, '-' | '+') || c.is_ascii_digit())
            {
                Some(TemplateLine::KeyWithBlock)
            } else {
                None
            }
        }
        Some(_) => None,
    }
}

/// An explicit mapping entry (`? key` or `: value` at the start of a line, after an
/// optional `- `): YAML the line reading does not follow.
fn explicit_entry(line: &str) -> bool {
    let t = line.trim_start();
    let t = t.strip_prefix("- ").unwrap_or(t).trim_end_matches('\r');
    ["?", ":"].iter().any(|m| {
        t == *m
            || t.strip_prefix(m)
                .is_some_and(|r| r.starts_with([' ', '\t']))
    })
}

/// Whether a line names `data`/`stringData` as a key in a way [`key_value`] does not
/// read (`stringData : x`, or inside a flow mapping).
fn hidden_field(line: &str) -> bool {
    if let Some((_, k, _)) = key_value(line)
        && matches!(k, "data" | "stringData")
    {
        return false;
    }
    let t = line.trim_start();
    let t = t.strip_prefix("- ").unwrap_or(t);
    let t = t.strip_prefix(['"', '\'']).unwrap_or(t);
    let leading = ["stringData", "data"].iter().any(|f| {
        t.strip_prefix(f).is_some_and(|r| {
            r.trim_start_matches(['"', '\''])
                .trim_start()
                .starts_with(':')
        })
    });
    // `{data: x}`, `a, stringData: {...}`, `"data": ...`: a key, which `,data:x` inside
    // a SOPS `ENC[...]` value is not (a flow key's colon is followed by a space).
    let key_end =
        |rest: &str| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '{', '"', '\'']);
    leading
        || ["stringData", "data"].iter().any(|f| {
            ["{", ", ", ",", "\"", "'"].iter().any(|p| {
                let quote = if matches!(*p, "\"" | "'") { *p } else { "" };
                let needle = format!("{p}{f}{quote}:");
                line.match_indices(&needle)
                    .any(|(at, m)| key_end(&line[at + m.len()..]))
            })
        })
}

/// The body of a block scalar: the lines below its key indented deeper than it.
struct BlockBody {
    text: String,
    /// Some line holds text of its own, not only template expressions and keys whose
    /// values are template expressions.
    plain: bool,
}

fn block_body(after: &[&str], key_indent: usize, templated_doc: bool) -> Option<BlockBody> {
    let mut text = String::new();
    let mut plain = false;
    for l in after {
        let t = l.trim();
        let ind = l.len() - l.trim_start().len();
        if !t.is_empty() && ind <= key_indent && !template_only(l) {
            break;
        }
        if t.is_empty() {
            text.push('\n');
            continue;
        }
        text.push_str(t);
        text.push('\n');
        let templated = template_only(l)
            || key_value(l).is_some_and(|(_, _, v)| v.is_empty() || is_template(v));
        plain |= if templated_doc {
            !templated && holds_secret(t)
        } else {
            !templated
        };
    }
    let text = text.trim_end().to_owned();
    (!text.is_empty()).then_some(BlockBody { text, plain })
}

/// Whether one line of configuration holds a secret: a secret-named key (`key: v`,
/// `key=v`, `key = "v"`) with a real-looking value, a provider token or a private key.
fn holds_secret(line: &str) -> bool {
    if line.contains("PRIVATE KEY") || !crate::tokens::scan(line).is_empty() {
        return true;
    }
    let Some((k, v)) = line.split_once([':', '=']) else {
        return false;
    };
    let k = k.trim().trim_matches(['"', '\'', '<', '>']);
    let v = v.trim().trim_matches(['"', '\'', ',']);
    crate::tokens::key_says_secret(k)
        && !is_template(v)
        && !is_placeholder(v)
        && crate::tokens::value_looks_real(v).is_ok()
}

/// Whether a document has a top-level `sops:` key: its `ENC[...]` values are encrypted.
fn has_sops_key(lines: &[&str]) -> bool {
    lines
        .iter()
        .any(|l| matches!(key_value(l), Some((0, "sops", _))))
}

/// Fallback for a document that does not parse: `kind: Secret` (any quoting) followed
/// by `data:`/`stringData:` entries with values. Reports the values it reads, and says
/// whether it read the whole Secret ([`Reading`]).
pub(crate) fn fallback(chunk: &Chunk<'_>, sink: &mut Sink<'_>) -> Reading {
    let lines: Vec<&str> = chunk.text.lines().collect();
    let is_secret = lines
        .iter()
        .filter_map(|l| key_value(l))
        .any(|(_, k, v)| k == "kind" && v == "Secret");
    if !is_secret {
        return Reading::NotSecret;
    }
    let mut complete = !lines.iter().any(|l| explicit_entry(l) || hidden_field(l));
    let sops = has_sops_key(&lines);
    let is_plain = |v: &str| {
        !(v.is_empty() || is_template(v) || is_placeholder(v) || (sops && is_sops_enc(v)))
    };
    let allowed = chunk_allows(chunk.text);
    let fix = secret_fix(sink.file, sink.config, chunk.index == 1);
    // In a Helm template a block value is configuration with expressions in it; it is
    // plaintext when something in it is a secret, not merely because it has text.
    let templated_doc = chunk.text.contains("{{") && chunk.text.contains("}}");
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
        if value.starts_with('{') && !is_template(value) {
            if !value.ends_with('}') {
                complete = false;
            }
            let inner = value.trim_start_matches('{').trim_end_matches('}').trim();
            if is_plain(inner) {
                sink.push(Raw {
                        rule: Rule::SecretPlaintext,
                        severity: None,
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
        if !value.is_empty() && !is_template(value) && !matches!(value, "null" | "~") {
            // An alias, a tag, a sequence: not entries this reading follows (the entries
            // below, if any, are still read).
            complete = false;
        }
        let mut entry_indent = None;
        // Whether lines indented below the current entry belong to a value already
        // reported (a block scalar, a plain value), rather than to an empty or templated
        // one that could hide a value on its next line.
        let mut continuation_reported = false;
        let mut j = i + 1;
        while j < lines.len() {
            let l = lines[j];
            let t = l.trim();
            if t.is_empty() || t.starts_with('#') {
                j += 1;
                continue;
            }
            // `{{- if ... }}` lines may sit at any indent inside `data:`: skip them
            // rather than end the block at them.
            let kind = template_line(l);
            let templated = kind.is_some();
            let ind = l.len() - l.trim_start().len();
            if (!templated && ind <= indent) || t.starts_with('}') {
                break;
            }
            if kind == Some(TemplateLine::KeyWithBlock) {
                // `{{ template "key" . }}: |`: the body is the value; read it, then go on
                // after it.
                let body = block_body(&lines[j + 1..], ind, templated_doc);
                if let Some(body) = body.filter(|b| b.plain) {
                    sink.push(Raw {
                        rule: Rule::SecretPlaintext,
                        severity: None,
                        document: Some(chunk.index),
                        yaml_path: format!("{field}.(templated key)"),
                        line: Some(chunk.first_line + j),
                        value: body.text.as_bytes(),
                        message: format!(
                            "a Secret with a plaintext value under a templated key in `{field}` (the document does not parse as YAML/JSON; found line by line)"
                        ),
                        fix: fix.clone(),
                        allowed_inline: allowed,
                    });
                }
                j += 1;
                while j < lines.len() {
                    let b = lines[j];
                    let bi = b.len() - b.trim_start().len();
                    if !b.trim().is_empty() && bi <= ind && !template_only(b) {
                        break;
                    }
                    j += 1;
                }
                continue;
            }
            if templated {
                j += 1;
                continue;
            }
            if entry_indent.is_none() {
                entry_indent = Some(ind);
            }
            if Some(ind) == entry_indent {
                match key_value(l) {
                    Some((_, k, v)) => {
                        let k = shown_key(k);
                        let block = matches!(v.chars().next(), Some('|' | '>'));
                        let body = if block {
                            block_body(&lines[j + 1..], ind, templated_doc)
                        } else {
                            None
                        };
                        let has_value = if block {
                            body.as_ref().is_some_and(|b| b.plain)
                        } else {
                            is_plain(v)
                        };
                        let v = body.as_ref().map_or(v, |b| b.text.as_str());
                        continuation_reported = has_value || body.is_some();
                        if has_value {
                            sink.push(Raw {
                                rule: Rule::SecretPlaintext,
                                severity: None,
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
                    None => complete = false,
                }
            } else if Some(ind) < entry_indent || !continuation_reported {
                complete = false;
            }
            j += 1;
        }
        i = j.max(i + 1);
    }
    // Helm/Go templates, Jinja (`{% raw %}` around documentation snippets), SOPS.
    let explained = sops
        || (chunk.text.contains("{{") && chunk.text.contains("}}"))
        || (chunk.text.contains("{%") && chunk.text.contains("%}"));
    if complete && explained {
        Reading::Read
    } else {
        Reading::Unread
    }
}

/// Where a document says `kind: Secret`, in any spelling YAML or JSON allows: quoted,
/// in a flow mapping, as an explicit `? kind` / `: Secret` entry, tagged, anchored, or
/// with the value on the next line. The byte offset of `kind`, or `None`.
pub(crate) fn secret_kind_at(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'/');
    // Spaces, line breaks and comments.
    let skip_blank = |mut i: usize| {
        while let Some(&c) = b.get(i) {
            if c.is_ascii_whitespace() {
                i += 1;
            } else if c == b'#' && (i == 0 || b[i - 1].is_ascii_whitespace()) {
                while b.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            } else {
                break;
            }
        }
        i
    };
    memchr::memmem::find_iter(b, b"kind").find(|&at| {
        let before = at.checked_sub(1).map(|p| b[p]);
        if before.is_some_and(word) {
            return false;
        }
        let mut i = at + 4;
        if let Some(q @ (b'"' | b'\'')) = before {
            if b.get(i) != Some(&q) {
                return false;
            }
            i += 1;
        }
        i = skip_blank(i);
        if b.get(i) != Some(&b':') {
            return false;
        }
        i = skip_blank(i + 1);
        // Tags (`!!str`), anchors (`&a`), block scalar headers (`|-`, `>2`).
        while matches!(b.get(i), Some(b'!' | b'&' | b'|' | b'>')) {
            while b.get(i).is_some_and(|c| !c.is_ascii_whitespace()) {
                i += 1;
            }
            i = skip_blank(i);
        }
        if matches!(b.get(i), Some(b'"' | b'\'')) {
            i += 1;
        }
        b[i.min(b.len())..].starts_with(b"Secret") && !b.get(i + 6).is_some_and(|&c| word(c))
    })
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
                severity: None,
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
