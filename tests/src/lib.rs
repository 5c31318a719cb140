//! Helpers for tests that run against the real control plane and the peer tools.

pub mod cluster;
pub mod controller;
pub mod peers;
