//! The key material a command works with: the certificate to seal with and the private
//! keys to open with, from wherever the flags point, checked against the clock.

use std::path::{Path, PathBuf};

use sealer_core::{KeyRing, SealingCert};

use crate::args::CertArgs;
use crate::cluster;
use crate::error::{CliError, CliResult, context};
use crate::io;

/// Now, in Unix seconds: what certificates are checked against.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Loads the sealing certificate from --cert / SEALER_CERT, else from the controller
/// through the cluster's API server; warns when it is not valid yet.
pub fn load_cert(cert: &CertArgs) -> CliResult<SealingCert> {
    let Some(source) = cert.cert.as_deref().filter(|s| !s.is_empty()) else {
        let controller = cert.controller.controller();
        let pem = cluster::fetch_cert(&controller).map_err(|e| {
            CliError::Input(format!(
                "no certificate given: pass --cert FILE|URL, set SEALER_CERT, map the file's path to a certificate in .sealer.yaml (certificates: [{{path: GLOB, cert: FILE}}]), or point your kubeconfig at the cluster so seal can fetch it from the controller ({e})"
            ))
        })?;
        let loaded =
            SealingCert::from_pem(&pem, now()).map_err(context("the controller's certificate"))?;
        warn_if_not_valid_yet(&loaded);
        return Ok(loaded);
    };
    let pem = io::read_cert_source(source)?;
    let loaded = SealingCert::from_pem(&pem, now()).map_err(context(&io::shown_source(source)))?;
    warn_if_not_valid_yet(&loaded);
    Ok(loaded)
}

/// One line on stderr when `cert` is not valid yet. It seals all the same: the
/// controller opens values whatever the dates, and the usual cause is a clock (this
/// machine's behind, or the controller's ahead when it made the certificate).
pub fn warn_if_not_valid_yet(cert: &SealingCert) {
    if let Some(start) = cert.not_valid_yet(now()) {
        note!(
            "warning: the certificate is not valid before {}: sealed with it all the same (check the clock of this machine and of the controller)",
            sealer_core::cert::format_time(start)
        );
    }
}

/// Loads every key named by --key into one ring; encrypted key backups are opened with
/// the passphrase in `passphrase_file`.
pub fn load_keys(files: &[PathBuf], passphrase_file: Option<&Path>) -> CliResult<KeyRing> {
    let passphrase = passphrase_file.map(io::read_passphrase).transpose()?;
    let mut ring = KeyRing::default();
    for file in files {
        let mut bytes = io::read_file(file, io::Kind::Key)?;
        let name = file.display().to_string();
        if sealer_core::backup::is_encrypted(&bytes) {
            let Some(p) = &passphrase else {
                return Err(CliError::Input(format!(
                    "{name} is an encrypted key backup: pass --passphrase-file FILE"
                )));
            };
            bytes = sealer_core::backup::decrypt(&bytes, p, &name)?;
        }
        ring.extend(sealer_core::keys::load_private_keys(&bytes, &name).map_err(CliError::from)?);
    }
    Ok(ring)
}
