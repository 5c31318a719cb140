//! Go's string handling on bytes: the rune decoding of `for range`, trimming, case
//! mapping, `strconv.Quote`, JSON and URL escaping, and standard base64, each written to
//! give Go's bytes for any input, valid UTF-8 or not.

use zeroize::Zeroizing;

use super::buf::{Buf, MAX_OUTPUT, R};

/// The units Go's `for range` over a string yields: a character, or `None` for each
/// byte that is not part of valid UTF-8.
pub(super) fn go_runes(bytes: &[u8]) -> impl Iterator<Item = Option<char>> + '_ {
    bytes.utf8_chunks().flat_map(|chunk| {
        chunk
            .valid()
            .chars()
            .map(Some)
            .chain(chunk.invalid().iter().map(|_| None))
    })
}

pub(super) fn decode_char(bytes: &[u8]) -> Option<char> {
    let first = *bytes.first()?;
    let len = match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    };
    std::str::from_utf8(bytes.get(..len).unwrap_or(&bytes[..1]))
        .ok()
        .and_then(|s| s.chars().next())
        .or(Some(char::REPLACEMENT_CHARACTER))
}

pub(super) fn rune_count(bytes: &[u8]) -> usize {
    go_runes(bytes).count()
}

pub(super) fn truncate_runes(bytes: &[u8], precision: Option<usize>) -> &[u8] {
    let Some(p) = precision else {
        return bytes;
    };
    let end: usize = go_runes(bytes)
        .take(p)
        .map(|unit| unit.map_or(1, char::len_utf8))
        .sum();
    &bytes[..end.min(bytes.len())]
}

/// Go's `unicode.IsSpace`.
pub(super) fn go_is_space(c: char) -> bool {
    c.is_whitespace()
}

pub(super) fn trim_runes(bytes: &[u8], cut: impl Fn(char) -> bool) -> &[u8] {
    let mut start = 0;
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        let kept = valid.trim_start_matches(&cut);
        start += valid.len() - kept.len();
        if !kept.is_empty() || !chunk.invalid().is_empty() {
            break;
        }
    }
    let rest = &bytes[start..];
    let mut end = rest.len();
    while end > 0 {
        // Walk back over one character, if the tail ends in valid UTF-8.
        let from = end.saturating_sub(4);
        let tail = &rest[from..end];
        let mut last = None;
        for k in (0..tail.len()).rev() {
            if let Ok(s) = std::str::from_utf8(&tail[k..])
                && let Some(c) = s.chars().next()
                && c.len_utf8() == tail.len() - k
            {
                last = Some(c);
                break;
            }
        }
        match last {
            Some(c) if cut(c) => end -= c.len_utf8(),
            _ => break,
        }
    }
    &rest[..end]
}

/// Go's `strings.ToUpper` / `ToLower`: ASCII fast path, else `strings.Map` with simple
/// case mapping (which writes U+FFFD for invalid bytes).
pub(super) fn change_case(bytes: &[u8], upper: bool, out: &mut Buf) -> R<()> {
    if bytes.is_ascii() {
        let mapped: Zeroizing<Vec<u8>> = Zeroizing::new(if upper {
            bytes.to_ascii_uppercase()
        } else {
            bytes.to_ascii_lowercase()
        });
        return out.push(&mapped);
    }
    for unit in go_runes(bytes) {
        let c = unit.unwrap_or(char::REPLACEMENT_CHARACTER);
        let mapped = if upper {
            let mut m = c.to_uppercase();
            match (m.next(), m.next()) {
                (Some(one), None) => one,
                _ => c,
            }
        } else {
            // Only U+0130 lowers to two characters; Go's simple mapping gives the first.
            c.to_lowercase().next().unwrap_or(c)
        };
        out.push_char(mapped)?;
    }
    Ok(())
}

/// Go's `strings.Replace(s, old, new, -1)` on bytes; an empty `old` matches before every
/// character and at the end.
pub(super) fn replace_all(s: &[u8], old: &[u8], new: &[u8], out: &mut Buf) -> R<()> {
    if old.is_empty() {
        out.push(new)?;
        let mut i = 0;
        for unit in go_runes(s) {
            let width = unit.map_or(1, char::len_utf8);
            out.push(&s[i..i + width])?;
            out.push(new)?;
            i += width;
        }
        return Ok(());
    }
    let mut i = 0;
    let mut last = 0;
    while i + old.len() <= s.len() {
        if &s[i..i + old.len()] == old {
            out.push(&s[last..i])?;
            out.push(new)?;
            i += old.len();
            last = i;
        } else {
            i += 1;
        }
    }
    out.push(&s[last..])
}

/// Go's `strconv.Quote` (with `quote` as the delimiter): printable characters as they
/// are, Go escapes for the rest, `\xNN` for bytes that are not UTF-8.
pub(super) fn go_quote(bytes: &[u8], quote: char, out: &mut Buf) -> R<()> {
    out.push_char(quote)?;
    let mut i = 0;
    for unit in go_runes(bytes) {
        let Some(c) = unit else {
            out.push_str(&format!("\\x{:02x}", bytes.get(i).copied().unwrap_or(0)))?;
            i += 1;
            continue;
        };
        i += c.len_utf8();
        match c {
            c if c == quote || c == '\\' => {
                out.push_str("\\")?;
                out.push_char(c)?;
            }
            c if go_is_print(c) => out.push_char(c)?,
            '\u{7}' => out.push_str("\\a")?,
            '\u{8}' => out.push_str("\\b")?,
            '\u{c}' => out.push_str("\\f")?,
            '\n' => out.push_str("\\n")?,
            '\r' => out.push_str("\\r")?,
            '\t' => out.push_str("\\t")?,
            '\u{b}' => out.push_str("\\v")?,
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)))?
            }
            c if u32::from(c) < 0x10000 => out.push_str(&format!("\\u{:04x}", u32::from(c)))?,
            c => out.push_str(&format!("\\U{:08x}", u32::from(c)))?,
        }
    }
    out.push_char(quote)
}

/// An approximation of Go's `unicode.IsPrint` (exact for ASCII and Latin-1).
fn go_is_print(c: char) -> bool {
    let u = u32::from(c);
    if u < 0x80 {
        return (0x20..0x7f).contains(&u);
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let format_or_private = matches!(u,
        0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x890..=0x891 | 0x8e2 | 0x180e
        | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2064 | 0x2066..=0x206f | 0xfeff
        | 0xfff9..=0xfffb | 0x110bd | 0x110cd | 0x13430..=0x1343f | 0x1bca0..=0x1bca3
        | 0x1d173..=0x1d17a | 0xe0001 | 0xe0020..=0xe007f | 0xe000..=0xf8ff
        | 0xf0000..=0x10ffff);
    let noncharacter = (0xfdd0..=0xfdef).contains(&u) || u & 0xfffe == 0xfffe;
    !format_or_private && !noncharacter
}

/// Go's `json.Marshal` of a string: HTML-safe escapes, `\ufffd` for invalid bytes,
/// `\u2028`/`\u2029` escaped.
pub(super) fn json_string(bytes: &[u8], out: &mut Buf) -> R<()> {
    out.push_str("\"")?;
    for unit in go_runes(bytes) {
        match unit {
            None => out.push_str("\\ufffd")?,
            Some('"') => out.push_str("\\\"")?,
            Some('\\') => out.push_str("\\\\")?,
            Some('\n') => out.push_str("\\n")?,
            Some('\r') => out.push_str("\\r")?,
            Some('\t') => out.push_str("\\t")?,
            Some('\u{8}') => out.push_str("\\b")?,
            Some('\u{c}') => out.push_str("\\f")?,
            Some(c)
                if u32::from(c) < 0x20
                    || matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}') =>
            {
                out.push_str(&format!("\\u{:04x}", u32::from(c)))?;
            }
            Some(c) => out.push_char(c)?,
        }
    }
    out.push_str("\"")
}

/// Go's `url.QueryEscape`.
pub(super) fn query_escape(bytes: &[u8], out: &mut Buf) -> R<()> {
    for &b in bytes {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(&[b])?
            }
            b' ' => out.push(b"+")?,
            b => out.push_str(&format!("%{b:02X}"))?,
        }
    }
    Ok(())
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(super) fn b64_encode(bytes: &[u8], out: &mut Buf) -> R<()> {
    if bytes.len().div_ceil(3).saturating_mul(4) > MAX_OUTPUT {
        return Err(format!(
            "`b64enc` would produce more than {MAX_OUTPUT} bytes"
        ));
    }
    let mut text = Zeroizing::new(Vec::with_capacity(bytes.len().div_ceil(3) * 4));
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                text.push(B64[((n >> (18 - 6 * k)) & 63) as usize]);
            } else {
                text.push(b'=');
            }
        }
    }
    out.push(&text)
}

/// Go's `base64.StdEncoding.DecodeString`: padding required, `\r` and `\n` ignored. On
/// failure, the offset Go reports in "illegal base64 data at input byte N".
pub(super) fn b64_decode(src: &[u8]) -> std::result::Result<Zeroizing<Vec<u8>>, usize> {
    let sextet = |b: u8| {
        B64.iter()
            .position(|&c| c == b)
            .and_then(|p| u32::try_from(p).ok())
    };
    let skip_newlines = |mut i: usize| {
        while matches!(src.get(i), Some(b'\r' | b'\n')) {
            i += 1;
        }
        i
    };
    let mut out = Zeroizing::new(Vec::with_capacity(src.len() / 4 * 3));
    let mut si = 0;
    loop {
        let mut quantum = [0u32; 4];
        let mut have = 0;
        let mut done = false;
        while have < 4 {
            let Some(&b) = src.get(si) else {
                if have == 0 {
                    return Ok(out);
                }
                return Err(si - have);
            };
            si += 1;
            if let Some(v) = sextet(b) {
                quantum[have] = v;
                have += 1;
                continue;
            }
            if b == b'\n' || b == b'\r' {
                continue;
            }
            if b != b'=' || have < 2 {
                return Err(si - 1);
            }
            if have == 2 {
                si = skip_newlines(si);
                match src.get(si) {
                    None => return Err(src.len()),
                    Some(b'=') => si += 1,
                    Some(_) => return Err(si - 1),
                }
            }
            si = skip_newlines(si);
            if si < src.len() {
                return Err(si);
            }
            done = true;
            break;
        }
        let n = (quantum[0] << 18) | (quantum[1] << 12) | (quantum[2] << 6) | quantum[3];
        let [_, a, b, c] = n.to_be_bytes();
        out.extend_from_slice(&[a, b, c][..have - 1]);
        if done {
            return Ok(out);
        }
    }
}
