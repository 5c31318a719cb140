//! Files known by their name, read in their own syntax: `.env` files, Terraform
//! `.tfvars`, `.npmrc`, `.pypirc` and `.netrc`. Each reports a secret-named entry whose
//! value looks real, naming the entry (never the value).

use crate::chunk::has_allow_comment;
use crate::finding::{Raw, Rule, Sink};
use crate::tokens::{key_says_secret, value_looks_real};

/// What a file is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// YAML or JSON: parsed.
    Manifest,
    /// `.env`, `.env.*`, `*.env`.
    Dotenv,
    /// `*.tfvars` (HCL).
    Tfvars,
    /// `.npmrc`.
    Npmrc,
    /// `.pypirc`.
    Pypirc,
    /// `.netrc`, `_netrc`.
    Netrc,
    /// Anything else that is text: source code, docs, notebooks, scripts.
    Text,
}

impl Kind {
    /// The kind of `path`.
    pub(crate) fn of(path: &str) -> Kind {
        let name = path.rsplit('/').next().unwrap_or(path);
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            ".npmrc" => return Kind::Npmrc,
            ".pypirc" => return Kind::Pypirc,
            ".netrc" | "_netrc" => return Kind::Netrc,
            _ => {}
        }
        if lower == ".env" || lower.starts_with(".env.") || lower.ends_with(".env") {
            return Kind::Dotenv;
        }
        if lower.ends_with(".tfvars") {
            return Kind::Tfvars;
        }
        if crate::is_manifest_path(path) {
            Kind::Manifest
        } else {
            Kind::Text
        }
    }
}

/// One entry found: the key as the file writes it, its value, its 1-based line.
struct Entry<'t> {
    key: String,
    value: &'t str,
    line: usize,
    allowed: bool,
}

fn unquote(v: &str) -> &str {
    let v = v.trim();
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|r| r.split_once(q)) {
            return inner.0;
        }
    }
    // An unquoted value ends at a comment.
    v.split(" #").next().unwrap_or(v).trim()
}

fn dotenv(text: &str) -> Vec<Entry<'_>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        let t = t.strip_prefix("export ").unwrap_or(t);
        if t.starts_with('#') {
            continue;
        }
        let Some((k, v)) = t.split_once('=') else {
            continue;
        };
        let k = k.trim();
        if k.is_empty()
            || !k
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
        {
            continue;
        }
        out.push(Entry {
            key: k.to_owned(),
            value: unquote(v),
            line: i + 1,
            allowed: has_allow_comment(line),
        });
    }
    out
}

/// `name = "value"` entries of HCL variables, with the path of nested maps
/// (`db = { password = "..." }` gives `db.password`).
fn tfvars(text: &str) -> Vec<Entry<'_>> {
    let mut out = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('#') || t.starts_with("//") {
            continue;
        }
        if t.starts_with('}') || t.starts_with(']') {
            stack.pop();
            continue;
        }
        let Some((k, v)) = t.split_once('=').or_else(|| t.split_once(':')) else {
            continue;
        };
        let k = k.trim().trim_matches('"');
        let v = v.trim();
        if k.is_empty() || k.contains(' ') {
            continue;
        }
        if v.starts_with('{') && !v.ends_with('}') || v.starts_with('[') && !v.ends_with(']') {
            stack.push(k.to_owned());
            continue;
        }
        if !v.starts_with('"') {
            continue; // numbers, booleans, references
        }
        let mut key = stack.join(".");
        if !key.is_empty() {
            key.push('.');
        }
        key.push_str(k);
        out.push(Entry {
            key,
            value: unquote(v),
            line: i + 1,
            allowed: has_allow_comment(line),
        });
    }
    out
}

/// `.npmrc`: `key=value`; credentials are `_authToken`, `_auth`, `_password` (alone or
/// scoped to a registry, `//registry/:_authToken`).
fn npmrc(text: &str) -> Vec<Entry<'_>> {
    dotenv(text)
        .into_iter()
        .chain(text.lines().enumerate().filter_map(|(i, line)| {
            // Scoped keys start with `//`, which the .env reading skips.
            let t = line.trim();
            let (k, v) = t.split_once('=')?;
            k.trim().starts_with("//").then(|| Entry {
                key: k.trim().to_owned(),
                value: unquote(v),
                line: i + 1,
                allowed: has_allow_comment(line),
            })
        }))
        .collect()
}

fn npmrc_credential(key: &str) -> bool {
    let last = key.rsplit(':').next().unwrap_or(key);
    matches!(last, "_authToken" | "_auth" | "_password") || key_says_secret(last)
}

/// `.pypirc`: INI sections with `password = ...`.
fn pypirc(text: &str) -> Vec<Entry<'_>> {
    let mut out = Vec::new();
    let mut section = String::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(s) = t.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = s.trim().to_owned();
            continue;
        }
        let Some((k, v)) = t.split_once(['=', ':']) else {
            continue;
        };
        if k.trim() == "password" {
            out.push(Entry {
                key: format!("{section}.password"),
                value: unquote(v),
                line: i + 1,
                allowed: has_allow_comment(line),
            });
        }
    }
    out
}

/// `.netrc`: `machine HOST login USER password PASS`, over any number of lines.
fn netrc(text: &str) -> Vec<Entry<'_>> {
    let mut out = Vec::new();
    let mut machine = String::from("default");
    let words: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with('#'))
        .flat_map(|(i, l)| l.split_whitespace().map(move |w| (i + 1, w)))
        .collect();
    let mut i = 0;
    while i < words.len() {
        match words[i].1 {
            "machine" => {
                if let Some((_, m)) = words.get(i + 1) {
                    machine = (*m).to_owned();
                }
                i += 2;
            }
            "default" => {
                machine = "default".to_owned();
                i += 1;
            }
            "password" => {
                if let Some(&(line, p)) = words.get(i + 1) {
                    out.push(Entry {
                        key: machine.clone(),
                        value: p,
                        line,
                        allowed: false,
                    });
                }
                i += 2;
            }
            _ => i += 1,
        }
    }
    out
}

/// Scans a file of a known kind (not [`Kind::Manifest`] or [`Kind::Text`]).
pub(crate) fn scan(kind: Kind, text: &str, sink: &mut Sink<'_>) {
    let (rule, entries, secret_key): (Rule, Vec<Entry<'_>>, fn(&str) -> bool) = match kind {
        Kind::Dotenv => (Rule::DotenvSecret, dotenv(text), key_says_secret),
        Kind::Tfvars => (Rule::TfvarsSecret, tfvars(text), |k: &str| {
            key_says_secret(k.rsplit('.').next().unwrap_or(k))
        }),
        Kind::Npmrc => (Rule::NpmrcCredential, npmrc(text), npmrc_credential),
        Kind::Pypirc => (Rule::PypircPassword, pypirc(text), |_: &str| true),
        Kind::Netrc => (Rule::NetrcPassword, netrc(text), |_: &str| true),
        Kind::Manifest | Kind::Text => return,
    };
    for e in entries {
        if !secret_key(&e.key) {
            continue;
        }
        let Ok(why) = value_looks_real(e.value) else {
            continue;
        };
        let shown = entry_name(&e.key);
        sink.push(Raw {
            rule,
            severity: None,
            document: None,
            yaml_path: shown.clone(),
            line: Some(e.line),
            value: e.value.as_bytes(),
            // The message names the entry as any shown key (cut), the path in full.
            message: format!(
                "`{}` holds what looks like a real secret: {why}",
                sealer_core::validity::shown_key(&e.key)
            ),
            fix: rule.fix().to_owned(),
            allowed_inline: e.allowed,
        });
    }
}

/// An entry's name as a finding shows it: as written when it is short printable text,
/// else cut like any shown key.
fn entry_name(key: &str) -> String {
    if key.len() <= 100 && key.chars().all(|c| c.is_ascii_graphic()) {
        key.to_owned()
    } else {
        sealer_core::validity::shown(key)
    }
}
