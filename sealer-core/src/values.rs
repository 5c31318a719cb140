//! The plaintext values of a Secret, shared by sealing and template rendering.

use std::collections::BTreeMap;

use zeroize::Zeroizing;

/// Plaintext values by key, wiped on drop.
pub type Values = BTreeMap<String, Zeroizing<Vec<u8>>>;
