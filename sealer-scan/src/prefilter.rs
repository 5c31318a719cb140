//! The keyword prefilter: one pass over a file's bytes (one Aho-Corasick automaton,
//! ASCII case-insensitive) decides whether any detector can find anything in it. Most
//! files of a repository stop here.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use crate::files::Kind;
use crate::{generic, pem, tokens};

/// What any text file is searched for: private keys, provider tokens, secret-named
/// assignments.
fn text_words() -> Vec<&'static str> {
    let mut words = vec!["PRIVATE KEY", pem::BASE64_BEGIN_STR];
    words.extend(
        tokens::FAMILIES
            .iter()
            .flat_map(|f| f.anchors.iter().copied()),
    );
    words.extend_from_slice(generic::WORDS);
    words
}

/// What a manifest is searched for besides: Secret kinds, generators, kubeconfig users,
/// registry auths, and the words secret-named keys are made of.
const MANIFEST_WORDS: &[&str] = &[
    "Secret",
    "secretGenerator",
    "users",
    "auths",
    "passw",
    "pwd",
    "token",
    "key",
    "auth",
    "credential",
    "creds",
    "dsn",
    "webhook",
    "connection",
    "passphrase",
    "bearer",
    "cookie",
];

fn build(words: &[&str]) -> Option<AhoCorasick> {
    // A DFA: about twice the speed of the default NFA on these few dozen words, for a
    // few hundred KiB of tables built once.
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(AhoCorasickKind::DFA))
        .build(words)
        .ok()
}

static TEXT: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| build(&text_words()));
static MANIFEST: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    let mut words = text_words();
    words.extend_from_slice(MANIFEST_WORDS);
    build(&words)
});

/// Whether a file of `kind` can hold anything the engine looks for. Files known by name
/// (`.env`, `.npmrc`, ...) are always read; an automaton that cannot be built (never, for
/// these fixed words) lets everything through.
pub(crate) fn might_hold_secrets(bytes: &[u8], kind: Kind) -> bool {
    let automaton = match kind {
        Kind::Manifest => &MANIFEST,
        Kind::Text => &TEXT,
        _ => return true,
    };
    automaton.as_ref().is_none_or(|a| a.find(bytes).is_some())
}
