//! The OMS domain: plain types, parsing and lifecycle rules. This crate does no I/O; every other
//! crate builds on it.

pub mod carrier_views;
pub mod edit_views;
pub mod entities;
pub mod error;
pub mod fulfil_views;
pub mod ids;
pub mod lifecycle;
pub mod mail_views;
pub mod order;
pub mod refund_views;
pub mod return_views;
pub mod sync_views;
pub mod values;
pub mod views;

pub use error::ParseError;
pub use ids::*;
pub use lifecycle::*;
pub use order::*;
pub use values::*;
pub use views::*;
