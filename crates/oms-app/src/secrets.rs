//! Connection secrets live in the OS keyring only: the Keychain on macOS, the Credential
//! Manager on Windows, the Secret Service (GNOME Keyring, KWallet) on Linux. One entry per
//! secret (the Credential Manager limits one to 2,560 bytes), keyed by this database's instance
//! id and the connection id, so two databases never share or overwrite each other's secrets.
//! Never in the database, logs, IPC responses or exports.

use crate::error::{ApiError, ErrorCode};

/// Where secrets are kept. The keyring in the app; the trait is the seam for a platform the
/// keyring crate does not cover.
pub trait SecretStore: Send + Sync {
    fn set(&self, key: &str, value: &str) -> Result<(), ApiError>;
    fn get(&self, key: &str) -> Result<Option<String>, ApiError>;
    fn delete(&self, key: &str) -> Result<(), ApiError>;
}

/// The OS keyring, under one service name.
pub struct Keyring {
    service: String,
}

impl Keyring {
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry, ApiError> {
        keyring::Entry::new(&self.service, key).map_err(keyring_error)
    }
}

fn keyring_error(e: keyring::Error) -> ApiError {
    // The keyring's text says which store and why, never the secret.
    ApiError::new(
        ErrorCode::SecretStore,
        format!("the system keyring is not available: {e}"),
    )
}

impl SecretStore for Keyring {
    fn set(&self, key: &str, value: &str) -> Result<(), ApiError> {
        self.entry(key)?.set_password(value).map_err(keyring_error)
    }

    fn get(&self, key: &str) -> Result<Option<String>, ApiError> {
        match self.entry(key)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn delete(&self, key: &str) -> Result<(), ApiError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(e)),
        }
    }
}

/// The keyring key of one secret of one connection.
pub(crate) fn secret_key(connection_id: i64, field: &str) -> String {
    format!("connection-{connection_id}-{field}")
}
