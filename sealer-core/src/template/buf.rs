//! The bounds every stage of the engine enforces, its internal result type, and the
//! output buffer. This is the bottom of the engine: it uses no other template module.

use zeroize::Zeroizing;

/// Largest string a template may produce, as output or along the way.
pub const MAX_OUTPUT: usize = 1 << 20;
/// Deepest nesting of parentheses and `if` blocks.
pub const MAX_DEPTH: usize = 64;
/// Total bytes the templates of one Secret may produce together, counting intermediate
/// strings.
pub const MAX_WORK: usize = 16 * MAX_OUTPUT;
/// Most bytes the data of a produced Secret may hold, values and rendered templates
/// together: the API server refuses a Secret whose data is larger (Kubernetes'
/// `MaxSecretSize`, 1 MiB), so nothing larger is ever worth rendering.
pub const MAX_SECRET_DATA: usize = 1 << 20;

/// Result of every internal step; the error is the reason, which [`super::render`] wraps
/// with the template key.
pub(super) type R<T> = std::result::Result<T, String>;

/// Output buffer: bounded, and wiped on every reallocation (a plain Vec would leave copies
/// of the plaintext behind when it grows).
pub(super) struct Buf {
    bytes: Zeroizing<Vec<u8>>,
    /// What is left of the Secret's data budget for this output (at most [`MAX_OUTPUT`]).
    room: usize,
    /// Set when a push went past `room` while `room` was the Secret's budget rather than
    /// [`MAX_OUTPUT`]: the caller reports the Secret's limit, not the template's.
    over_secret_budget: bool,
}

impl Buf {
    /// A buffer for any string: at most [`MAX_OUTPUT`] bytes.
    pub(super) fn new() -> Self {
        Self::within(MAX_OUTPUT)
    }

    /// The output buffer of one template, with `room` bytes left of its Secret's budget.
    pub(super) fn within(room: usize) -> Self {
        Buf {
            bytes: Zeroizing::new(Vec::new()),
            room: room.min(MAX_OUTPUT),
            over_secret_budget: false,
        }
    }

    pub(super) fn push(&mut self, bytes: &[u8]) -> R<()> {
        let need = self.bytes.len().saturating_add(bytes.len());
        if need > self.room {
            self.over_secret_budget = self.room < MAX_OUTPUT;
            return Err(format!("the result is longer than {} bytes", self.room));
        }
        if need > self.bytes.capacity() {
            let room = self.room;
            let mut bigger =
                Zeroizing::new(Vec::with_capacity(need.max(64).max(2 * need).min(room)));
            bigger.extend_from_slice(&self.bytes);
            self.bytes = bigger; // the old buffer is wiped as it drops
        }
        self.bytes.extend_from_slice(bytes);
        Ok(())
    }

    /// Whether the output stopped because the Secret's budget ran out.
    pub(super) fn over_secret_budget(&self) -> bool {
        self.over_secret_budget
    }

    pub(super) fn push_str(&mut self, s: &str) -> R<()> {
        self.push(s.as_bytes())
    }

    pub(super) fn push_char(&mut self, c: char) -> R<()> {
        let mut b = [0u8; 4];
        self.push(c.encode_utf8(&mut b).as_bytes())
    }

    pub(super) fn into_inner(self) -> Zeroizing<Vec<u8>> {
        self.bytes
    }
}
