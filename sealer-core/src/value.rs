//! One sealed value: the hybrid RSA-OAEP + AES-256-GCM format of Bitnami Sealed Secrets.
//!
//! ```text
//! u16 big-endian length L || RSA-OAEP(session key, label) [L bytes] || AES-256-GCM(value) || tag
//! ```
//! The GCM nonce is twelve zero bytes: sound only because every value gets a fresh
//! 32-byte session key.

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::rsa_backend::{RsaPrivate, RsaPublic};

const SESSION_KEY_LEN: usize = 32;
const TAG_LEN: usize = 16;

/// A parsed sealed value. Parsing checks the framing, so a value that got this far has a
/// complete RSA block and room for a GCM tag.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedValue {
    rsa_ciphertext: Vec<u8>,
    aes_ciphertext: Vec<u8>,
}

impl std::fmt::Debug for SealedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedValue")
            .field("rsa_len", &self.rsa_ciphertext.len())
            .field("aes_len", &self.aes_ciphertext.len())
            .finish()
    }
}

impl SealedValue {
    /// Parses the base64 text of an `encryptedData` entry. Embedded `\r`/`\n` (folded
    /// YAML, line-wrapped base64) are accepted. `key` only names the value in errors.
    pub fn parse(text: &str, key: &str) -> Result<Self> {
        let malformed = |reason: &str| Error::MalformedValue {
            key: key.to_owned(),
            reason: reason.to_owned(),
        };
        let compact: String = text
            .chars()
            .filter(|c| !matches!(c, '\r' | '\n' | ' ' | '\t'))
            .collect();
        if compact.is_empty() {
            return Err(malformed("it is empty"));
        }
        let bytes = STANDARD
            .decode(compact.as_bytes())
            .map_err(|_| malformed("it is not valid base64"))?;
        Self::from_bytes(&bytes).map_err(malformed)
    }

    fn from_bytes(bytes: &[u8]) -> std::result::Result<Self, &'static str> {
        let (len, rest) = bytes
            .split_first_chunk::<2>()
            .ok_or("it is shorter than its length prefix (truncated)")?;
        let len = usize::from(u16::from_be_bytes(*len));
        if len < 256 {
            return Err("its RSA block is too short for any supported key");
        }
        if rest.len() < len + TAG_LEN {
            return Err("it is truncated");
        }
        let (rsa, aes) = rest.split_at(len);
        Ok(Self {
            rsa_ciphertext: rsa.to_vec(),
            aes_ciphertext: aes.to_vec(),
        })
    }

    /// Serialized bytes (length prefix, RSA block, AES block).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 + self.rsa_ciphertext.len() + self.aes_ciphertext.len());
        // The RSA block is at most 1024 bytes (8192-bit keys), so it fits a u16.
        let len = u16::try_from(self.rsa_ciphertext.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&self.rsa_ciphertext);
        out.extend_from_slice(&self.aes_ciphertext);
        out
    }

    /// Standard padded base64, as stored in `encryptedData`.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.to_bytes())
    }

    /// Seals `plaintext` for `label` under a fresh session key.
    pub(crate) fn seal(public: &RsaPublic, label: &[u8], plaintext: &[u8]) -> Result<Self> {
        let mut session_key = Zeroizing::new([0u8; SESSION_KEY_LEN]);
        rand::fill(&mut session_key[..]);
        let rsa_ciphertext = public.encrypt(label, &session_key[..])?;
        let cipher = Aes256Gcm::new_from_slice(&session_key[..])
            .map_err(|_| Error::Crypto("AES-256-GCM key setup"))?;
        let mut buffer = Vec::with_capacity(plaintext.len() + TAG_LEN);
        buffer.extend_from_slice(plaintext);
        cipher
            .encrypt_in_place(&Nonce::default(), b"", &mut buffer)
            .map_err(|_| Error::Crypto("AES-256-GCM encryption"))?;
        Ok(Self {
            rsa_ciphertext,
            aes_ciphertext: buffer,
        })
    }

    /// Opens the value with one private key. `None` for any failure (wrong key, wrong
    /// label, tampering): the reasons are deliberately indistinguishable.
    pub(crate) fn open(&self, key: &RsaPrivate, label: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let session_key = key.decrypt(label, &self.rsa_ciphertext)?;
        if session_key.len() != SESSION_KEY_LEN {
            return None;
        }
        let cipher = Aes256Gcm::new_from_slice(&session_key).ok()?;
        let mut buffer = Zeroizing::new(self.aes_ciphertext.clone());
        cipher
            .decrypt_in_place(&Nonce::default(), b"", &mut *buffer)
            .ok()?;
        Some(buffer)
    }

    /// Length of the RSA block in bytes (the modulus size of the key that sealed it).
    pub fn rsa_block_len(&self) -> usize {
        self.rsa_ciphertext.len()
    }
}
