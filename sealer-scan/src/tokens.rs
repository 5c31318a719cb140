//! Provider tokens (interim: the families land with their detectors).

/// One family of provider tokens.
pub struct Family {
    /// Stable rule id.
    pub id: &'static str,
    /// One line.
    pub title: &'static str,
    /// Literal strings searched for.
    pub anchors: &'static [&'static str],
    /// What to do.
    pub fix: &'static str,
}

/// A token found.
pub struct TokenHit {
    /// Index into [`FAMILIES`].
    pub family: usize,
    /// Byte range of the secret.
    pub start: usize,
    /// End of the range.
    pub end: usize,
    /// 1-based line.
    pub line: usize,
    /// Why it looked real.
    pub why: String,
    /// Real by its format.
    pub confident: bool,
}

/// Interim.
pub fn scan(_text: &str) -> Vec<TokenHit> {
    Vec::new()
}

/// Interim.
pub fn might_hold_tokens(_bytes: &[u8]) -> bool {
    false
}

/// The families.
pub static FAMILIES: &[Family] = &[];

/// Interim: whether a key name says it holds a secret.
pub fn key_says_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["password", "passwd", "secret", "token", "apikey", "api_key"]
        .iter()
        .any(|w| n.contains(w))
        && !["existing", "name", "ref", "file", "path"]
            .iter()
            .any(|w| n.contains(w))
}

/// Interim: whether a value looks real.
pub fn value_looks_real(value: &str) -> Result<String, &'static str> {
    let t = value.trim();
    if t.is_empty() || t.contains("{{") || t.starts_with("${") || t.starts_with('<') {
        return Err("placeholder");
    }
    Ok(format!("{} characters", t.chars().count()))
}
