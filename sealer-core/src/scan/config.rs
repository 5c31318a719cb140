//! `.sealer.yaml` at the repository root: accepted findings and certificates by path.
//!
//! ```yaml
//! allow:
//!   paths: ["tests/vectors/**"]          # globs, relative to the repository root
//!   fingerprints: ["3f1c0a9e5b2d7c41"]   # from `seal scan` output
//! certificates:
//!   - path: "clusters/prod/**"
//!     cert: "certs/prod.pem"             # relative to the repository root
//! ```
//!
//! Globs: `*` stays within one folder, `**` crosses folders, `{a,b}` and `[ab]` work.
//! The first matching `certificates` entry wins.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::error::{Error, Result};

/// The file name looked for at the repository root.
pub const FILE_NAME: &str = ".sealer.yaml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    allow: RawAllow,
    #[serde(default)]
    certificates: Vec<RawCert>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllow {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    fingerprints: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCert {
    path: String,
    cert: String,
}

/// A parsed `.sealer.yaml`. The default allows nothing and maps no certificate.
#[derive(Debug, Clone)]
pub struct Config {
    allow_paths: GlobSet,
    allow_fingerprints: Vec<String>,
    certificates: Vec<(globset::GlobMatcher, String)>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            allow_paths: GlobSet::empty(),
            allow_fingerprints: Vec::new(),
            certificates: Vec::new(),
        }
    }
}

fn glob(pattern: &str) -> Result<Glob> {
    GlobBuilder::new(pattern.trim_start_matches("./"))
        .literal_separator(true)
        .build()
        .map_err(|e| {
            Error::Invalid(format!(
                "{FILE_NAME}: `{pattern}` is not a valid glob ({}): use `*` within a folder and `**` across folders",
                e.kind()
            ))
        })
}

impl Config {
    /// Parses the text of a `.sealer.yaml`. An empty file is the default.
    pub fn parse(text: &str) -> Result<Self> {
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        let raw: RawConfig = serde_saphyr::from_str(text).map_err(|e| {
            let location = e
                .location()
                .map(|l| format!(" at line {} column {}", l.line(), l.column()))
                .unwrap_or_default();
            let reason = e.without_snippet().to_string();
            let reason = reason.lines().next().unwrap_or("syntax error").to_owned();
            Error::Invalid(format!(
                "{FILE_NAME}{location}: {reason}: expected `allow: {{paths: [GLOB...], fingerprints: [FP...]}}` and `certificates: [{{path: GLOB, cert: FILE}}...]`"
            ))
        })?;
        let mut set = GlobSetBuilder::new();
        for p in &raw.allow.paths {
            set.add(glob(p)?);
        }
        let allow_paths = set
            .build()
            .map_err(|e| Error::Invalid(format!("{FILE_NAME}: allow.paths: {e}")))?;
        let certificates = raw
            .certificates
            .into_iter()
            .map(|c| {
                if c.cert.trim().is_empty() {
                    return Err(Error::Invalid(format!(
                        "{FILE_NAME}: certificates entry `{}` has an empty `cert`: name a PEM file",
                        c.path
                    )));
                }
                Ok((glob(&c.path)?.compile_matcher(), c.cert))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            allow_paths,
            allow_fingerprints: raw
                .allow
                .fingerprints
                .into_iter()
                .map(|f| f.trim().to_ascii_lowercase())
                .collect(),
            certificates,
        })
    }

    /// Whether findings in this repository-relative path are accepted.
    pub fn path_allowed(&self, path: &str) -> bool {
        self.allow_paths.is_match(path.trim_start_matches("./"))
    }

    /// Whether a finding with this fingerprint is accepted.
    pub fn fingerprint_allowed(&self, fingerprint: &str) -> bool {
        self.allow_fingerprints.iter().any(|f| f == fingerprint)
    }

    /// The certificate (path relative to the repository root) mapped to this
    /// repository-relative path, if any.
    pub fn cert_for(&self, path: &str) -> Option<&str> {
        let path = path.trim_start_matches("./");
        self.certificates
            .iter()
            .find(|(m, _)| m.is_match(path))
            .map(|(_, c)| c.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fingerprints_and_certificates_are_read() {
        let c = Config::parse(
            "allow:\n  paths: [\"tests/vectors/**\", \"*.example\"]\n  fingerprints: [\"ABCDEF0123456789\"]\ncertificates:\n  - path: \"clusters/prod/**\"\n    cert: certs/prod.pem\n  - path: \"**\"\n    cert: certs/dev.pem\n",
        )
        .unwrap();
        assert!(c.path_allowed("tests/vectors/a/b.pem"));
        assert!(c.path_allowed("x.example"));
        assert!(!c.path_allowed("sub/x.example"), "* stays within a folder");
        assert!(c.fingerprint_allowed("abcdef0123456789"));
        assert_eq!(c.cert_for("clusters/prod/db.yaml"), Some("certs/prod.pem"));
        assert_eq!(c.cert_for("clusters/dev/db.yaml"), Some("certs/dev.pem"));
    }

    #[test]
    fn unknown_fields_and_bad_globs_are_errors_that_say_what_to_write() {
        let e = Config::parse("alow: {}\n").unwrap_err().to_string();
        assert!(e.contains(".sealer.yaml") && e.contains("expected"), "{e}");
        let e = Config::parse("allow: {paths: [\"a[\"]}\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a valid glob"), "{e}");
    }

    #[test]
    fn an_empty_file_allows_nothing() {
        let c = Config::parse("").unwrap();
        assert!(!c.path_allowed("a"));
        assert_eq!(c.cert_for("a"), None);
    }
}
