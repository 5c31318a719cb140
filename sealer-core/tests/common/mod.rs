//! Keys shared by the core's integration tests (generated once per test binary).
#![allow(dead_code)]

use std::sync::OnceLock;

use sealer_core::keys::{GeneratedKey, generate_key};

pub const NOW: i64 = 1_800_000_000;

/// A 2048-bit key: fast enough for property tests.
pub fn key_a() -> &'static GeneratedKey {
    static K: OnceLock<GeneratedKey> = OnceLock::new();
    K.get_or_init(|| generate_key(2048, 30, NOW).expect("keygen"))
}

/// A second, unrelated 2048-bit key.
pub fn key_b() -> &'static GeneratedKey {
    static K: OnceLock<GeneratedKey> = OnceLock::new();
    K.get_or_init(|| generate_key(2048, 30, NOW).expect("keygen"))
}
