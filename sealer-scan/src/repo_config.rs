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
//! The first matching `certificates` entry wins. A `cert` must name a file inside the
//! repository: absolute paths and paths that climb above the root are refused here
//! ([`check_cert_path`]); symlinks are for the reader (`seal`) to resolve and refuse.

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
    /// A `certificates` entry names a certificate by an absolute path.
    #[error(
        "{FILE_NAME}: certificates entry `{path}` maps to `{cert}`, an absolute path: {INSIDE}"
    )]
    CertAbsolute {
        /// The entry's `path` glob.
        path: String,
        /// The `cert` as written.
        cert: String,
    },
    /// A `certificates` entry names a certificate above the repository root (`../x`,
    /// `a/../../x`).
    #[error(
        "{FILE_NAME}: certificates entry `{path}` maps to `{cert}`, which leaves the repository: {INSIDE}"
    )]
    CertOutsideRoot {
        /// The entry's `path` glob.
        path: String,
        /// The `cert` as written.
        cert: String,
    },
}

/// What to write instead of a certificate outside the repository.
pub const INSIDE: &str =
    "name a certificate inside the repository, relative to its root (e.g. certs/prod.pem)";

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
    certificates: Vec<(GlobMatcher, CertMapping)>,
    /// `sha256:` short fingerprints of the mapped certificates, by certificate path, as
    /// the caller read them ([`RepoConfig::set_cert_fingerprint`]): the engine reads no
    /// files.
    cert_fingerprints: std::collections::BTreeMap<String, String>,
}

/// One `certificates` entry: which files it covers and the certificate it names. The
/// certificate path is relative to the repository root and stays inside it, as written
/// (checked when the file is parsed; symlinks are the reader's to check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertMapping {
    /// The entry's `path` glob, as written.
    pub glob: String,
    /// The certificate, relative to the repository root, as written.
    pub cert: String,
}

/// Checks that a certificate path written in `.sealer.yaml` names a file inside the
/// repository: relative, and not above the root once `.` and `..` are resolved
/// (lexically: the file system is not looked at).
pub fn check_cert_path(glob: &str, cert: &str) -> Result<(), ConfigError> {
    let err = |absolute: bool| {
        let (path, cert) = (glob.to_owned(), cert.to_owned());
        if absolute {
            ConfigError::CertAbsolute { path, cert }
        } else {
            ConfigError::CertOutsideRoot { path, cert }
        }
    };
    // `/x`, and on any platform the Windows forms `\\x` and `C:x`.
    let drive = cert.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && cert.as_bytes().get(1) == Some(&b':');
    if cert.starts_with(['/', '\\']) || drive || std::path::Path::new(cert).is_absolute() {
        return Err(err(true));
    }
    let mut depth = 0usize;
    for part in cert.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => depth = depth.checked_sub(1).ok_or_else(|| err(false))?,
            _ => depth += 1,
        }
    }
    Ok(())
}

impl Default for RepoConfig {
    fn default() -> Self {
        Self {
            allow_paths: GlobSet::empty(),
            allow_fingerprints: Vec::new(),
            certificates: Vec::new(),
            cert_fingerprints: std::collections::BTreeMap::new(),
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
                check_cert_path(&c.path, &c.cert)?;
                let matcher = glob(&c.path)?.compile_matcher();
                Ok((
                    matcher,
                    CertMapping {
                        glob: c.path,
                        cert: c.cert,
                    },
                ))
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
            cert_fingerprints: std::collections::BTreeMap::new(),
        })
    }

    /// The certificate files `certificates` names, each once.
    pub fn mapped_certs(&self) -> Vec<&str> {
        let mut certs: Vec<&str> = self
            .certificates
            .iter()
            .map(|(_, c)| c.cert.as_str())
            .collect();
        certs.sort_unstable();
        certs.dedup();
        certs
    }

    /// Records the fingerprint of a mapped certificate (as `sealer.dev/sealed-with`
    /// writes it: `sha256:` and 16 hex digits), so SealedSecrets under its paths are
    /// checked against it.
    pub fn set_cert_fingerprint(&mut self, cert: &str, short_fingerprint: &str) {
        self.cert_fingerprints
            .insert(cert.to_owned(), short_fingerprint.to_owned());
    }

    /// The recorded fingerprint of a mapped certificate.
    pub fn cert_fingerprint(&self, cert: &str) -> Option<&str> {
        self.cert_fingerprints.get(cert).map(String::as_str)
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
        self.mapping_for(path).map(|m| m.cert.as_str())
    }

    /// The `certificates` entry (the first whose glob matches) for this
    /// repository-relative path, if any.
    pub fn mapping_for(&self, path: &str) -> Option<&CertMapping> {
        let path = path.trim_start_matches("./");
        self.certificates
            .iter()
            .find(|(m, _)| m.is_match(path))
            .map(|(_, c)| c)
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
    fn fail_a_certificate_outside_the_repository_is_refused_naming_its_entry() {
        for (cert, absolute) in [
            ("/etc/passwd", true),
            ("\\\\server\\share\\c.pem", true),
            ("C:/certs/c.pem", true),
            ("../x", false),
            ("../../../../dev/zero", false),
            ("certs/../../x.pem", false),
            ("./../x.pem", false),
            ("a/b/../../../x.pem", false),
        ] {
            let e = RepoConfig::parse(&format!(
                "certificates: [{{path: 'apps/**', cert: '{cert}'}}]\n"
            ))
            .unwrap_err();
            let expected = if absolute {
                "an absolute path"
            } else {
                "which leaves the repository"
            };
            let text = e.to_string();
            assert!(
                text.contains(&format!("entry `apps/**` maps to `{cert}`, {expected}")),
                "{cert}: {text}"
            );
            assert_eq!(
                matches!(e, ConfigError::CertAbsolute { .. }),
                absolute,
                "{cert}"
            );
        }
    }

    #[test]
    fn certificate_paths_that_stay_inside_the_repository_are_kept_as_written() {
        for cert in [
            "certs/prod.pem",
            "./certs/prod.pem",
            "certs/../prod.pem",
            "a/b/../../prod.pem",
            "..prod.pem",
        ] {
            let c = RepoConfig::parse(&format!(
                "certificates: [{{path: 'apps/**', cert: '{cert}'}}]\n"
            ))
            .unwrap();
            assert_eq!(
                c.mapping_for("apps/db.yaml"),
                Some(&CertMapping {
                    glob: "apps/**".into(),
                    cert: cert.into()
                })
            );
        }
    }

    #[test]
    fn an_empty_file_allows_nothing() {
        let c = RepoConfig::parse("").unwrap();
        assert!(!c.path_allowed("a"));
        assert_eq!(c.cert_for("a"), None);
    }
}
