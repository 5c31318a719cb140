//! Helpers for tests that run against the real control plane and the peer tools.

pub mod chart;
pub mod cluster;
pub mod controller;
pub mod custody;
pub mod peers;
