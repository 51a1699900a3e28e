//! The rules' settings, edited on the Rules screen and stored as one JSON document. Every field
//! has a default, so a stored document from an older version still loads.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct PipelineSettings {
    pub validation: ValidationSettings,
    pub risk: RiskSettings,
    pub priority: PrioritySettings,
    /// Merge orders from the same customer to the same address automatically; when off, the
    /// newer order is held as a merge candidate for someone to decide.
    pub auto_merge: bool,
    /// Where orders are reserved: the routing rules, or (when off) the location with the most
    /// stock per line.
    pub routing: RoutingConfig,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct RoutingConfig {
    pub enabled: bool,
    pub rules: crate::route::RoutingSettings,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ValidationSettings {
    /// Hold orders whose payment is only authorised (not captured) as well as unpaid ones.
    pub require_capture: bool,
    /// Words in a shipping service name of carriers that refuse PO boxes (case-insensitive).
    pub po_box_refusing_services: Vec<String>,
}

impl Default for ValidationSettings {
    fn default() -> Self {
        Self {
            require_capture: false,
            po_box_refusing_services: vec![
                "express".into(),
                "ups".into(),
                "fedex".into(),
                "dhl".into(),
            ],
        }
    }
}

/// Risk rules: each adds its points when it fires (0 points turns it off); at or above the
/// threshold the order is held for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct RiskSettings {
    pub enabled: bool,
    pub hold_threshold: u32,
    /// Order value in minor units of the order's currency.
    #[ts(type = "number")]
    pub high_value_minor: i64,
    pub high_value_points: u32,
    pub country_mismatch_points: u32,
    pub velocity_window_hours: u32,
    /// More than this many other orders from one e-mail or one address inside the window fires.
    pub velocity_max_orders: u32,
    pub velocity_points: u32,
    pub high_risk_countries: Vec<String>,
    pub high_risk_country_points: u32,
    pub first_time_express_points: u32,
    pub deny_emails: Vec<String>,
    /// Matched against the ship-to street line and postal code (case and spacing ignored).
    pub deny_addresses: Vec<String>,
    pub deny_points: u32,
}

impl Default for RiskSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            hold_threshold: 50,
            high_value_minor: 100_000,
            high_value_points: 30,
            country_mismatch_points: 25,
            velocity_window_hours: 24,
            velocity_max_orders: 3,
            velocity_points: 30,
            high_risk_countries: Vec::new(),
            high_risk_country_points: 40,
            first_time_express_points: 20,
            deny_emails: Vec::new(),
            deny_addresses: Vec::new(),
            deny_points: 100,
        }
    }
}

/// Priority points; the higher the sum, the sooner an order is processed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct PrioritySettings {
    /// Words in the shipping service name that mean express (case-insensitive).
    pub express_services: Vec<String>,
    pub express_points: i32,
    pub ship_by_due_hours: u32,
    pub ship_by_due_points: i32,
    pub overdue_points: i32,
    pub vip_tags: Vec<String>,
    pub vip_points: i32,
    /// Extra points per channel kind ("amazon", "shopify" …).
    pub channel_points: Vec<ChannelPoints>,
    pub points_per_day_of_age: i32,
    pub max_age_points: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChannelPoints {
    pub channel: String,
    pub points: i32,
}

impl Default for PrioritySettings {
    fn default() -> Self {
        Self {
            express_services: vec![
                "express".into(),
                "overnight".into(),
                "next day".into(),
                "expedited".into(),
                "priority".into(),
            ],
            express_points: 100,
            ship_by_due_hours: 24,
            ship_by_due_points: 50,
            overdue_points: 80,
            vip_tags: vec!["vip".into()],
            vip_points: 40,
            channel_points: vec![ChannelPoints {
                channel: "amazon".into(),
                points: 10,
            }],
            points_per_day_of_age: 5,
            max_age_points: 50,
        }
    }
}

pub(crate) fn contains_any(haystack: &str, words: &[String]) -> Option<String> {
    let h = haystack.to_lowercase();
    words
        .iter()
        .map(|w| w.trim().to_lowercase())
        .find(|w| !w.is_empty() && h.contains(w.as_str()))
}
