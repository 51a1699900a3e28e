//! Generates the TypeScript twins of every type that crosses IPC into one file,
//! `ui/src/api/bindings.ts`. A test fails when the committed file differs from what the Rust
//! types generate; `UPDATE_BINDINGS=1 cargo test -p oms-app bindings` rewrites it.

use crate::*;
use ts_rs::TS;

macro_rules! decls {
    ($($t:ty),* $(,)?) => { vec![$(format!("export {}", <$t as TS>::decl())),*] };
}

pub fn typescript() -> String {
    let decls: Vec<String> = decls![
        OrderStatus,
        PaymentStatus,
        ChannelKind,
        OrderSort,
        SortDir,
        OrderQuery,
        OrderRow,
        OrderPage,
        StatusCount,
        AddressView,
        OrderLineView,
        TimelineEventView,
        OrderDetail,
        ConnectionView,
        DayCount,
        ExceptionKind,
        ExceptionRow,
        Dashboard,
        SavedView,
        ErrorCode,
        FieldError,
        ApiError,
        Progress,
        AppInfo,
        ImportMode,
        ImportReport,
        ExportReport,
        LineQuantities,
        HoldReason,
        LocationKind,
        MovementKind,
        ReservationView,
        ExpectedStock,
        HoldView,
        OrderRef,
        LocationView,
        InventoryRow,
        InventoryQuery,
        InventoryPage,
        MovementView,
        ReviewRow,
        ProcessOutcome,
        BulkResult,
        BulkFailure,
        ProcessSummary,
        NewLocation,
        StockChangeInput,
        oms_domain::sync_views::SyncConnectionView,
        oms_domain::sync_views::CredentialsInput,
        oms_domain::sync_views::NewConnection,
        oms_domain::sync_views::SyncReport,
        oms_domain::sync_views::QuarantineView,
        oms_domain::sync_views::ConnectionTest,
        oms_domain::sync_views::OutboxView,
        oms_domain::sync_views::OutboxReport,
        oms_domain::sync_views::ChannelSkuView,
        oms_domain::sync_views::PushSettings,
        oms_domain::sync_views::ChannelLocationView,
        oms_domain::carrier_views::CarrierAccountView,
        oms_domain::carrier_views::NewCarrierAccount,
        oms_domain::carrier_views::QuoteView,
        oms_domain::carrier_views::Quotes,
        oms_domain::carrier_views::LabelView,
        ConnectionPatch,
        QuarantineRetry,
        engine::PipelineSettings,
        engine::ValidationSettings,
        engine::RiskSettings,
        engine::PrioritySettings,
        engine::ChannelPoints,
        engine::RoutingConfig,
        engine::route::RoutingSettings,
        engine::route::Strategy,
        engine::route::Condition,
        engine::route::Filter,
        engine::route::Ranker,
        engine::route::SplitPolicy,
        engine::route::WhenFull,
        LocationRouting,
        RoutingView,
        RouteCandidateView,
        ShippingRateView,
        crate::RateImportReport,
        crate::BacktestRequest,
        crate::BacktestReport,
        engine::route::StockModel,
        engine::route::BacktestMetrics,
        engine::route::LocationLoad,
        PickupState,
        PickupRow,
        PickupInfo,
        HandoffView,
        crate::HandoffExport,
    ];
    let mut out = String::from(
        "// Generated from the Rust types in crates/oms-domain and crates/oms-app by ts-rs.\n\
         // Do not edit: run `UPDATE_BINDINGS=1 cargo test -p oms-app bindings` after changing them.\n\
         // Times are epoch milliseconds (UTC); money is integer minor units.\n\n",
    );
    for d in decls {
        out.push_str(&d);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
