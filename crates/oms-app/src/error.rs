//! The one error every front end receives: a machine code to switch on, a readable message,
//! and per-field details (row and column for imports). Never SQL text.

use oms_store::StoreError;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    NotFound,
    InvalidInput,
    CsvInvalid,
    Conflict,
    TransitionNotAllowed,
    Storage,
    Io,
    Internal,
    /// The OS keyring refused or is missing.
    SecretStore,
    /// A channel's settings or credentials are incomplete.
    ChannelConfig,
    /// The channel refused the credentials.
    ChannelUnauthorized,
    /// The channel is rate limiting beyond what a retry waits for.
    ChannelRateLimited,
    /// The channel could not be reached or answered with server errors.
    ChannelUnavailable,
    /// The channel refused the request or answered with something unreadable.
    ChannelRejected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FieldError {
    /// 1-based data row (the header is row 0), when the error is about a file row.
    pub row: Option<u32>,
    pub column: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub details: Vec<FieldError>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }
    pub fn io(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Io, message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => {
                ApiError::new(ErrorCode::NotFound, format!("{what} not found"))
            }
            StoreError::Invalid(m) => ApiError::new(ErrorCode::InvalidInput, m),
            StoreError::Conflict(m) => ApiError::new(ErrorCode::Conflict, m),
            StoreError::Io(m) => ApiError::new(ErrorCode::Io, m),
            // The database's own text can carry SQL; the code and a plain sentence are enough
            // for the UI, the full error goes to the log.
            StoreError::Db(e) => {
                log_error(&e);
                ApiError::new(ErrorCode::Storage, "the local database reported an error")
            }
            StoreError::Raw(e) => {
                log_error(&StoreError::Raw(e));
                ApiError::new(ErrorCode::Storage, "the local database reported an error")
            }
            StoreError::Migrate(e) => ApiError::new(
                ErrorCode::Storage,
                format!("the database could not be upgraded: {e}"),
            ),
        }
    }
}

impl From<oms_domain::ParseError> for ApiError {
    fn from(e: oms_domain::ParseError) -> Self {
        ApiError {
            code: ErrorCode::InvalidInput,
            message: e.to_string(),
            details: vec![FieldError {
                row: None,
                column: Some(e.field.to_owned()),
                message: e.reason,
            }],
        }
    }
}

#[allow(clippy::print_stderr)]
fn log_error(e: &dyn std::error::Error) {
    eprintln!("oms: storage error: {e}");
}
