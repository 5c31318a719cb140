//! The public half: a certificate (or bare public key) that values are sealed with.
//! Checked once when loaded: RSA, large enough, not expired (one not valid yet is loaded,
//! and says so: [`SealingCert::not_valid_yet`]).

use x509_parser::oid_registry::OID_PKCS1_RSAENCRYPTION;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::error::{Error, Result};
use crate::rsa_backend::RsaPublic;
use crate::scope::Scope;
use crate::value::SealedValue;

/// A public key ready for sealing, with the certificate facts worth reporting.
pub struct SealingCert {
    public: RsaPublic,
    /// Seconds since the Unix epoch after which the certificate is no longer valid
    /// (`None` for a bare public key).
    not_after: Option<i64>,
    not_before: Option<i64>,
}

impl std::fmt::Debug for SealingCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealingCert")
            .field("fingerprint", &self.fingerprint())
            .field("bits", &self.public.bits())
            .field("not_after", &self.not_after)
            .finish()
    }
}

/// Renders a Unix time as an RFC 3339 UTC date for messages.
pub fn format_time(unix: i64) -> String {
    crate::error::rfc3339(unix)
}

impl SealingCert {
    /// Loads the first usable PEM block of `pem`: `CERTIFICATE` (including upstream's
    /// critical encipherOnly KeyUsage), `PUBLIC KEY` or `RSA PUBLIC KEY`. `now` is the
    /// current Unix time; an expired certificate is refused with its expiry date.
    pub fn from_pem(pem: &[u8], now: i64) -> Result<Self> {
        let blocks = pem::parse_many(pem).map_err(|_| Error::CertificateNotPem)?;
        for block in &blocks {
            match block.tag() {
                "CERTIFICATE" => return Self::from_cert_der(block.contents(), now),
                "PUBLIC KEY" => {
                    return Self::from_public(RsaPublic::from_spki_der(block.contents())?);
                }
                "RSA PUBLIC KEY" => {
                    return Self::from_public(RsaPublic::from_pkcs1_der(block.contents())?);
                }
                _ => {}
            }
        }
        let found: Vec<String> = blocks.iter().map(|b| b.tag().to_owned()).collect();
        Err(if found.iter().any(|t| t.contains("PRIVATE KEY")) {
            Error::CertificateIsPrivateKey
        } else if found.is_empty() {
            Error::NoPemBlock
        } else {
            Error::NoCertificateBlock { found }
        })
    }

    /// Loads a DER X.509 certificate.
    pub fn from_cert_der(der: &[u8], now: i64) -> Result<Self> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|_| Error::CertificateNotX509)?;
        let spki = cert.public_key();
        if spki.algorithm.algorithm != OID_PKCS1_RSAENCRYPTION {
            return Err(Error::CertificateNotRsa {
                algorithm: spki.algorithm.algorithm.to_string(),
            });
        }
        let not_after = cert.validity().not_after.timestamp();
        let not_before = cert.validity().not_before.timestamp();
        if now > not_after {
            return Err(Error::CertificateExpired { not_after });
        }
        let public = RsaPublic::from_spki_der(spki.raw)?;
        Ok(Self {
            public,
            not_after: Some(not_after),
            not_before: Some(not_before),
        })
    }

    /// A sealing certificate for a private key's public half, with the dates of the
    /// certificate stored beside the key (if any).
    pub(crate) fn from_parts(
        public: RsaPublic,
        not_before: Option<i64>,
        not_after: Option<i64>,
    ) -> Self {
        Self {
            public,
            not_after,
            not_before,
        }
    }

    fn from_public(public: RsaPublic) -> Result<Self> {
        Ok(Self {
            public,
            not_after: None,
            not_before: None,
        })
    }

    /// Seals one value for `scope` under `namespace`/`name`.
    pub fn seal_value(
        &self,
        scope: Scope,
        namespace: &str,
        name: &str,
        plaintext: &[u8],
    ) -> Result<SealedValue> {
        SealedValue::seal(&self.public, &scope.label(namespace, name), plaintext)
    }

    /// Seals one value under an explicit OAEP label (as [`Scope::label`] builds one).
    pub fn seal_raw_label(&self, label: &[u8], plaintext: &[u8]) -> Result<SealedValue> {
        SealedValue::seal(&self.public, label, plaintext)
    }

    /// SHA-256 over the DER SubjectPublicKeyInfo, lowercase hex. Identical for a
    /// certificate and for the private key it belongs to.
    pub fn fingerprint(&self) -> String {
        self.public.fingerprint()
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        self.public.bits()
    }

    /// Expiry (Unix seconds), when loaded from a certificate.
    pub fn not_after(&self) -> Option<i64> {
        self.not_after
    }

    /// Start of validity (Unix seconds), when loaded from a certificate.
    pub fn not_before(&self) -> Option<i64> {
        self.not_before
    }

    /// The start of validity when it is still to come at `now` (Unix seconds). Such a
    /// certificate is loaded all the same, since values sealed with it open as any other:
    /// whether to warn (a clock behind, or a controller's ahead) is the caller's call.
    pub fn not_valid_yet(&self, now: i64) -> Option<i64> {
        self.not_before.filter(|&start| now < start)
    }

    /// DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        self.public.spki_der()
    }
}
