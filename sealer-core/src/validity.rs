//! The names Kubernetes accepts: Secret data keys, object names (DNS-1123 subdomains) and
//! namespaces (DNS-1123 labels), with the API server's rules.
//!
//! They are checked both when sealing and when unsealing, so nothing is sealed that the
//! controller could never turn into a Secret, and the controller never asks the API
//! server for a Secret it would refuse. The namespace rule also keeps scope labels apart:
//! without it the namespace `prod/db` would have the label of the strict `prod`/`db`.

use std::fmt;

/// Longest Secret key Kubernetes accepts, in bytes.
pub const MAX_KEY_LEN: usize = 253;
/// Longest object name Kubernetes accepts (a DNS-1123 subdomain), in bytes.
pub const MAX_NAME_LEN: usize = 253;
/// Longest namespace Kubernetes accepts (a DNS-1123 label), in bytes.
pub const MAX_NAMESPACE_LEN: usize = 63;

/// What is wrong with a Secret key; its `Display` is the rule broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyProblem {
    /// The key is empty.
    Empty,
    /// The key holds a character other than ASCII letters, digits, `-`, `_` and `.`.
    Characters,
    /// The key is longer than [`MAX_KEY_LEN`].
    TooLong,
    /// The key is `.` or `..`, or starts with `..` (it would name a folder when the
    /// Secret is mounted as files).
    Dots,
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyProblem::Empty => f.write_str("a key cannot be empty"),
            KeyProblem::Characters => f.write_str("keys are letters, digits, `-`, `_` and `.`"),
            KeyProblem::TooLong => write!(f, "keys are at most {MAX_KEY_LEN} characters"),
            KeyProblem::Dots => f.write_str("a key cannot be `.` or `..`, nor start with `..`"),
        }
    }
}

/// The rule an object name breaks, as messages state it.
pub const NAME_RULE: &str = "names are lowercase letters, digits, `-` and `.`, each dot-separated part starting and ending with a letter or digit, at most 253 characters";
/// The rule a namespace breaks, as messages state it.
pub const NAMESPACE_RULE: &str = "namespaces are lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters";

/// What is wrong with `key` as a key of a Secret's `data`, if anything.
pub fn key_problem(key: &str) -> Option<KeyProblem> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    if key.is_empty() {
        Some(KeyProblem::Empty)
    } else if !key.bytes().all(allowed) {
        Some(KeyProblem::Characters)
    } else if key.len() > MAX_KEY_LEN {
        Some(KeyProblem::TooLong)
    } else if key == "." || key.starts_with("..") {
        Some(KeyProblem::Dots)
    } else {
        None
    }
}

/// Whether `label` is a DNS-1123 label of at most `max` bytes: lowercase letters, digits
/// and `-`, starting and ending with a letter or digit.
fn is_dns_label(label: &str, max: usize) -> bool {
    let bytes = label.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !bytes.is_empty()
        && bytes.len() <= max
        && bytes.first().is_some_and(alnum)
        && bytes.last().is_some_and(alnum)
        && bytes.iter().all(|b| alnum(b) || *b == b'-')
}

/// Whether `name` is a DNS-1123 subdomain: dot-separated DNS-1123 labels, at most
/// [`MAX_NAME_LEN`] bytes in all.
pub fn is_valid_name(name: &str) -> bool {
    name.len() <= MAX_NAME_LEN && name.split('.').all(|l| is_dns_label(l, MAX_NAME_LEN))
}

/// Whether `namespace` is a DNS-1123 label of at most [`MAX_NAMESPACE_LEN`] bytes.
pub fn is_valid_namespace(namespace: &str) -> bool {
    is_dns_label(namespace, MAX_NAMESPACE_LEN)
}

/// A Secret key as a message or a YAML path shows it: as it is when Kubernetes accepts
/// it, else [`shown`] (escaped and cut: such a key may be pasted content).
pub fn shown_key(key: &str) -> std::borrow::Cow<'_, str> {
    if key_problem(key).is_none() {
        std::borrow::Cow::Borrowed(key)
    } else {
        std::borrow::Cow::Owned(shown(key))
    }
}

/// A key, name or namespace as a message shows it: control characters escaped, and cut
/// after 20 bytes of what is shown (such a text can be long, or pasted content; the rule
/// and the position are what matter). Bytes, not characters: 20 wide characters would
/// repeat up to 80 bytes of the input.
pub fn shown(text: &str) -> String {
    const SHOWN: usize = 20;
    let mut out = String::new();
    for c in text.chars() {
        let escaped = c.escape_debug().to_string();
        if out.len() + escaped.len() > SHOWN {
            out.push('…');
            return out;
        }
        out.push_str(&escaped);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shown_text_of_wide_characters_is_cut_by_bytes_too() {
        // Found by fuzz/fuzz_targets/cert_key.rs: 20 characters of Hebrew and Armenian
        // letters are 30 bytes, and the message repeated that much of its input.
        let name = format!("sealed&0**`{}e5e}}}}", "ԽמՄݞ".repeat(4));
        let s = shown(&name);
        let kept = s.trim_end_matches('…');
        assert!(kept.len() <= 20, "{} bytes shown: {s}", kept.len());
        assert!(s.ends_with('…'));
        assert_eq!(shown("tls.crt"), "tls.crt");
    }

    #[test]
    fn the_key_rule_follows_kubernetes() {
        for ok in [
            "a",
            "tls.crt",
            ".dockerconfigjson",
            "x..y",
            "a-b_c.D9",
            "a..",
        ] {
            assert_eq!(key_problem(ok), None, "{ok}");
        }
        assert_eq!(key_problem("...."), Some(KeyProblem::Dots));
        assert_eq!(key_problem(""), Some(KeyProblem::Empty));
        assert_eq!(key_problem("a/b"), Some(KeyProblem::Characters));
        assert_eq!(key_problem("a\u{0}"), Some(KeyProblem::Characters));
        assert_eq!(key_problem(".."), Some(KeyProblem::Dots));
        assert_eq!(key_problem("."), Some(KeyProblem::Dots));
        assert_eq!(key_problem(&"a".repeat(253)), None);
        assert_eq!(key_problem(&"a".repeat(254)), Some(KeyProblem::TooLong));
    }

    #[test]
    fn names_are_dns_subdomains_and_namespaces_dns_labels() {
        for ok in ["a", "0", "a-b", "a.b", "a-1.b-2.c"] {
            assert!(is_valid_name(ok), "{ok}");
        }
        for bad in [
            "", "A", "a_b", "-a", "a-", ".a", "a.", "a..b", "a.-b", "a/b",
        ] {
            assert!(!is_valid_name(bad), "{bad}");
        }
        assert!(is_valid_name(&"a".repeat(253)));
        assert!(!is_valid_name(&"a".repeat(254)));
        assert!(is_valid_namespace("kube-system"));
        for bad in ["", "a.b", "a/b", "A", "-a", "a-"] {
            assert!(!is_valid_namespace(bad), "{bad}");
        }
        assert!(is_valid_namespace(&"a".repeat(63)));
        assert!(!is_valid_namespace(&"a".repeat(64)));
    }

    #[test]
    fn shown_text_is_escaped_and_cut() {
        assert_eq!(shown("a\0b\n"), "a\\0b\\n");
        // The cut counts what is shown: an escape takes its room.
        assert_eq!(shown(&"\\".repeat(30)), format!("{}…", "\\".repeat(20)));
        let long = shown(&"k".repeat(300));
        assert_eq!(long, format!("{}…", "k".repeat(20)));
    }
}
