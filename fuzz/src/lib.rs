//! Properties shared by the fuzz targets.
//!
//! Every target checks the same three things on every input: nothing panics (libFuzzer
//! reports a panic as a crash), no allocation passes the bound `fuzz/run` gives
//! libFuzzer (`-malloc_limit_mb`, `-rss_limit_mb`), and what a refusal says is one line,
//! of bounded length, that does not repeat the input.

use memchr::memmem;

/// Longest message a refusal may have, in bytes.
pub const MAX_MESSAGE: usize = 1024;

/// The first run of `window` bytes of `message` that also occurs in `secret`. With
/// `allow_names`, runs made only of the characters of Kubernetes names, keys and
/// `namespace/name` (`[-._/a-zA-Z0-9]`) are skipped: messages name objects and keys by
/// design, never values.
pub fn repeated<'m>(
    secret: &[u8],
    message: &'m str,
    window: usize,
    allow_names: bool,
) -> Option<&'m [u8]> {
    let m = message.as_bytes();
    if secret.len() < window || m.len() < window {
        return None;
    }
    m.windows(window).find(|w| {
        if allow_names && is_name_run(w) {
            return false;
        }
        // Runs of one repeated byte say nothing about where they came from.
        if w.iter().all(|b| *b == w[0]) {
            return false;
        }
        memmem::find(secret, w).is_some()
    })
}

/// `w` without the quoting or spacing a message puts around a name at either end.
pub fn unframed(w: &[u8]) -> &[u8] {
    let framing = |b: &u8| matches!(b, b' ' | b'`' | b'(' | b')' | b':' | b',' | b'\'' | b'"');
    let start = w.iter().position(|b| !framing(b)).unwrap_or(w.len());
    let end = w.iter().rposition(|b| !framing(b)).map_or(start, |e| e + 1);
    &w[start..end]
}

/// A name, key or `namespace/name`, possibly with the quoting or spacing a message puts
/// around it at either end.
fn is_name_run(w: &[u8]) -> bool {
    unframed(w)
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'/'))
}

/// Panics (a libFuzzer crash) when a refusal breaks the message rules: more than one
/// line, longer than [`MAX_MESSAGE`], or repeating `window` bytes of `secret`.
pub fn check_message(secret: &[u8], message: &str, window: usize, allow_names: bool) {
    assert!(
        !message.contains('\n') && !message.contains('\r'),
        "message is not one line: {message:?}"
    );
    assert!(
        message.len() <= MAX_MESSAGE,
        "message of {} bytes: {message:?}",
        message.len()
    );
    if let Some(run) = repeated(secret, message, window, allow_names) {
        panic!(
            "message repeats input text {:?}: {message:?}",
            String::from_utf8_lossy(run)
        );
    }
}
