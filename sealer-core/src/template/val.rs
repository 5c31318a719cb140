//! The values a template computes with, and Go's truth of each.

use zeroize::Zeroizing;

use crate::values::Values;

/// A value during evaluation, mirroring the Go types a template sees.
pub(super) enum Val {
    /// Go's invalid value or nil interface: a missing key, or `default` of nothing.
    Nil,
    /// A Go string: bytes.
    Str(Zeroizing<Vec<u8>>),
    Int(i64),
    Bool(bool),
    /// The whole value map (`.`).
    Map,
}

impl Val {
    pub(super) fn str(bytes: &[u8]) -> Val {
        Val::Str(Zeroizing::new(bytes.to_vec()))
    }

    pub(super) fn type_name(&self) -> &'static str {
        match self {
            Val::Nil => "nil",
            Val::Str(_) => "string",
            Val::Int(_) => "int",
            Val::Bool(_) => "bool",
            Val::Map => "map[string]string",
        }
    }
}

/// Go's truth: false, 0, "", nil and an empty map are false.
pub(super) fn truth(v: &Val, values: &Values) -> bool {
    !is_empty(v, values)
}

pub(super) fn is_empty(v: &Val, values: &Values) -> bool {
    match v {
        Val::Nil => true,
        Val::Str(s) => s.is_empty(),
        Val::Int(i) => *i == 0,
        Val::Bool(b) => !b,
        Val::Map => values.is_empty(),
    }
}
