//! Private keys found by a byte search: PEM blocks of every common kind, and PEM blocks
//! wrapped in base64 (how Kubernetes `data` and kubeconfig `*-data` fields carry them).

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use memchr::memmem;

/// `-----BEGIN` in base64 (at offset 0 of the encoded text, which is where a wrapped PEM
/// block starts).
pub const BASE64_BEGIN: &[u8] = BASE64_BEGIN_STR.as_bytes();
/// [`BASE64_BEGIN`] as text.
pub const BASE64_BEGIN_STR: &str = "LS0tLS1CRUdJTi";

/// Fewer base64 characters than this between BEGIN and END is a placeholder in
/// documentation (`...`), not a key.
const MIN_BODY: usize = 64;
/// How far after BEGIN the body is looked at.
const MAX_BLOCK: usize = 64 * 1024;

/// One private key block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemHit {
    /// Byte offset of `-----BEGIN` in the searched text.
    pub offset: usize,
    /// The label as a message shows it: one of [`KNOWN_LABELS`], or `an unusual label`
    /// (any other label ending in `PRIVATE KEY` is input text, not a name).
    pub label: &'static str,
    /// The block's body (what the fingerprint hashes).
    pub body: Vec<u8>,
}

/// The labels of private keys that tools write (RFC 7468, OpenSSL, OpenSSH, OpenPGP).
pub const KNOWN_LABELS: [&str; 8] = [
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "DSA PRIVATE KEY",
    "OPENSSH PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "PRIVATE KEY",
    "ANY PRIVATE KEY",
    "PGP PRIVATE KEY BLOCK",
];

/// Whether a PEM label names private key material.
pub fn is_private_label(label: &str) -> bool {
    label.ends_with("PRIVATE KEY") || label == "PGP PRIVATE KEY BLOCK"
}

/// Every private key PEM block in `text` that has a real body.
pub fn private_keys(text: &[u8]) -> Vec<PemHit> {
    let mut hits = Vec::new();
    for offset in memmem::find_iter(text, b"-----BEGIN ") {
        let after = &text[offset + 11..];
        let Some(end_label) = memmem::find(&after[..after.len().min(80)], b"-----") else {
            continue;
        };
        let Ok(label) = std::str::from_utf8(&after[..end_label]) else {
            continue;
        };
        let label = label.trim();
        // RFC 7468: a label is printable ASCII without `-`; anything else is not a
        // BEGIN line (and must not be repeated in a message).
        let well_formed = label
            .bytes()
            .all(|b| (b' '..=b'~').contains(&b) && b != b'-');
        if !well_formed || !is_private_label(label) {
            continue;
        }
        let rest = &after[end_label + 5..];
        let rest = &rest[..rest.len().min(MAX_BLOCK)];
        let (body, headers) = body_of(rest);
        if body.len() >= MIN_BODY && decodes_as_key(label, &body, headers) {
            hits.push(PemHit {
                offset,
                label: KNOWN_LABELS
                    .iter()
                    .find(|known| **known == label)
                    .copied()
                    .unwrap_or("an unusual label"),
                body,
            });
        }
    }
    hits
}

/// The base64 body after a BEGIN line: consecutive lines of base64 only (after optional
/// `Key: value` headers), up to END. Code around a mention of BEGIN ends the body at
/// once; `\n` escapes and string quotes of keys embedded in source code are tolerated.
fn body_of(rest: &[u8]) -> (Vec<u8>, bool) {
    let text = String::from_utf8_lossy(rest).replace("\\n", "\n");
    let mut body = Vec::new();
    let mut started = false;
    let mut headers = false;
    for line in text.split('\n') {
        // A line of a key quoted in source code (`"MIIE..." +`, `'MIIE...',`): the part
        // between the quotes. A bare base64 line keeps its own `+` and `/`.
        let t = line.trim();
        let t = match (t.find(['"', '\'']), t.rfind(['"', '\''])) {
            (Some(open), Some(close)) if close > open => &t[open + 1..close],
            _ => t.trim_end_matches([',', ';', '\\']),
        }
        .trim();
        // `=XXXX` after an OpenPGP body is its armor checksum, not base64 of the body.
        if t.starts_with("-----END") || (started && t.starts_with('=')) {
            break;
        }
        if t.is_empty() {
            if started {
                break;
            }
            continue;
        }
        if !started && t.contains(':') {
            headers = true;
            continue;
        }
        if !t
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        {
            break;
        }
        started = true;
        body.extend_from_slice(t.as_bytes());
    }
    (body, headers)
}

/// Whether a block's body is key material rather than a documentation example: it
/// decodes, and what it decodes to has the structure of its kind, whole. A DER key
/// (PKCS#1, SEC 1, PKCS#8, encrypted PKCS#8) is one SEQUENCE whose length fits the
/// bytes; an OpenSSH key starts with its magic; an OpenPGP block with a packet tag; a
/// legacy encrypted PEM (`Proc-Type` headers) is whole cipher blocks. A body cut short
/// with `...` fails all of these.
fn decodes_as_key(label: &str, body: &[u8], headers: bool) -> bool {
    let Some(bytes) = decode_lenient(body) else {
        return false;
    };
    match label {
        "OPENSSH PRIVATE KEY" => bytes.starts_with(b"openssh-key-v1\0") && bytes.len() >= 100,
        "PGP PRIVATE KEY BLOCK" => {
            bytes.first().is_some_and(|b| b & 0x80 != 0) && bytes.len() >= 48
        }
        _ if headers => bytes.len() >= 48 && bytes.len() % 8 == 0,
        _ => der_sequence_fits(&bytes),
    }
}

/// A DER SEQUENCE whose encoded length is covered by `bytes`.
fn der_sequence_fits(bytes: &[u8]) -> bool {
    let (Some(&0x30), Some(&first)) = (bytes.first(), bytes.get(1)) else {
        return false;
    };
    let (header, len) = if first < 0x80 {
        (2, usize::from(first))
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || bytes.len() < 2 + n {
            return false;
        }
        let len = bytes[2..2 + n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (2 + n, len)
    };
    len >= 16 && bytes.len() >= header + len
}

/// Decodes base64 text leniently (whitespace, padding, trailing partial quantum ignored).
pub fn decode_lenient(text: &[u8]) -> Option<Vec<u8>> {
    let mut compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/'))
        .collect();
    let cut = compact.len() - compact.len() % 4;
    // A trailing single character cannot be decoded; two or three can (no padding).
    if compact.len() % 4 == 1 {
        compact.truncate(cut);
    }
    STANDARD_NO_PAD.decode(&compact).ok()
}

/// Private keys wrapped in base64 inside `text`: runs starting with the base64 of
/// `-----BEGIN`. Offsets are those of the base64 run.
pub fn base64_private_keys(text: &[u8]) -> Vec<PemHit> {
    let mut hits = Vec::new();
    for offset in memmem::find_iter(text, BASE64_BEGIN) {
        let run = text[offset..]
            .iter()
            .take(MAX_BLOCK * 4 / 3)
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
            .count();
        let Some(decoded) = decode_lenient(&text[offset..offset + run]) else {
            continue;
        };
        if let Some(hit) = private_keys(&decoded).into_iter().next() {
            hits.push(PemHit { offset, ..hit });
        }
    }
    hits
}

/// The private key inside one string value, raw or base64-wrapped: `(wrapped, hit)`.
pub fn in_value(value: &str) -> Option<(bool, PemHit)> {
    let bytes = value.as_bytes();
    if memmem::find(bytes, b"PRIVATE KEY").is_some()
        && let Some(hit) = private_keys(bytes).into_iter().next()
    {
        return Some((false, hit));
    }
    let trimmed = value.trim_start();
    if trimmed.starts_with("LS0tLS1CRUdJTi") {
        let decoded = decode_lenient(trimmed.as_bytes())?;
        return private_keys(&decoded).into_iter().next().map(|h| (true, h));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A whole DER SEQUENCE of 200 bytes (what a key body decodes to, structurally).
    fn der_body() -> String {
        let mut der = vec![0x30, 0x81, 200];
        der.extend((0..200u32).map(|i| (i * 7 + 3) as u8));
        base64::engine::general_purpose::STANDARD.encode(der)
    }

    fn pem(label: &str) -> String {
        let body = if label == "OPENSSH PRIVATE KEY" {
            let mut raw = b"openssh-key-v1\0".to_vec();
            raw.extend([7u8; 200]);
            base64::engine::general_purpose::STANDARD.encode(raw)
        } else if label == "PGP PRIVATE KEY BLOCK" {
            base64::engine::general_purpose::STANDARD.encode([0x95u8; 120])
        } else {
            der_body()
        };
        format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n")
    }

    #[test]
    fn a_documentation_key_cut_short_is_not_a_key() {
        let body = der_body();
        let cut = format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{}\n...\n-----END RSA PRIVATE KEY-----\n",
            &body[..120]
        );
        assert!(private_keys(cut.as_bytes()).is_empty());
        // Random base64 of the right length is not DER either.
        let random = "-----BEGIN PRIVATE KEY-----\nq83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJ\n-----END PRIVATE KEY-----\n";
        assert!(private_keys(random.as_bytes()).is_empty());
        assert_eq!(private_keys(pem("PRIVATE KEY").as_bytes()).len(), 1);
    }

    #[test]
    fn every_common_private_key_label_is_found() {
        for label in KNOWN_LABELS {
            let hits = private_keys(pem(label).as_bytes());
            assert_eq!(hits.len(), 1, "{label}");
            assert_eq!(hits[0].label, label);
        }
    }

    #[test]
    fn a_label_with_bytes_no_pem_label_has_is_not_a_key_label() {
        // Found by fuzz/fuzz_targets/scanner.rs: the "label" of a damaged BEGIN line ran
        // into the text after it, and the finding's message repeated that text.
        let damaged = format!(
            "-----BEGIN RSA PRIVATE K\u{4}-spec----BEGIN PRIVATE KEY-----\n{}\n",
            der_body()
        );
        assert!(private_keys(damaged.as_bytes()).is_empty());
    }

    #[test]
    fn an_unusual_label_is_found_but_not_repeated() {
        // Found by fuzz/fuzz_targets/scanner.rs: any label ending in PRIVATE KEY was
        // shown as it was written.
        let hits = private_keys(pem("ENURECCRYPTED PRIVATE KEY").as_bytes());
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].label, "an unusual label");
    }

    #[test]
    fn certificates_public_keys_and_placeholders_are_not_keys() {
        assert!(private_keys(pem("CERTIFICATE").as_bytes()).is_empty());
        assert!(private_keys(pem("PUBLIC KEY").as_bytes()).is_empty());
        let doc = "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n";
        assert!(private_keys(doc.as_bytes()).is_empty());
    }

    #[test]
    fn a_base64_wrapped_key_is_found() {
        let wrapped = base64::engine::general_purpose::STANDARD.encode(pem("RSA PRIVATE KEY"));
        assert!(wrapped.starts_with("LS0tLS1CRUdJTi"));
        let text = format!("tls.key: {wrapped}\n");
        assert_eq!(base64_private_keys(text.as_bytes()).len(), 1);
        assert!(in_value(&wrapped).is_some_and(|(w, _)| w));
    }
}
