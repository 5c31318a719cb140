//! The Kubernetes events the controller publishes. Their reasons are a stable vocabulary
//! (users filter `kubectl get events` and build alerts on them); upstream's are kept.

use k8s_openapi::api::core::v1::Secret;
use kube::Resource;
use kube::runtime::events::{Event, EventType};

use crate::crd::SealedSecret;
use crate::{Context, Error};

/// Normal, on a SealedSecret: its Secret was created or updated.
pub const REASON_UNSEALED: &str = "Unsealed";
/// Warning, on a SealedSecret: a value could not be decrypted or rendered, or no key is
/// loaded to decrypt it with.
pub const REASON_UNSEAL_FAILED: &str = "ErrUnsealFailed";
/// Warning, on a SealedSecret: the Secret could not be written (refused by the API
/// server, or a Secret of that name is not the SealedSecret's to manage).
pub const REASON_UPDATE_FAILED: &str = "ErrUpdateFailed";
/// Warning, on a key Secret: it is malformed and was skipped; the message says why
/// (never key material).
pub const REASON_KEY_INVALID: &str = "KeyInvalid";
/// Warning, on the newest key's Secret: the key that seals new values has never been
/// backed up (`seal keys backup`); the message gives its age.
pub const REASON_KEY_NOT_BACKED_UP: &str = "KeyNotBackedUp";

/// Action of the events about unsealing a SealedSecret.
const ACTION_UNSEAL: &str = "Unseal";
/// Action of the events about loading a key Secret.
const ACTION_LOAD_KEY: &str = "LoadKey";
/// Action of the events about key backups.
const ACTION_CHECK_BACKUP: &str = "CheckBackup";
/// Note of the [`REASON_UNSEALED`] event.
const NOTE_UNSEALED: &str = "SealedSecret unsealed successfully";
/// Longest note published about a SealedSecret, in characters (the API limits an event
/// note to 1 KiB).
const NOTE_MAX_CHARS: usize = 1000;

/// The reason of the event reporting a failed reconcile.
pub fn failure_reason(e: &Error) -> &'static str {
    match e {
        Error::Unseal(_) | Error::NoSealingKey => REASON_UNSEAL_FAILED,
        Error::Unmanaged(_) | Error::Kube(_) | Error::Internal(_) => REASON_UPDATE_FAILED,
    }
}

impl Context {
    /// Reports on a SealedSecret how a reconcile that changed the cluster or failed ended:
    /// [`REASON_UNSEALED`], or a warning whose note is the error.
    pub async fn publish_unseal_event(&self, ss: &SealedSecret, outcome: Result<(), &Error>) {
        let (type_, reason, note) = match outcome {
            Ok(()) => (EventType::Normal, REASON_UNSEALED, NOTE_UNSEALED.to_owned()),
            Err(e) => (EventType::Warning, failure_reason(e), e.to_string()),
        };
        let event = Event {
            type_,
            reason: reason.into(),
            note: Some(note.chars().take(NOTE_MAX_CHARS).collect()),
            action: ACTION_UNSEAL.into(),
            secondary: None,
        };
        if let Err(e) = self.recorder.publish(&event, &ss.object_ref(&())).await {
            tracing::debug!(error = %e, "publishing an event failed");
        }
    }

    /// Reports a malformed key Secret as a [`REASON_KEY_INVALID`] warning on it.
    pub async fn publish_key_event(&self, secret: &Secret, reason: &str) {
        let event = Event {
            type_: EventType::Warning,
            reason: REASON_KEY_INVALID.into(),
            note: Some(format!("skipped: {reason}")),
            action: ACTION_LOAD_KEY.into(),
            secondary: None,
        };
        let _ = self.recorder.publish(&event, &secret.object_ref(&())).await;
    }

    /// Warns on the newest key's Secret that it was never backed up
    /// ([`REASON_KEY_NOT_BACKED_UP`]); `message` gives its age.
    pub async fn publish_key_not_backed_up(&self, secret: &Secret, message: String) {
        let event = Event {
            type_: EventType::Warning,
            reason: REASON_KEY_NOT_BACKED_UP.into(),
            note: Some(message),
            action: ACTION_CHECK_BACKUP.into(),
            secondary: None,
        };
        let _ = self.recorder.publish(&event, &secret.object_ref(&())).await;
    }
}
