//! Provider tokens (interim: the families land with their detectors).

/// One family of provider tokens.
pub struct Family {
    /// Stable rule id.
    pub id: &'static str,
    /// One line.
    pub title: &'static str,
    /// What to do.
    pub fix: &'static str,
}

/// The families.
pub static FAMILIES: &[Family] = &[];
