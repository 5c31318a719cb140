//! One document of a file (a [`Chunk`]) and the checks made on raw text, shared by the
//! parsed rules and the line-based fallback: `# seal:allow` comments and template
//! expressions.

/// One document of a file: its text and where it starts.
pub(crate) struct Chunk<'a> {
    pub text: &'a str,
    /// 1-based line of the chunk's first line.
    pub first_line: usize,
    /// 1-based document number (documents holding only comments are not counted).
    pub index: usize,
}

/// Template expressions are not values: Helm/Go templates and `${VAR}` substitution.
pub(crate) fn is_template(value: &str) -> bool {
    let t = value.trim();
    (t.contains("{{") && t.contains("}}"))
        || (t.starts_with("${") && t.ends_with('}') && !t[2..t.len() - 1].contains(['$', '{']))
}

/// A SOPS-encrypted value (`ENC[AES256_GCM,data:...]`): not plaintext when the document
/// has a `sops:` key.
pub(crate) fn is_sops_enc(value: &str) -> bool {
    let t = value.trim();
    t.starts_with("ENC[") && t.ends_with(']')
}

/// Whether a line carries a `seal:allow` comment (`#` or `//`).
pub(crate) fn has_allow_comment(line: &str) -> bool {
    line.find("seal:allow").is_some_and(|at| {
        let before = &line[..at];
        before.contains('#') || before.contains("//")
    })
}

/// Whether a document carries `# seal:allow` anywhere.
pub(crate) fn chunk_allows(text: &str) -> bool {
    text.contains("seal:allow") && text.lines().any(has_allow_comment)
}

/// A placeholder where a value will go: what examples and chart defaults write instead
/// of a secret (`changeme`, `<password>`, `REPLACE_ME`, `xxxx`, `...`, `example`,
/// `dummy`, `your-token-here`), and template expressions. Case-insensitive.
pub(crate) fn is_placeholder(value: &str) -> bool {
    let t = value.trim().trim_matches(['"', '\'']);
    if t.is_empty() || is_template(t) {
        return true;
    }
    if (t.starts_with('<') && t.ends_with('>')) || (t.starts_with("$(") && t.ends_with(')')) {
        return true;
    }
    // `$encoded_token`: a shell variable (a Secret written by a script's heredoc).
    if let Some(name) = t.strip_prefix('$')
        && !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return true;
    }
    let lower = t.to_ascii_lowercase();
    let squashed: String = lower
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    if squashed.is_empty()
        || t.chars()
            .all(|c| matches!(c, 'x' | 'X' | '*' | '.' | '-' | '_' | '#'))
    {
        return true;
    }
    const WORDS: [&str; 8] = [
        "changeme",
        "replaceme",
        "example",
        "dummy",
        "placeholder",
        "redacted",
        "notreal",
        "fixme",
    ];
    if WORDS.iter().any(|w| squashed.contains(w)) {
        return true;
    }
    squashed.starts_with("your")
        || squashed.starts_with("replacewith")
        || squashed.starts_with("insert")
}
