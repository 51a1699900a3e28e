//! Queries behind the order list, order detail, dashboard and search palette.

use crate::query::{self, Arg, Cursor};
use crate::{dialect, Store, StoreError};
use oms_domain::*;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

fn text_enum<T>(
    row: &SqliteRow,
    i: usize,
    parse: fn(&str) -> Result<T, ParseError>,
) -> Result<T, StoreError> {
    let s: String = row.try_get(i)?;
    parse(&s).map_err(|e| StoreError::Invalid(format!("stored value: {e}")))
}

pub(crate) fn order_row(r: &SqliteRow) -> Result<OrderRow, StoreError> {
    let tags: String = r.try_get(13)?;
    Ok(OrderRow {
        id: r.try_get(0)?,
        order_number: r.try_get(1)?,
        channel: text_enum(r, 2, ChannelKind::parse)?,
        connection_name: r.try_get(3)?,
        placed_at: r.try_get(4)?,
        customer_name: r.try_get(5)?,
        email: r.try_get(6)?,
        ship_country: r.try_get(7)?,
        currency: r.try_get(8)?,
        grand_total: r.try_get(9)?,
        status: text_enum(r, 10, OrderStatus::parse)?,
        payment_status: text_enum(r, 11, PaymentStatus::parse)?,
        priority: r.try_get(12)?,
        tags: tags.split_whitespace().map(str::to_owned).collect(),
        item_count: r.try_get(14)?,
        ship_by: r.try_get(15)?,
    })
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    args: &'q [Arg],
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    for a in args {
        q = match a {
            Arg::I(i) => q.bind(*i),
            Arg::S(s) => q.bind(s.as_str()),
        };
    }
    q
}

/// Columns of an order detail: the row columns, then these (see `detail_from_row`).
fn detail_sql(filter: &str) -> String {
    format!(
        "SELECT {}, o.external_id, o.phone, o.grand_total - o.shipping_total - o.tax_total + o.discount_total, o.shipping_total, o.tax_total, o.discount_total, \
         o.shipping_service, o.bill_to, o.ship_name, o.ship_company, o.ship_line1, o.ship_line2, o.ship_city, \
         o.ship_region, o.ship_postal, o.ship_phone FROM orders o {} {filter}",
        query::ROW_COLUMNS,
        query::ROW_JOINS
    )
}

fn detail_from_row(r: &SqliteRow) -> Result<OrderDetail, StoreError> {
    let order = order_row(r)?;
    let phone: Option<String> = r.try_get(17)?;
    let line1: Option<String> = r.try_get(26)?;
    let ship_to = match (&order.ship_country, line1) {
        (Some(country), Some(line1)) => Some(AddressView {
            name: r
                .try_get::<Option<String>, _>(24)?
                .unwrap_or_else(|| order.customer_name.clone()),
            company: r.try_get(25)?,
            line1,
            line2: r.try_get(27)?,
            city: r.try_get::<Option<String>, _>(28)?.unwrap_or_default(),
            region: r.try_get(29)?,
            postal_code: r.try_get(30)?,
            country: country.clone(),
            phone: r
                .try_get::<Option<String>, _>(31)?
                .or_else(|| phone.clone()),
        }),
        _ => None,
    };
    let bill_to = address(r.try_get(23)?)?.or_else(|| ship_to.clone());
    Ok(OrderDetail {
        external_id: r.try_get(16)?,
        phone,
        subtotal: r.try_get(18)?,
        shipping_total: r.try_get(19)?,
        tax_total: r.try_get(20)?,
        discount_total: r.try_get(21)?,
        shipping_service: r.try_get(22)?,
        order,
        ship_to,
        bill_to,
        lines: Vec::new(),
        holds: Vec::new(),
        risk_score: None,
        merged_into: None,
        merged_from: Vec::new(),
        exchange_of: None,
        exchanges: Vec::new(),
        customer_id: None,
        routing: None,
        pickup: None,
        handoffs: Vec::new(),
        timeline: Vec::new(),
    })
}

pub(crate) fn hold_row(r: &SqliteRow) -> Result<HoldView, StoreError> {
    Ok(HoldView {
        id: r.try_get(0)?,
        reason: text_enum(r, 1, HoldReason::parse)?,
        check: r.try_get(2)?,
        message: r.try_get(3)?,
        placed_at: r.try_get(4)?,
        placed_by: r.try_get(5)?,
        released_at: r.try_get(6)?,
        released_by: r.try_get(7)?,
        release_comment: r.try_get(8)?,
    })
}

pub(crate) const HOLD_COLUMNS: &str = "h.id, h.reason, h.check_code, h.message, h.placed_at, h.placed_by, h.released_at, h.released_by, h.release_comment";

fn order_ref(r: &SqliteRow) -> Result<OrderRef, StoreError> {
    Ok(OrderRef {
        id: r.try_get(0)?,
        order_number: r.try_get(1)?,
        external_id: r.try_get(2)?,
        connection_name: r.try_get(3)?,
    })
}

fn address(json: Option<String>) -> Result<Option<AddressView>, StoreError> {
    json.map(|j| {
        serde_json::from_str::<AddressView>(&j)
            .map_err(|e| StoreError::Invalid(format!("stored address: {e}")))
    })
    .transpose()
}

/// The dashboard counts waiting orders up to this many (and says "more" above it).
pub const DASHBOARD_UNPROCESSED_CAP: i64 = 10_000;

impl Store {
    /// How many orders wait for the pipeline (exact; scans the queue's index).
    pub async fn count_unprocessed(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE processed_at IS NULL")
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// One page of the order list.
    pub async fn list_orders(&self, q: &OrderQuery) -> Result<OrderPage, StoreError> {
        let built = query::page_sql(q)?;
        let rows = bind_all(sqlx::query(&built.where_sql), &built.args)
            .fetch_all(self.pool())
            .await?;
        let limit = q.limit.clamp(1, 1000) as usize;
        let mut out = Vec::with_capacity(rows.len().min(limit));
        for r in rows.iter().take(limit) {
            out.push(order_row(r)?);
        }
        let next_cursor = if rows.len() > limit {
            out.last().map(|last| {
                match q.sort {
                    OrderSort::PlacedAt => Cursor::Int(last.placed_at, last.id),
                    OrderSort::GrandTotal => Cursor::Int(last.grand_total, last.id),
                    OrderSort::Priority => Cursor::Int(i64::from(last.priority), last.id),
                    OrderSort::OrderNumber => Cursor::Text(last.order_number.clone(), last.id),
                }
                .encode()
            })
        } else {
            None
        };
        Ok(OrderPage {
            rows: out,
            next_cursor,
        })
    }

    /// How many orders match the filters (cursor and limit ignored). O(1) from the counters
    /// when only the status is filtered; otherwise an index count.
    pub async fn count_orders(&self, q: &OrderQuery) -> Result<i64, StoreError> {
        let only_status = q.connection_id.is_none()
            && q.placed_from.is_none()
            && q.placed_to.is_none()
            && q.country.as_deref().is_none_or(|c| c.trim().is_empty())
            && q.payment_status.is_none()
            && q.tag.as_deref().is_none_or(|t| t.trim().is_empty())
            && q.search
                .as_deref()
                .and_then(dialect::match_expression)
                .is_none();
        if only_status {
            let n: i64 = match q.status {
                Some(s) => {
                    sqlx::query_scalar("SELECT n FROM order_status_counts WHERE status = $1")
                        .bind(s.as_str())
                        .fetch_optional(self.pool())
                        .await?
                        .unwrap_or(0)
                }
                None => {
                    sqlx::query_scalar("SELECT COALESCE(SUM(n), 0) FROM order_status_counts")
                        .fetch_one(self.pool())
                        .await?
                }
            };
            return Ok(n);
        }
        let built = query::filters(q)?;
        let sql = format!("SELECT COUNT(*) FROM orders o {}", built.where_sql);
        let n: i64 = bind_all(sqlx::query(&sql), &built.args)
            .fetch_one(self.pool())
            .await?
            .try_get(0)?;
        Ok(n)
    }

    /// Orders per status, from the counters.
    pub async fn status_counts(&self) -> Result<Vec<StatusCount>, StoreError> {
        let rows = sqlx::query("SELECT status, n FROM order_status_counts")
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::with_capacity(OrderStatus::ALL.len());
        for s in OrderStatus::ALL {
            let n = rows
                .iter()
                .find(|r| r.get::<String, _>(0) == s.as_str())
                .map(|r| r.get::<i64, _>(1))
                .unwrap_or(0);
            out.push(StatusCount {
                status: *s,
                count: n,
            });
        }
        Ok(out)
    }

    pub async fn total_orders(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COALESCE(SUM(n), 0) FROM order_status_counts")
                .fetch_one(self.pool())
                .await?,
        )
    }

    pub async fn get_order(&self, id: OrderId) -> Result<OrderDetail, StoreError> {
        let r = sqlx::query(&detail_sql("WHERE o.id = $1"))
            .bind(id.get())
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("order {id}")))?;
        let mut d = detail_from_row(&r)?;
        d.lines = self
            .lines_of(&[id.get()])
            .await?
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        let reservations = sqlx::query(
            "SELECT r.line_no, r.location_id, l.name, SUM(r.quantity) FROM reservations r JOIN locations l ON l.id = r.location_id \
             WHERE r.order_id = $1 AND r.status = 'open' GROUP BY r.line_no, r.location_id, l.name ORDER BY r.line_no, l.name",
        )
        .bind(id.get())
        .fetch_all(self.pool())
        .await?;
        for r in reservations {
            let line_no: i32 = r.try_get(0)?;
            if let Some(l) = d.lines.iter_mut().find(|l| l.line_no == line_no) {
                l.reservations.push(ReservationView {
                    location_id: r.try_get(1)?,
                    location_name: r.try_get(2)?,
                    quantity: r.try_get(3)?,
                });
            }
        }
        for l in d.lines.iter_mut().filter(|l| l.quantities.backordered > 0) {
            let rows = sqlx::query(
                "SELECT loc.name, il.incoming, il.incoming_at FROM inventory_levels il JOIN products p ON p.id = il.product_id \
                 JOIN locations loc ON loc.id = il.location_id WHERE p.sku = $1 AND il.incoming > 0 ORDER BY il.incoming_at",
            )
            .bind(&l.sku)
            .fetch_all(self.pool())
            .await?;
            for r in rows {
                l.expected.push(ExpectedStock {
                    location_name: r.try_get(0)?,
                    incoming: r.try_get(1)?,
                    expected_at: r.try_get(2)?,
                });
            }
        }
        // Pre-order lines: covered when the expected receipts reach past the pre-orders ahead.
        let now = crate::now_ms();
        for l in d
            .lines
            .iter_mut()
            .filter(|l| l.release_at.is_some_and(|r| r > now) && l.quantities.backordered > 0)
        {
            let (incoming, ahead): (i64, i64) = sqlx::query_as(
                "SELECT (SELECT COALESCE(SUM(il.incoming), 0) FROM inventory_levels il JOIN products p ON p.id = il.product_id WHERE p.sku = $1), \
                 (SELECT COALESCE(SUM(ol.backordered), 0) FROM order_lines ol JOIN products p ON p.id = ol.product_id \
                  JOIN orders o ON o.id = ol.order_id, orders me WHERE me.id = $2 AND p.sku = $1 AND ol.backordered > 0 \
                  AND o.status IN ('pending', 'on_hold', 'ready', 'backordered', 'allocated') AND o.id <> me.id \
                  AND (o.priority > me.priority OR (o.priority = me.priority AND (o.placed_at, o.id) < (me.placed_at, me.id))))"
            )
            .bind(&l.sku)
            .bind(id.get())
            .fetch_one(self.pool())
            .await?;
            l.preorder_covered = Some(ahead + i64::from(l.quantities.backordered) <= incoming);
        }
        let holds = sqlx::query(&format!(
            "SELECT {HOLD_COLUMNS} FROM order_holds h WHERE h.order_id = $1 \
             ORDER BY h.released_at IS NOT NULL, h.placed_at DESC, h.id DESC"
        ))
        .bind(id.get())
        .fetch_all(self.pool())
        .await?;
        d.holds = holds.iter().map(hold_row).collect::<Result<_, _>>()?;
        let extra = sqlx::query(&format!(
            "SELECT o.risk_score, o.merged_into, o.pickup_location_id, l.name, o.pickup_state, o.pickup_at, \
             {}, o.exchange_of, o.customer_id FROM orders o LEFT JOIN locations l ON l.id = o.pickup_location_id WHERE o.id = $1",
            crate::fulfil::RESERVED_ELSEWHERE
        ))
            .bind(id.get())
            .fetch_one(self.pool())
            .await?;
        d.risk_score = extra.try_get(0)?;
        let merged_into: Option<i64> = extra.try_get(1)?;
        if let Some(location_id) = extra.try_get::<Option<i64>, _>(2)? {
            let state = match extra.try_get::<Option<String>, _>(4)?.as_deref() {
                Some("picked_up") => PickupState::PickedUp,
                Some("ready") => PickupState::Ready,
                _ if d.order.status == OrderStatus::Allocated
                    && extra.try_get::<i64, _>(6)? == 0 =>
                {
                    PickupState::ToPrepare
                }
                _ => PickupState::Waiting,
            };
            d.pickup = Some(PickupInfo {
                location_id,
                location_name: extra.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
                state,
                since: extra.try_get(5)?,
            });
        }
        d.handoffs = self.handoffs_of(id).await?;
        const REF: &str = "SELECT o.id, o.order_number, o.external_id, c.name FROM orders o JOIN connections c ON c.id = o.connection_id";
        if let Some(m) = merged_into {
            let r = sqlx::query(&format!("{REF} WHERE o.id = $1"))
                .bind(m)
                .fetch_one(self.pool())
                .await?;
            d.merged_into = Some(order_ref(&r)?);
        }
        let from = sqlx::query(&format!("{REF} WHERE o.merged_into = $1 ORDER BY o.id"))
            .bind(id.get())
            .fetch_all(self.pool())
            .await?;
        d.merged_from = from.iter().map(order_ref).collect::<Result<_, _>>()?;
        d.customer_id = extra.try_get(8)?;
        if let Some(x) = extra.try_get::<Option<i64>, _>(7)? {
            let r = sqlx::query(&format!("{REF} WHERE o.id = $1"))
                .bind(x)
                .fetch_one(self.pool())
                .await?;
            d.exchange_of = Some(order_ref(&r)?);
        }
        let ex = sqlx::query(&format!("{REF} WHERE o.exchange_of = $1 ORDER BY o.id"))
            .bind(id.get())
            .fetch_all(self.pool())
            .await?;
        d.exchanges = ex.iter().map(order_ref).collect::<Result<_, _>>()?;
        d.routing = self.routing_view(id).await?;
        d.timeline = self.timeline(id).await?;
        Ok(d)
    }

    /// The order's current routing decision with the explanations of the earlier ones.
    pub async fn routing_view(&self, id: OrderId) -> Result<Option<RoutingView>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, strategy, explanation, decision FROM routing_decisions WHERE order_id = $1 ORDER BY id DESC LIMIT 20",
        )
        .bind(id.get())
        .fetch_all(self.pool())
        .await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let bytes: Vec<u8> = first.try_get(3)?;
        let json = crate::process::decompress(&bytes)?;
        let d: oms_engine::route::RouteDecision = serde_json::from_slice(&json)
            .map_err(|e| StoreError::Invalid(format!("stored routing decision: {e}")))?;
        let name_of = |lid: i64| {
            d.candidates
                .iter()
                .find(|c| c.location_id == lid)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| lid.to_string())
        };
        let mut earlier = Vec::new();
        for r in rows.iter().skip(1) {
            earlier.push(r.try_get::<String, _>(2)?);
        }
        Ok(Some(RoutingView {
            at: first.try_get(0)?,
            strategy: first.try_get(1)?,
            explanation: first.try_get(2)?,
            precision: serde_json::to_value(d.precision)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| "unknown".into()),
            distance_km: d.distance_km,
            cost_minor: d.cost_minor,
            cost_currency: match d.cost_minor {
                Some(_) => {
                    sqlx::query_scalar("SELECT currency FROM shipping_rates LIMIT 1")
                        .fetch_optional(self.pool())
                        .await?
                }
                None => None,
            },
            transit_days: d.transit_days,
            winner_rule: d.winner_rule.clone(),
            shipments: d.shipments,
            waits_for: d.waits_for.map(name_of),
            candidates: d
                .candidates
                .iter()
                .map(|c| RouteCandidateView {
                    location_id: c.location_id,
                    name: c.name.clone(),
                    rejected_by: c.rejected_by.clone(),
                    reason: c.reason.clone(),
                    values: c.values.clone(),
                    chosen: c.chosen,
                })
                .collect(),
            earlier,
        }))
    }

    /// The order's events, newest first; the last is its creation, recorded on the order row.
    pub async fn timeline(&self, id: OrderId) -> Result<Vec<TimelineEventView>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, kind, actor, summary, detail FROM timeline_events WHERE order_id = $1 ORDER BY at DESC, id DESC",
        )
        .bind(id.get())
        .fetch_all(self.pool())
        .await?;
        let mut events: Vec<TimelineEventView> = rows
            .iter()
            .map(|r| TimelineEventView {
                id: r.get(0),
                at: r.get(1),
                kind: r.get(2),
                actor: r.get(3),
                summary: r.get(4),
                detail: r.get(5),
            })
            .collect();
        let created = sqlx::query("SELECT created_at, created_by FROM orders WHERE id = $1")
            .bind(id.get())
            .fetch_optional(self.pool())
            .await?;
        if let Some(c) = created {
            events.push(TimelineEventView {
                // Not a row of timeline_events: 0 is never an event id.
                id: 0,
                at: c.get(0),
                kind: EventKind::Imported.as_str().to_owned(),
                actor: c.get(1),
                summary: "Order imported".to_owned(),
                detail: None,
            });
        }
        Ok(events)
    }

    /// Orders whose search text prefix-matches every word, newest first.
    pub async fn search(&self, text: &str, limit: u32) -> Result<Vec<OrderRow>, StoreError> {
        let Some(m) = dialect::match_expression(text) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT {} FROM orders o {} WHERE o.id IN ({}) ORDER BY o.id DESC",
            query::ROW_COLUMNS,
            query::ROW_JOINS,
            dialect::search_top_ids(1, 2)
        );
        let rows = sqlx::query(&sql)
            .bind(m)
            .bind(i64::from(limit.clamp(1, 200)))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(order_row).collect()
    }

    pub async fn connections(&self) -> Result<Vec<ConnectionView>, StoreError> {
        let rows = sqlx::query("SELECT id, kind, name, enabled FROM connections ORDER BY name")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ConnectionView {
                    id: r.try_get(0)?,
                    kind: text_enum(r, 1, ChannelKind::parse)?,
                    name: r.try_get(2)?,
                    enabled: r.try_get::<i64, _>(3)? != 0,
                })
            })
            .collect()
    }

    pub async fn tags(&self) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT tag FROM tag_counts WHERE n > 0 ORDER BY tag")
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// Counts, the per-day chart for the `days` days up to `now`, and the exceptions.
    pub async fn dashboard(&self, now: i64, days: i64) -> Result<Dashboard, StoreError> {
        let counts = self.status_counts().await?;
        let total = counts.iter().map(|c| c.count).sum();
        let today = now.div_euclid(86_400_000);
        let from = today - days + 1;
        let rows = sqlx::query("SELECT day, n FROM order_day_counts WHERE day >= $1 AND day <= $2")
            .bind(from)
            .bind(today)
            .fetch_all(self.pool())
            .await?;
        let per_day = (from..=today)
            .map(|d| DayCount {
                day: day_to_iso(d),
                count: rows
                    .iter()
                    .find(|r| r.get::<i64, _>(0) == d)
                    .map(|r| r.get::<i64, _>(1))
                    .unwrap_or(0),
            })
            .collect();
        let on_hold = counts
            .iter()
            .find(|c| c.status == OrderStatus::OnHold)
            .map(|c| c.count)
            .unwrap_or(0);
        let late_to_ship: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM orders WHERE ship_by IS NOT NULL AND ship_by < $1 \
             AND status IN ('pending', 'on_hold', 'ready', 'backordered', 'allocated', 'partially_shipped')",
        )
        .bind(now)
        .fetch_one(self.pool())
        .await?;
        let backordered = counts
            .iter()
            .find(|c| c.status == OrderStatus::Backordered)
            .map(|c| c.count)
            .unwrap_or(0);
        // Capped: counting a long queue means scanning its index, and the dashboard only needs
        // to say "more than this many".
        let unprocessed: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM orders WHERE processed_at IS NULL LIMIT {})",
            DASHBOARD_UNPROCESSED_CAP + 1
        ))
        .fetch_one(self.pool())
        .await?;
        let mut exceptions = Vec::new();
        let held = sqlx::query("SELECT id, order_number, customer_name, placed_at FROM orders WHERE status = 'on_hold' ORDER BY placed_at ASC LIMIT 25")
            .fetch_all(self.pool())
            .await?;
        for r in held {
            exceptions.push(ExceptionRow {
                kind: ExceptionKind::OnHold,
                order_id: r.get(0),
                order_number: r.get(1),
                customer_name: r.get(2),
                since: r.get(3),
            });
        }
        let late = sqlx::query(
            "SELECT id, order_number, customer_name, ship_by FROM orders WHERE ship_by IS NOT NULL AND ship_by < $1 \
             AND status IN ('pending', 'on_hold', 'ready', 'backordered', 'allocated', 'partially_shipped') ORDER BY ship_by ASC LIMIT 25",
        )
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        for r in late {
            exceptions.push(ExceptionRow {
                kind: ExceptionKind::LateToShip,
                order_id: r.get(0),
                order_number: r.get(1),
                customer_name: r.get(2),
                since: r.get(3),
            });
        }
        let waiting = sqlx::query("SELECT id, order_number, customer_name, placed_at FROM orders WHERE status = 'backordered' ORDER BY priority DESC, placed_at ASC LIMIT 25")
            .fetch_all(self.pool())
            .await?;
        for r in waiting {
            exceptions.push(ExceptionRow {
                kind: ExceptionKind::Backordered,
                order_id: r.get(0),
                order_number: r.get(1),
                customer_name: r.get(2),
                since: r.get(3),
            });
        }
        Ok(Dashboard {
            backordered,
            unprocessed,
            counts,
            total,
            per_day,
            exceptions,
            on_hold,
            late_to_ship,
        })
    }

    /// Lines of several orders at once, for exports: (order id, line).
    pub async fn lines_of(&self, ids: &[i64]) -> Result<Vec<(i64, OrderLineView)>, StoreError> {
        let json = dialect::id_list(ids);
        let rows = sqlx::query(&format!(
            "SELECT l.order_id, l.line_no, p.sku, COALESCE(l.title, p.title), l.quantity, l.unit_price, \
             l.reserved, l.backordered, l.shipped, l.cancelled, l.returned, oo.order_number, p.release_at FROM order_lines l \
             JOIN products p ON p.id = l.product_id LEFT JOIN orders oo ON oo.id = l.origin_order_id \
             WHERE {} ORDER BY l.order_id, l.line_no",
            dialect::in_id_list("l.order_id", 1)
        ))
        .bind(json)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .map(|l| {
                let q: i64 = l.get(4);
                let p: i64 = l.get(5);
                let u = |i: usize| u32::try_from(l.get::<i64, _>(i)).unwrap_or(0);
                (
                    l.get(0),
                    OrderLineView {
                        line_no: l.get(1),
                        sku: l.get(2),
                        title: l.get(3),
                        quantity: q,
                        unit_price: p,
                        line_total: q.saturating_mul(p),
                        quantities: LineQuantities {
                            ordered: u32::try_from(q).unwrap_or(0),
                            reserved: u(6),
                            backordered: u(7),
                            shipped: u(8),
                            cancelled: u(9),
                            returned: u(10),
                        },
                        origin_order_number: l.get(11),
                        release_at: l.get(12),
                        preorder_covered: None,
                        reservations: Vec::new(),
                        expected: Vec::new(),
                    },
                )
            })
            .collect())
    }

    /// Full export records (the detail without the timeline) for a set of orders, in the
    /// caller's order.
    pub async fn export_records(&self, ids: &[i64]) -> Result<Vec<OrderDetail>, StoreError> {
        let json = dialect::id_list(ids);
        let rows = sqlx::query(&detail_sql(&format!(
            "WHERE {}",
            dialect::in_id_list("o.id", 1)
        )))
        .bind(json)
        .fetch_all(self.pool())
        .await?;
        let mut by_id = std::collections::HashMap::new();
        for r in &rows {
            let d = detail_from_row(r)?;
            by_id.insert(d.order.id, d);
        }
        for (oid, l) in self.lines_of(ids).await? {
            if let Some(d) = by_id.get_mut(&oid) {
                d.lines.push(l);
            }
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    pub async fn saved_views(&self) -> Result<Vec<SavedView>, StoreError> {
        let rows = sqlx::query("SELECT id, name, query FROM saved_views ORDER BY name")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let q: String = r.try_get(2)?;
                let query = serde_json::from_str(&q)
                    .map_err(|e| StoreError::Invalid(format!("stored view: {e}")))?;
                Ok(SavedView {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    query,
                })
            })
            .collect()
    }
}
