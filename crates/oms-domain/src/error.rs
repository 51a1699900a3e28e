use thiserror::Error;

/// Why a value could not be parsed. `field` names what was being parsed so the caller can report
/// "row 12, column email: ..." without guessing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {reason}")]
pub struct ParseError {
    pub field: &'static str,
    pub reason: String,
}

impl ParseError {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

/// A lifecycle transition that the current state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{entity} cannot go from {from} to {to}")]
pub struct TransitionError {
    pub entity: &'static str,
    pub from: &'static str,
    pub to: &'static str,
}
