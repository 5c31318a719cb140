//! The one place RSA happens. Encryption and decryption run on aws-lc-rs (constant-time,
//! blinded private operations); the `rsa` crate only converts key encodings that aws-lc-rs
//! does not read (PKCS#1 private and public keys).
//!
//! Swapping the backend means changing this file only.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{
    KeySize, OAEP_SHA256_MGF1SHA256, OaepPrivateDecryptingKey, OaepPublicEncryptingKey,
    PrivateDecryptingKey, PublicEncryptingKey,
};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Smallest modulus accepted, in bits. Upstream uses 4096; 2048 keys exist in the wild.
pub(crate) const MIN_BITS: usize = 2048;

/// An RSA public key ready for OAEP-SHA256 encryption.
pub(crate) struct RsaPublic {
    key: OaepPublicEncryptingKey,
    spki_der: Vec<u8>,
}

impl RsaPublic {
    /// From a DER SubjectPublicKeyInfo.
    pub(crate) fn from_spki_der(der: &[u8]) -> Result<Self> {
        let public = PublicEncryptingKey::from_der(der)
            .map_err(|_| Error::UnusablePublicKey { min_bits: MIN_BITS })?;
        Self::from_aws(public)
    }

    /// From a DER PKCS#1 RSAPublicKey (PEM label `RSA PUBLIC KEY`).
    pub(crate) fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        let key = rsa::PublicKey::from_pkcs1_der(der).map_err(|_| Error::MalformedRsaPublicKey)?;
        let spki = key
            .to_public_key_der()
            .map_err(|_| Error::MalformedRsaPublicKey)?;
        Self::from_spki_der(spki.as_bytes())
    }

    fn from_aws(public: PublicEncryptingKey) -> Result<Self> {
        if public.key_size_bits() < MIN_BITS {
            return Err(Error::KeyTooSmall {
                bits: public.key_size_bits(),
                min_bits: MIN_BITS,
            });
        }
        let spki_der = public
            .as_der()
            .map_err(|_| Error::Crypto("encoding a public key"))?
            .as_ref()
            .to_vec();
        let key = OaepPublicEncryptingKey::new(public)
            .map_err(|_| Error::Crypto("preparing RSA-OAEP encryption"))?;
        Ok(Self { key, spki_der })
    }

    /// RSA-OAEP(SHA-256, MGF1-SHA-256) encryption under `label`.
    pub(crate) fn encrypt(&self, label: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let mut out = vec![0u8; self.key.ciphertext_size()];
        let len = self
            .key
            .encrypt(&OAEP_SHA256_MGF1SHA256, plaintext, &mut out, Some(label))
            .map_err(|_| Error::Crypto("RSA-OAEP encryption"))?
            .len();
        out.truncate(len);
        Ok(out)
    }

    /// Modulus size in bits.
    pub(crate) fn bits(&self) -> usize {
        self.key.key_size_bits()
    }

    /// SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex: the key's fingerprint.
    pub(crate) fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(&self.spki_der))
    }

    /// DER SubjectPublicKeyInfo.
    pub(crate) fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }
}

/// A freshly generated key with the encodings its caller needs; both are wiped on drop.
pub(crate) struct GeneratedRsa {
    pub(crate) key: RsaPrivate,
    pub(crate) pkcs8_der: Zeroizing<Vec<u8>>,
    pub(crate) pkcs1_pem: Zeroizing<String>,
}

/// An RSA private key ready for OAEP-SHA256 decryption. Holds no copy of the key bytes
/// outside aws-lc (which frees and clears them itself).
pub(crate) struct RsaPrivate {
    key: OaepPrivateDecryptingKey,
    public: RsaPublic,
    /// A secret derived from the private key (SHA-256 over a domain tag and the PKCS#1
    /// DER), used to authenticate digests of what the key unsealed. Wiped on drop.
    derived_secret: Zeroizing<[u8; 32]>,
}

/// Domain tag of [`RsaPrivate::derived_secret`].
const DERIVED_SECRET_TAG: &[u8] = b"sealer.dev/derived-secret/v1\0";

fn derive_secret(pkcs1_der: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut h = Sha256::new();
    h.update(DERIVED_SECRET_TAG);
    h.update(pkcs1_der);
    Zeroizing::new(h.finalize().into())
}

impl RsaPrivate {
    /// From DER PKCS#8 PrivateKeyInfo.
    pub(crate) fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        let unusable = || Error::UnusablePrivateKey { min_bits: MIN_BITS };
        let key = PrivateDecryptingKey::from_pkcs8(der).map_err(|_| unusable())?;
        let pkcs1 = rsa::PrivateKey::from_pkcs8_der(der)
            .map_err(|_| unusable())?
            .to_pkcs1_der()
            .map_err(|_| unusable())?;
        Self::from_aws(key, derive_secret(pkcs1.as_bytes()))
    }

    /// From DER PKCS#1 RSAPrivateKey (PEM label `RSA PRIVATE KEY`, the controller's format).
    pub(crate) fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        let key =
            rsa::PrivateKey::from_pkcs1_der(der).map_err(|_| Error::MalformedRsaPrivateKey)?;
        let pkcs8 = key
            .to_pkcs8_der()
            .map_err(|_| Error::MalformedRsaPrivateKey)?;
        let aws = PrivateDecryptingKey::from_pkcs8(pkcs8.as_bytes())
            .map_err(|_| Error::UnusablePrivateKey { min_bits: MIN_BITS })?;
        Self::from_aws(aws, derive_secret(der))
    }

    /// A fresh key of `bits` bits. Returns the key, its PKCS#8 DER (to sign a certificate
    /// with) and its PKCS#1 PEM (the controller's storage format).
    pub(crate) fn generate(bits: usize) -> Result<GeneratedRsa> {
        let size = match bits {
            2048 => KeySize::Rsa2048,
            3072 => KeySize::Rsa3072,
            4096 => KeySize::Rsa4096,
            8192 => KeySize::Rsa8192,
            other => return Err(Error::UnsupportedKeySize { bits: other }),
        };
        let key = PrivateDecryptingKey::generate(size)
            .map_err(|_| Error::Crypto("generating an RSA key"))?;
        let pkcs8 = key
            .as_der()
            .map_err(|_| Error::Crypto("encoding a generated key"))?;
        let parsed = rsa::PrivateKey::from_pkcs8_der(pkcs8.as_ref())
            .map_err(|_| Error::Crypto("encoding a generated key"))?;
        let pem = parsed
            .to_pkcs1_pem(rsa::pkcs8::LineEnding::LF)
            .map_err(|_| Error::Crypto("encoding a generated key"))?;
        let pkcs1 = parsed
            .to_pkcs1_der()
            .map_err(|_| Error::Crypto("encoding a generated key"))?;
        let secret = derive_secret(pkcs1.as_bytes());
        let pkcs1_pem = Zeroizing::new(pem.as_str().to_owned());
        let pkcs8_der = Zeroizing::new(pkcs8.as_ref().to_vec());
        Ok(GeneratedRsa {
            key: Self::from_aws(key, secret)?,
            pkcs8_der,
            pkcs1_pem,
        })
    }

    /// An existing key (DER PKCS#1 when `pkcs1`, else PKCS#8) in the shape of
    /// [`RsaPrivate::generate`]'s result: PKCS#8 DER to sign a certificate with, PKCS#1
    /// PEM to store. For keys brought by the user (`seal keys new --key`).
    pub(crate) fn import(der: &[u8], pkcs1: bool) -> Result<GeneratedRsa> {
        let malformed = || Error::MalformedPrivateKey;
        let parsed = if pkcs1 {
            rsa::PrivateKey::from_pkcs1_der(der).map_err(|_| malformed())?
        } else {
            rsa::PrivateKey::from_pkcs8_der(der).map_err(|_| malformed())?
        };
        let pkcs8 = parsed.to_pkcs8_der().map_err(|_| malformed())?;
        let pkcs1_der = parsed.to_pkcs1_der().map_err(|_| malformed())?;
        let pem = parsed
            .to_pkcs1_pem(rsa::pkcs8::LineEnding::LF)
            .map_err(|_| malformed())?;
        let aws = PrivateDecryptingKey::from_pkcs8(pkcs8.as_bytes())
            .map_err(|_| Error::UnusablePrivateKey { min_bits: MIN_BITS })?;
        Ok(GeneratedRsa {
            key: Self::from_aws(aws, derive_secret(pkcs1_der.as_bytes()))?,
            pkcs8_der: Zeroizing::new(pkcs8.as_bytes().to_vec()),
            pkcs1_pem: Zeroizing::new(pem.as_str().to_owned()),
        })
    }

    fn from_aws(key: PrivateDecryptingKey, derived_secret: Zeroizing<[u8; 32]>) -> Result<Self> {
        if key.key_size_bits() < MIN_BITS {
            return Err(Error::KeyTooSmall {
                bits: key.key_size_bits(),
                min_bits: MIN_BITS,
            });
        }
        let public = RsaPublic::from_aws(key.public_key())?;
        let key = OaepPrivateDecryptingKey::new(key)
            .map_err(|_| Error::Crypto("preparing RSA-OAEP decryption"))?;
        Ok(Self {
            key,
            public,
            derived_secret,
        })
    }

    /// The key's derived secret (see the field's documentation).
    pub(crate) fn derived_secret(&self) -> &[u8; 32] {
        &self.derived_secret
    }

    /// RSA-OAEP decryption under `label`. `None` for any failure: callers must not be
    /// able to tell a wrong label from a wrong key or a damaged ciphertext.
    pub(crate) fn decrypt(&self, label: &[u8], ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let mut out = Zeroizing::new(vec![0u8; self.key.min_output_size()]);
        let len = self
            .key
            .decrypt(&OAEP_SHA256_MGF1SHA256, ciphertext, &mut out, Some(label))
            .ok()?
            .len();
        out.truncate(len);
        Some(out)
    }

    /// The matching public key.
    pub(crate) fn public(&self) -> &RsaPublic {
        &self.public
    }
}
