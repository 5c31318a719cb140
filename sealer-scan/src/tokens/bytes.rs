//! Byte-level helpers of the token detectors: character classes, runs, boundaries,
//! entropy and the placeholder test on token bodies.

use super::*;

pub(super) fn alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}
pub(super) fn urlsafe(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}
pub(super) fn b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/'
}
pub(super) fn hexlower(c: u8) -> bool {
    c.is_ascii_digit() || (b'a'..=b'f').contains(&c)
}
pub(super) fn upper_alnum(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}

/// End of the run of `pred` bytes from `from`, looking at no more than `max` bytes.
pub(super) fn run(t: &[u8], from: usize, max: usize, pred: impl Fn(u8) -> bool) -> usize {
    let lim = t.len().min(from.saturating_add(max));
    let mut i = from;
    while i < lim && pred(t[i]) {
        i += 1;
    }
    i
}

/// A run of exactly `n` bytes of `pred`, not continued by another one.
pub(super) fn exact(t: &[u8], from: usize, n: usize, pred: impl Fn(u8) -> bool) -> Option<usize> {
    let end = run(t, from, n + 1, pred);
    (end.saturating_sub(from) == n).then_some(end)
}

/// Nothing alphanumeric right before `i`.
pub(super) fn boundary(t: &[u8], i: usize) -> bool {
    i == 0 || !alnum(t[i - 1])
}

/// The byte at `i`, if any, is not a `pred` byte.
pub(super) fn clean(t: &[u8], i: usize, pred: impl Fn(u8) -> bool) -> bool {
    t.get(i).is_none_or(|&c| !pred(c))
}

/// End of a prefixed body of `min..=max` class bytes, see [`Shape::Body`].
pub(super) fn body_end(
    t: &[u8],
    s: usize,
    e: usize,
    min: usize,
    max: usize,
    class: Class,
) -> Option<usize> {
    let end = run(t, e, max + 1, |c| class.has(c));
    let ok = boundary(t, s)
        && (min..=max).contains(&(end - e))
        && clean(t, end, |c| alnum(c) || class.has(c))
        && !fake(&t[e..end]);
    ok.then_some(end)
}

pub(super) fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Shannon entropy in bits per byte.
pub(super) fn entropy(v: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    v.iter().for_each(|&c| counts[usize::from(c)] += 1);
    let n = v.len() as f64;
    let terms = counts.iter().filter(|&&k| k > 0).map(|&k| f64::from(k) / n);
    terms.map(|p| -p * p.log2()).sum()
}

/// Documentation bodies: marker words, one repeated character, very few
/// distinct characters, or a counting run of eight or more.
pub(super) fn fake(body: &[u8]) -> bool {
    let markers = "example xxxx dummy sample placeholder redacted changeme";
    if body.is_empty()
        || markers.split(' ').any(|m| contains_ci(body, m.as_bytes()))
        || body
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"your"))
    {
        return true;
    }
    let mut seen = [false; 256];
    body.iter().for_each(|&c| seen[usize::from(c)] = true);
    let distinct = seen.iter().filter(|&&x| x).count();
    if distinct < (body.len() / 3).clamp(2, 6) {
        return true;
    }
    let (mut len, mut dir) = (1, 0);
    for w in body.windows(2) {
        let d = i32::from(w[1]) - i32::from(w[0]);
        (len, dir) = if d.abs() != 1 {
            (1, 0)
        } else if d == dir {
            (len + 1, d)
        } else {
            (2, d)
        };
        if len >= 8 {
            return true;
        }
    }
    false
}

pub(super) fn cand(
    start: usize,
    end: usize,
    confident: bool,
    why: impl Into<String>,
) -> Option<Candidate> {
    Some(Candidate {
        start,
        end,
        why: why.into(),
        confident,
    })
}

/// `n` in the alphabet, left-padded with its zero digit to `N` characters.
pub(super) fn encode_padded<const N: usize>(mut n: u32, alphabet: &[u8]) -> [u8; N] {
    let base = alphabet.len() as u32;
    let mut out = [alphabet[0]; N];
    for slot in out.iter_mut().rev() {
        *slot = alphabet[(n % base) as usize];
        n /= base;
    }
    out
}

pub(super) const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub(super) const B36: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

pub(super) const fn lenient(alphabet: &'static base64::alphabet::Alphabet) -> GeneralPurpose {
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    GeneralPurpose::new(alphabet, config)
}
pub(super) const B64URL_ANY: GeneralPurpose = lenient(&base64::alphabet::URL_SAFE);
pub(super) const B64_ANY: GeneralPurpose = lenient(&base64::alphabet::STANDARD);

/// Start of the URL whose host holds position `s`: back over the host and,
/// when `://` precedes it, over the scheme.
pub(super) fn url_start(t: &[u8], s: usize) -> usize {
    let lo = s.saturating_sub(128);
    let mut h = s;
    while h > lo && (alnum(t[h - 1]) || t[h - 1] == b'.' || t[h - 1] == b'-') {
        h -= 1;
    }
    if h < 3 || &t[h - 3..h] != b"://" {
        return h;
    }
    let mut k = h - 3;
    while k > (h - 3).saturating_sub(16) && t[k - 1].is_ascii_alphabetic() {
        k -= 1;
    }
    if k < h - 3 { k } else { h }
}

/// Start of a window: this line and `lines` before it, at most `cap` bytes back.
pub(super) fn window_start(t: &[u8], to: usize, lines: usize, cap: usize) -> usize {
    let lo = to.saturating_sub(cap);
    let nl = memchr::memrchr_iter(b'\n', &t[lo..to]).nth(lines);
    nl.map_or(lo, |x| lo + x + 1)
}

/// End of a window: the rest of this line and `lines` more, at most `cap` bytes.
pub(super) fn window_end(t: &[u8], from: usize, lines: usize, cap: usize) -> usize {
    let lim = t.len().min(from.saturating_add(cap));
    let nl = memchr::memchr_iter(b'\n', &t[from..lim]).nth(lines);
    nl.map_or(lim, |x| from + x)
}
