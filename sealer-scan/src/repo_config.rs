//! `.sealer.yaml` at the repository root: the repository's settings for sealer. Both
//! `seal` (which certificate seals a file, by its path) and the commit gate (which
//! findings are accepted) read it through this module; it alone owns the file format.
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

use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use serde::Deserialize;

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

/// Why a `.sealer.yaml` cannot be used. Every message names the file and says what to
/// write instead; none carries a value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The text is not YAML, or not shaped like a `.sealer.yaml` (unknown field, wrong type).
    #[error(
        "{FILE_NAME}{}: {reason}: expected `allow: {{paths: [GLOB...], fingerprints: [FP...]}}` and `certificates: [{{path: GLOB, cert: FILE}}...]`",
        at(*.line, *.column)
    )]
    Syntax {
        /// 1-based line of the problem, when the parser knows it.
        line: Option<u64>,
        /// 1-based column of the problem, when the parser knows it.
        column: Option<u64>,
        /// What the parser found wrong (its first line, without a snippet of the file).
        reason: String,
    },
    /// A path pattern (under `allow.paths` or `certificates`) is not a glob.
    #[error(
        "{FILE_NAME}: `{pattern}` is not a valid glob ({kind}): use `*` within a folder and `**` across folders"
    )]
    BadGlob {
        /// The pattern as written.
        pattern: String,
        /// What is wrong with it.
        kind: globset::ErrorKind,
    },
    /// The `allow.paths` globs cannot be combined into one matcher.
    #[error("{FILE_NAME}: allow.paths: {source}")]
    AllowPaths {
        /// Why the set could not be built.
        #[source]
        source: globset::Error,
    },
    /// A `certificates` entry names no certificate file.
    #[error("{FILE_NAME}: certificates entry `{path}` has an empty `cert`: name a PEM file")]
    EmptyCert {
        /// The entry's `path` glob.
        path: String,
    },
}

/// ` at line L column C`, or nothing when the parser gave no location.
fn at(line: Option<u64>, column: Option<u64>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!(" at line {line} column {column}"),
        _ => String::new(),
    }
}

/// A parsed `.sealer.yaml`. The default allows nothing and maps no certificate.
#[derive(Debug, Clone)]
pub struct RepoConfig {
    allow_paths: GlobSet,
    allow_fingerprints: Vec<String>,
    certificates: Vec<(GlobMatcher, String)>,
}

impl Default for RepoConfig {
    fn default() -> Self {
        Self {
            allow_paths: GlobSet::empty(),
            allow_fingerprints: Vec::new(),
            certificates: Vec::new(),
        }
    }
}

fn glob(pattern: &str) -> Result<Glob, ConfigError> {
    GlobBuilder::new(pattern.trim_start_matches("./"))
        .literal_separator(true)
        .build()
        .map_err(|e| ConfigError::BadGlob {
            pattern: pattern.to_owned(),
            kind: e.kind().clone(),
        })
}

impl RepoConfig {
    /// Parses the text of a `.sealer.yaml`. An empty file is the default.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        let raw: RawConfig = serde_saphyr::from_str(text).map_err(|e| {
            let location = e.location();
            let reason = e.without_snippet().to_string();
            ConfigError::Syntax {
                line: location.map(|l| l.line()),
                column: location.map(|l| l.column()),
                reason: reason.lines().next().unwrap_or("syntax error").to_owned(),
            }
        })?;
        let mut set = GlobSetBuilder::new();
        for p in &raw.allow.paths {
            set.add(glob(p)?);
        }
        let allow_paths = set
            .build()
            .map_err(|source| ConfigError::AllowPaths { source })?;
        let certificates = raw
            .certificates
            .into_iter()
            .map(|c| {
                if c.cert.trim().is_empty() {
                    return Err(ConfigError::EmptyCert { path: c.path });
                }
                Ok((glob(&c.path)?.compile_matcher(), c.cert))
            })
            .collect::<Result<Vec<_>, _>>()?;
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
        let c = RepoConfig::parse(
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
        let e = RepoConfig::parse("alow: {}\n").unwrap_err().to_string();
        assert!(e.contains(".sealer.yaml") && e.contains("expected"), "{e}");
        let e = RepoConfig::parse("allow: {paths: [\"a[\"]}\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a valid glob"), "{e}");
    }

    #[test]
    fn an_empty_file_allows_nothing() {
        let c = RepoConfig::parse("").unwrap();
        assert!(!c.path_allowed("a"));
        assert_eq!(c.cert_for("a"), None);
    }
}
