//! The catch-all: a secret-named key or variable holding a value that looks random
//! (`api_key = "..."` in code, `POSTGRES_PASSWORD: ...` in a compose file, a password in
//! a ConfigMap). Stricter than the Helm values rule: where a value file says `password`,
//! any real-looking value is a leak; elsewhere only a random-looking one is reported, so
//! prose, identifiers and configuration words pass.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use crate::chunk::{has_allow_comment, is_placeholder};
use crate::finding::{Raw, Rule, Sink};
use crate::tokens::{is_identifier_like, key_says_secret, value_looks_real};

/// Words a secret-named key contains (what the line search starts from).
pub(crate) const WORDS: &[&str] = &[
    "passw",
    "pwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "api-key",
    "access_key",
    "accesskey",
    "private_key",
    "privatekey",
    "auth",
    "credential",
    "creds",
    "dsn",
    "webhook",
    "connectionstring",
    "passphrase",
    "signing",
    "encryption",
    // `docker login -u USER -p PASSWORD`.
    "login",
];

static FINDER: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(AhoCorasickKind::DFA))
        .build(WORDS)
        .ok()
});

/// Whether a value looks random enough to be a secret wherever it stands: one word of
/// 10 to 200 characters, not a placeholder, reference, URL, path or e-mail address, not
/// a name ([`is_identifier_like`]), with a digit or symbol among letters of both cases, and at
/// least 3 bits of entropy per character. `Some(why)`, without the value.
pub(crate) fn looks_random(value: &str) -> Option<String> {
    let v = value.trim();
    let n = v.chars().count();
    if !(10..=200).contains(&n)
        || v.contains(char::is_whitespace)
        || is_placeholder(v)
        || v.contains("://")
        || v.starts_with(['/', '.', '~', '$', '%', '@'])
        || v.contains('@') && v.contains('.')
    {
        return None;
    }
    // A JWT is the jwt rule's to judge (it lets the public jwt.io example through).
    let jwt = v.starts_with("eyJ") && v.matches('.').count() == 2;
    // Base64 of words (`VE9LRU4gd2FzIHRlbXBsYXRlZA==`, "TOKEN was templated"): an
    // example in documentation, not key material.
    if encodes_words(v) {
        return None;
    }
    if jwt || is_identifier_like(v) || v.contains(['{', '"', '\'']) || value_looks_real(v).is_err()
    {
        return None;
    }
    let lower = v.chars().any(|c| c.is_ascii_lowercase());
    let upper = v.chars().any(|c| c.is_ascii_uppercase());
    let digit = v.chars().any(|c| c.is_ascii_digit());
    let symbol = v.chars().any(|c| !c.is_ascii_alphanumeric());
    let classes = [lower, upper, digit, symbol].iter().filter(|b| **b).count();
    if classes < 2 || !(digit || symbol) || (classes == 2 && !lower && !upper) {
        return None;
    }
    let bits = entropy(v);
    (bits >= 3.0).then(|| {
        format!(
            "{n} characters, {classes} kinds of character, {bits:.1} bits of entropy per character"
        )
    })
}

/// Whether `v` is base64 of printable text made of words (with a space, or a name).
fn encodes_words(v: &str) -> bool {
    use base64::Engine;
    if v.len() < 12 || !v.len().is_multiple_of(4) {
        return false;
    }
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(v) else {
        return false;
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return false;
    };
    let text = text.trim_end();
    text.chars().all(|c| c.is_ascii_graphic() || c == ' ')
        && (text.contains(' ') || is_identifier_like(text))
}

/// Shannon entropy in bits per character.
fn entropy(v: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for c in v.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let n = v.chars().count() as f64;
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// `name = "value"`, `name: 'value'`, `"name": "value"`, `name := "value"`,
/// `name => "value"` on one line: `(name, value)`.
fn assignments(line: &str) -> Vec<(&str, &str)> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let ident = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.');
    let mut i = 0;
    while i < b.len() {
        if !matches!(b[i], b'=' | b':') {
            i += 1;
            continue;
        }
        let op = i;
        // The name: identifier characters before the operator, optionally quoted.
        let mut end = op;
        while end > 0 && b[end - 1] == b' ' {
            end -= 1;
        }
        if end > 0 && matches!(b[end - 1], b'"' | b'\'') {
            end -= 1;
        }
        let mut start = end;
        while start > 0 && ident(b[start - 1]) {
            start -= 1;
        }
        // `\nname = ...` inside a string literal: the `n` is the escape's.
        if start > 0 && b[start - 1] == b'\\' && start < end {
            start += 1;
        }
        // The value: a quoted string after the operator (`:=`, `=>`, `==` skipped over).
        let mut j = op + 1;
        while j < b.len() && matches!(b[j], b'=' | b'>' | b' ') {
            j += 1;
        }
        if start < end
            && b[op + 1..].first() != Some(&b'=')
            && let Some(&q @ (b'"' | b'\'' | b'`')) = b.get(j)
            && let Some(len) = b[j + 1..].iter().position(|&c| c == q)
        {
            out.push((&line[start..end], &line[j + 1..j + 1 + len]));
            i = j + 2 + len;
            continue;
        }
        i += 1;
    }
    out
}

/// `name=value` as a whole line, unquoted (`.properties`, `.ini`, `.conf`, shell):
/// `spring.datasource.password=...`, `export API_TOKEN=...`. The value is one word without
/// quotes, brackets, parentheses or `;` (so code such as `password = getpass()` is not one).
fn bare_assignment(line: &str) -> Option<(&str, &str)> {
    let t = line.trim();
    let t = t.strip_prefix("export ").unwrap_or(t);
    let at = t.find(['=', ':'])?;
    let (name, value) = (t[..at].trim(), t[at + 1..].trim());
    let plain_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    let plain_value = !value.is_empty()
        && !value.contains(char::is_whitespace)
        && !value.contains([
            '"', '\'', '`', '(', ')', '[', ']', '{', '}', ';', ',', '<', '>',
        ]);
    (plain_name && plain_value).then_some((name, value))
}

/// A password or token given on a command line: `--password VALUE`, `--token=VALUE`,
/// `docker login -u USER -p VALUE`, in scripts, Makefiles, Jenkinsfiles and CI files.
fn flag_values(line: &str) -> Vec<(&str, &str)> {
    const FLAGS: [&str; 7] = [
        "--password",
        "--passwd",
        "--token",
        "--api-key",
        "--apikey",
        "--secret",
        "--client-secret",
    ];
    let mut out = Vec::new();
    let words: Vec<&str> = line.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        let w = w.trim_start_matches(['"', '\'']);
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) => (f, Some(v)),
            None => (w, None),
        };
        let docker_p = flag == "-p" && words[..i].iter().any(|x| x.ends_with("login"));
        if !(FLAGS.contains(&flag) || docker_p) {
            continue;
        }
        let value = inline.or_else(|| words.get(i + 1).copied()).unwrap_or("");
        let value = value.trim_matches(['"', '\'', ';', '`', ',', ')']);
        // `-p PASSWORD`, `--token TOKEN`: a placeholder in upper case.
        let placeholder = value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if value.len() >= 6 && !value.starts_with(['-', '$']) && !placeholder {
            out.push((flag.trim_start_matches('-'), value));
        }
    }
    out
}

/// Every line holding a secret-named assignment with a random-looking value, except
/// lines already reported.
pub(crate) fn scan_text(text: &str, first_line: usize, sink: &mut Sink<'_>) {
    let Some(finder) = FINDER.as_ref() else {
        return;
    };
    let taken: std::collections::HashSet<usize> =
        sink.report.findings.iter().filter_map(|f| f.line).collect();
    let mut last_line_start = usize::MAX;
    for m in finder.find_iter(text) {
        let line_start = text[..m.start()].rfind('\n').map_or(0, |p| p + 1);
        if line_start == last_line_start {
            continue;
        }
        last_line_start = line_start;
        let line_end = text[m.start()..]
            .find('\n')
            .map_or(text.len(), |p| m.start() + p);
        let line = &text[line_start..line_end];
        let number =
            first_line + memchr::memchr_iter(b'\n', &text.as_bytes()[..line_start]).count();
        if taken.contains(&number) {
            continue;
        }
        let flags = flag_values(line);
        let candidates = assignments(line)
            .into_iter()
            .chain(bare_assignment(line))
            .map(|(n, v)| (n, v, false))
            .chain(flags.into_iter().map(|(n, v)| (n, v, true)));
        for (name, value, flag) in candidates {
            if !flag && !key_says_secret(name) {
                continue;
            }
            // A value given to a password flag is a password even when it is a word;
            // elsewhere it must look random.
            let why = if flag {
                value_looks_real(value)
                    .ok()
                    .filter(|_| !is_placeholder(value))
            } else {
                looks_random(value)
            };
            let Some(why) = why else {
                continue;
            };
            let shown = sealer_core::validity::shown_key(name).into_owned();
            sink.push(Raw {
                rule: Rule::GenericSecret,
                severity: None,
                document: None,
                yaml_path: shown.clone(),
                line: Some(number),
                value: value.as_bytes(),
                message: format!("`{shown}` is assigned what looks like a secret: {why}"),
                fix: Rule::GenericSecret.fix().to_owned(),
                allowed_inline: has_allow_comment(line),
            });
            break;
        }
    }
}
