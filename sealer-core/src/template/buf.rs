//! The bounds every stage of the engine enforces, its internal result type, and the
//! output buffer. This is the bottom of the engine: it uses no other template module.

use zeroize::Zeroizing;

/// Largest string a template may produce, as output or along the way.
pub const MAX_OUTPUT: usize = 1 << 20;
/// Deepest nesting of parentheses and `if` blocks.
pub const MAX_DEPTH: usize = 64;
/// Total bytes a template may produce, counting intermediate strings.
pub(super) const MAX_WORK: usize = 16 * MAX_OUTPUT;

/// Result of every internal step; the error is the reason, which [`super::render`] wraps
/// with the template key.
pub(super) type R<T> = std::result::Result<T, String>;

/// Output buffer: bounded, and wiped on every reallocation (a plain Vec would leave copies
/// of the plaintext behind when it grows).
pub(super) struct Buf(Zeroizing<Vec<u8>>);

impl Buf {
    pub(super) fn new() -> Self {
        Buf(Zeroizing::new(Vec::new()))
    }

    pub(super) fn push(&mut self, bytes: &[u8]) -> R<()> {
        let need = self.0.len().saturating_add(bytes.len());
        if need > MAX_OUTPUT {
            return Err(format!("the result is longer than {MAX_OUTPUT} bytes"));
        }
        if need > self.0.capacity() {
            let mut bigger = Zeroizing::new(Vec::with_capacity(need.max(64).max(2 * need)));
            bigger.extend_from_slice(&self.0);
            self.0 = bigger; // the old buffer is wiped as it drops
        }
        self.0.extend_from_slice(bytes);
        Ok(())
    }

    pub(super) fn push_str(&mut self, s: &str) -> R<()> {
        self.push(s.as_bytes())
    }

    pub(super) fn push_char(&mut self, c: char) -> R<()> {
        let mut b = [0u8; 4];
        self.push(c.encode_utf8(&mut b).as_bytes())
    }

    pub(super) fn into_inner(self) -> Zeroizing<Vec<u8>> {
        self.0
    }
}
