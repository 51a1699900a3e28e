//! The engine: the rules between capture and fulfilment, as pure functions over facts the store
//! gathers. Validation and risk screening produce findings with reasons; priority produces a
//! score with its parts; the reservation policy turns stock levels into a plan. Nothing here
//! does I/O, so every rule is tested for both outcomes without a database.

pub mod facts;
pub mod postal;
pub mod priority;
pub mod reserve;
pub mod risk;
pub mod route;
pub mod settings;
pub mod validate;

pub use facts::*;
pub use priority::{prioritise, PriorityPart};
pub use reserve::{Allocation, LineNeed, MostAvailable, ReservationPlan, ReservationPolicy, Stock};
pub use risk::{screen, RiskHit, RiskOutcome};
pub use settings::*;
pub use validate::{validate, Finding};
