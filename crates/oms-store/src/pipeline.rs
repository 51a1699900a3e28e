//! The processing pipeline's persistence: gathers an order's facts, runs the engine's rules
//! (validate → screen → hold or release → merge → prioritise → reserve) and writes what they
//! decided — holds, priority, reservations, line quantities, status and one timeline event — in
//! one write transaction. Running it again on an unchanged order changes nothing.

use crate::inventory::{self, begin_write, Move};
use crate::orders::{insert_event, reindex};
use crate::read::{hold_row, HOLD_COLUMNS};
use crate::{dialect, Store, StoreError};
use oms_domain::*;
use oms_engine::*;
use sqlx::{Row, Sqlite, Transaction};
use std::collections::HashMap;

/// How a run is made: the rules' settings, the reservation policy, who runs it and when.
pub struct Run<'a> {
    pub settings: &'a PipelineSettings,
    pub policy: &'a dyn ReservationPolicy,
    pub actor: &'a str,
    pub now: i64,
}

const RULE_ACTOR: &str = "rule:pipeline";
const WEEK: i64 = 7 * 86_400_000;

struct Line {
    line_no: u32,
    product_id: i64,
    sku: String,
    allow_backorder: bool,
    q: LineQuantities,
    before: LineQuantities,
}

struct Loaded {
    facts: OrderFacts,
    status: OrderStatus,
    connection_id: i64,
    customer_id: Option<i64>,
    priority: i32,
    priority_manual: Option<i32>,
    risk_score: Option<i32>,
    first_run: bool,
    address_key: Option<String>,
    lines: Vec<Line>,
}

fn parse_status(s: &str) -> Result<OrderStatus, StoreError> {
    OrderStatus::parse(s).map_err(|e| StoreError::Invalid(format!("stored value: {e}")))
}

fn u32_of(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

async fn load(
    tx: &mut Transaction<'_, Sqlite>,
    id: i64,
    s: &PipelineSettings,
) -> Result<Loaded, StoreError> {
    let r = sqlx::query(
        "SELECT o.order_number, o.status, c.kind, o.placed_at, o.currency, o.grand_total, o.shipping_total, o.tax_total, \
         o.discount_total, o.payment_status, cu.email, o.customer_id, o.customer_name, o.ship_name, o.ship_line1, o.ship_line2, \
         o.ship_city, o.ship_region, o.ship_postal, o.ship_country, o.bill_to, o.shipping_service, o.ship_by, o.tags, \
         COALESCE(cu.tags, ''), o.priority, o.priority_manual, o.risk_score, o.processed_at, o.connection_id \
         FROM orders o JOIN connections c ON c.id = o.connection_id LEFT JOIN customers cu ON cu.id = o.customer_id WHERE o.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("order {id}")))?;
    let status = parse_status(&r.try_get::<String, _>(1)?)?;
    let payment_status = PaymentStatus::parse(&r.try_get::<String, _>(9)?)
        .map_err(|e| StoreError::Invalid(format!("stored value: {e}")))?;
    let customer_name: String = r.try_get(12)?;
    let country: Option<String> = r.try_get(19)?;
    let line1: Option<String> = r.try_get(14)?;
    let ship_to = match (country, line1) {
        (Some(country), Some(line1)) => Some(AddressFacts {
            name: r
                .try_get::<Option<String>, _>(13)?
                .unwrap_or_else(|| customer_name.clone()),
            line1,
            line2: r.try_get(15)?,
            city: r.try_get::<Option<String>, _>(16)?.unwrap_or_default(),
            region: r.try_get(17)?,
            postal_code: r.try_get(18)?,
            country,
        }),
        _ => None,
    };
    let bill_country = r
        .try_get::<Option<String>, _>(20)?
        .and_then(|j| serde_json::from_str::<AddressView>(&j).ok())
        .map(|a| a.country);
    let mut tags: Vec<String> = r
        .try_get::<String, _>(23)?
        .split_whitespace()
        .chain(r.try_get::<String, _>(24)?.split_whitespace())
        .map(str::to_lowercase)
        .collect();
    tags.dedup();
    let customer_id: Option<i64> = r.try_get(11)?;
    let placed_at: i64 = r.try_get(3)?;
    let connection_id: i64 = r.try_get(29)?;
    let order_number: String = r.try_get(0)?;

    let line_rows = sqlx::query(
        "SELECT l.line_no, p.sku, l.quantity, l.unit_price, p.catalogued, p.active, l.product_id, l.reserved, l.backordered, \
         l.shipped, l.cancelled, l.returned, p.allow_backorder FROM order_lines l JOIN products p ON p.id = l.product_id \
         WHERE l.order_id = $1 ORDER BY l.line_no",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    let mut lines = Vec::with_capacity(line_rows.len());
    let mut line_facts = Vec::with_capacity(line_rows.len());
    for l in &line_rows {
        let q = LineQuantities {
            ordered: u32_of(l.try_get(2)?),
            reserved: u32_of(l.try_get(7)?),
            backordered: u32_of(l.try_get(8)?),
            shipped: u32_of(l.try_get(9)?),
            cancelled: u32_of(l.try_get(10)?),
            returned: u32_of(l.try_get(11)?),
        };
        let line_no = u32_of(l.try_get(0)?);
        let sku: String = l.try_get(1)?;
        line_facts.push(LineFacts {
            line_no,
            sku: sku.clone(),
            quantity: q.ordered,
            unit_price: l.try_get(3)?,
            catalogued: l.try_get::<i64, _>(4)? != 0,
            active: l.try_get::<i64, _>(5)? != 0,
        });
        lines.push(Line {
            line_no,
            product_id: l.try_get(6)?,
            sku,
            allow_backorder: l.try_get::<i64, _>(12)? != 0,
            q,
            before: q,
        });
    }

    // Context from other orders; each count stops as soon as it is large enough to matter.
    let window = i64::from(s.risk.velocity_window_hours) * 3_600_000;
    let cap = i64::from(s.risk.velocity_max_orders) + 1;
    let mut ctx = OrderContext::default();
    if let Some(c) = customer_id {
        ctx.customer_prior_orders = u32_of(
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM (SELECT 1 FROM orders WHERE customer_id = $1 AND placed_at < $2 AND id <> $3 LIMIT 1)",
            )
            .bind(c)
            .bind(placed_at)
            .bind(id)
            .fetch_one(&mut **tx)
            .await?,
        );
        ctx.recent_same_email = u32_of(
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM (SELECT 1 FROM orders WHERE customer_id = $1 AND placed_at BETWEEN $2 AND $3 AND id <> $4 LIMIT $5)",
            )
            .bind(c)
            .bind(placed_at - window)
            .bind(placed_at)
            .bind(id)
            .bind(cap)
            .fetch_one(&mut **tx)
            .await?,
        );
    }
    if let Some(a) = &ship_to {
        if let Some(postal) = &a.postal_code {
            ctx.recent_same_address = u32_of(
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM orders WHERE ship_postal = $1 AND placed_at BETWEEN $2 AND $3 \
                     AND ship_line1 = $4 AND id <> $5 LIMIT $6)",
                )
                .bind(postal)
                .bind(placed_at - window)
                .bind(placed_at)
                .bind(&a.line1)
                .bind(id)
                .bind(cap)
                .fetch_one(&mut **tx)
                .await?,
            );
        }
    }
    let dup: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM orders WHERE order_number = $1 AND connection_id = $2 AND id <> $3 AND status <> 'merged' ORDER BY id LIMIT 1",
    )
    .bind(&order_number)
    .bind(connection_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    ctx.duplicate_of = dup.map(|d| d.to_string());

    let address_key = ship_to.as_ref().map(AddressFacts::key);
    Ok(Loaded {
        facts: OrderFacts {
            order_id: id,
            channel: r.try_get(2)?,
            order_number,
            placed_at,
            currency: r.try_get(4)?,
            grand_total: r.try_get(5)?,
            shipping_total: r.try_get(6)?,
            tax_total: r.try_get(7)?,
            discount_total: r.try_get(8)?,
            payment_status,
            email: r.try_get(10)?,
            ship_to,
            bill_country,
            shipping_service: r.try_get(21)?,
            ship_by: r.try_get(22)?,
            tags,
            lines: line_facts,
            context: ctx,
        },
        status,
        connection_id,
        customer_id,
        priority: r.try_get(25)?,
        priority_manual: r.try_get(26)?,
        risk_score: r.try_get(27)?,
        first_run: r.try_get::<Option<i64>, _>(28)?.is_none(),
        address_key,
        lines,
    })
}

/// A hold the rules want on the order.
struct Wanted {
    reason: HoldReason,
    check: String,
    message: String,
}

struct OpenHold {
    id: i64,
    check: String,
    by_rule: bool,
}

async fn open_holds(
    tx: &mut Transaction<'_, Sqlite>,
    id: i64,
) -> Result<Vec<OpenHold>, StoreError> {
    let rows = sqlx::query("SELECT id, check_code, placed_by FROM order_holds WHERE order_id = $1 AND released_at IS NULL")
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(OpenHold {
                id: r.try_get(0)?,
                check: r.try_get(1)?,
                by_rule: r.try_get::<String, _>(2)?.starts_with("rule:"),
            })
        })
        .collect()
}

pub(crate) async fn place_hold(
    tx: &mut Transaction<'_, Sqlite>,
    order: i64,
    reason: HoldReason,
    check: &str,
    message: &str,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO order_holds (order_id, reason, check_code, message, placed_at, placed_by) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(order)
    .bind(reason.as_str())
    .bind(check)
    .bind(message)
    .bind(now)
    .bind(actor)
    .execute(&mut **tx)
    .await?;
    insert_event(
        tx,
        order,
        EventKind::Held,
        actor,
        &format!("On hold: {reason}"),
        Some(message),
    )
    .await?;
    Ok(())
}

async fn release_hold(
    tx: &mut Transaction<'_, Sqlite>,
    order: i64,
    hold: i64,
    actor: &str,
    comment: &str,
    now: i64,
) -> Result<(), StoreError> {
    let r = sqlx::query(
        "UPDATE order_holds SET released_at = $1, released_by = $2, release_comment = $3 WHERE id = $4 AND released_at IS NULL \
         RETURNING reason, check_code",
    )
    .bind(now)
    .bind(actor)
    .bind(comment)
    .bind(hold)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(r) = r {
        let reason: String = r.try_get(0)?;
        let check: String = r.try_get(1)?;
        insert_event(
            tx,
            order,
            EventKind::Released,
            actor,
            &format!("Hold released: {reason} ({check})"),
            Some(comment),
        )
        .await?;
    }
    Ok(())
}

/// Releases every open reservation of an order (cancellation, a newer channel version).
pub(crate) async fn release_reservations(
    tx: &mut Transaction<'_, Sqlite>,
    order: i64,
    actor: &str,
    reason: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let rows = sqlx::query(
        "UPDATE reservations SET status = 'released', closed_at = $2 WHERE order_id = $1 AND status = 'open' \
         RETURNING product_id, location_id, quantity",
    )
    .bind(order)
    .bind(now)
    .fetch_all(&mut **tx)
    .await?;
    let mut units = 0;
    for r in &rows {
        let q: i64 = r.try_get(2)?;
        inventory::apply(
            tx,
            &Move {
                product_id: r.try_get(0)?,
                location_id: r.try_get(1)?,
                kind: MovementKind::Release,
                quantity: q,
                order_id: Some(order),
                reason: Some(reason),
                actor,
            },
        )
        .await?;
        units += q;
    }
    sqlx::query("UPDATE order_lines SET reserved = 0 WHERE order_id = $1 AND reserved > 0")
        .bind(order)
        .execute(&mut **tx)
        .await?;
    Ok(units)
}

async fn set_status(
    tx: &mut Transaction<'_, Sqlite>,
    order: i64,
    from: OrderStatus,
    to: OrderStatus,
) -> Result<(), StoreError> {
    if from == to {
        return Ok(());
    }
    from.transition(to)
        .map_err(|e| StoreError::Conflict(e.to_string()))?;
    sqlx::query("UPDATE orders SET status = $1 WHERE id = $2")
        .bind(to.as_str())
        .bind(order)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn location_names(
    tx: &mut Transaction<'_, Sqlite>,
) -> Result<HashMap<i64, String>, StoreError> {
    let rows = sqlx::query("SELECT id, name FROM locations")
        .fetch_all(&mut **tx)
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// The oldest other open order of the same customer to the same address that nothing is
/// reserved for yet.
async fn merge_partner(
    tx: &mut Transaction<'_, Sqlite>,
    o: &Loaded,
) -> Result<Option<(i64, String)>, StoreError> {
    let (Some(customer), Some(key)) = (o.customer_id, &o.address_key) else {
        return Ok(None);
    };
    if o.lines.iter().any(|l| l.q.reserved > 0 || l.q.shipped > 0) {
        return Ok(None);
    }
    let rows = sqlx::query(
        "SELECT o.id, o.order_number, COALESCE(o.ship_name, o.customer_name), o.ship_line1, o.ship_line2, o.ship_city, o.ship_postal, o.ship_country \
         FROM orders o WHERE o.customer_id = $1 AND o.id <> $2 AND o.placed_at BETWEEN $3 AND $4 AND o.currency = $5 \
         AND o.status IN ('pending', 'on_hold', 'ready', 'backordered') AND o.merged_into IS NULL \
         AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.order_id = o.id AND r.status = 'open') \
         AND NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.shipped > 0) \
         ORDER BY o.placed_at, o.id LIMIT 20",
    )
    .bind(customer)
    .bind(o.facts.order_id)
    .bind(o.facts.placed_at - WEEK)
    .bind(o.facts.placed_at)
    .bind(&o.facts.currency)
    .fetch_all(&mut **tx)
    .await?;
    for r in rows {
        let other_id: i64 = r.try_get(0)?;
        let a = AddressFacts {
            name: r.try_get(2)?,
            line1: r.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
            line2: r.try_get(4)?,
            city: r.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
            region: None,
            postal_code: r.try_get(6)?,
            country: r.try_get::<Option<String>, _>(7)?.unwrap_or_default(),
        };
        // The older order is the one the other merges into: only the newer proposes.
        if a.key() == *key && other_id < o.facts.order_id {
            return Ok(Some((other_id, r.try_get(1)?)));
        }
    }
    Ok(None)
}

/// Moves a source order's lines and amounts onto the target; the source becomes `merged` and
/// keeps its channel reference (the lines remember where they came from).
pub(crate) async fn merge_into(
    tx: &mut Transaction<'_, Sqlite>,
    source: i64,
    target: i64,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    let st: Vec<(i64, String, String)> = sqlx::query_as(&format!(
        "SELECT id, status, order_number FROM orders WHERE {}",
        dialect::in_id_list("id", 1)
    ))
    .bind(dialect::id_list(&[source, target]))
    .fetch_all(&mut **tx)
    .await?;
    let find = |id: i64| {
        st.iter()
            .find(|s| s.0 == id)
            .ok_or_else(|| StoreError::NotFound(format!("order {id}")))
    };
    let (s, t) = (find(source)?, find(target)?);
    let s_status = parse_status(&s.1)?;
    let t_status = parse_status(&t.1)?;
    if !t_status.is_processable()
        || matches!(
            t_status,
            OrderStatus::Allocated | OrderStatus::PartiallyShipped
        )
    {
        return Err(StoreError::Conflict(format!(
            "order {} is {t_status}: cannot merge into it",
            t.2
        )));
    }
    let reserved: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM reservations WHERE status = 'open' AND {}",
        dialect::in_id_list("order_id", 1)
    ))
    .bind(dialect::id_list(&[source, target]))
    .fetch_one(&mut **tx)
    .await?;
    if reserved > 0 {
        return Err(StoreError::Conflict(
            "orders with reserved stock cannot be merged; release it first".into(),
        ));
    }
    set_status(tx, source, s_status, OrderStatus::Merged).await?;
    sqlx::query(
        "INSERT INTO order_lines (order_id, line_no, product_id, title, quantity, unit_price, origin_order_id) \
         SELECT $2, (SELECT COALESCE(MAX(line_no), 0) FROM order_lines WHERE order_id = $2) + l.line_no, l.product_id, l.title, \
         l.quantity - l.cancelled, l.unit_price, COALESCE(l.origin_order_id, $1) FROM order_lines l WHERE l.order_id = $1 AND l.quantity > l.cancelled",
    )
    .bind(source)
    .bind(target)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE order_lines SET backordered = 0 WHERE order_id = $1")
        .bind(source)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE orders SET shipping_total = orders.shipping_total + s.shipping_total, tax_total = orders.tax_total + s.tax_total, \
         discount_total = orders.discount_total + s.discount_total, grand_total = orders.grand_total + s.grand_total, \
         item_count = orders.item_count + s.item_count, processed_at = NULL \
         FROM (SELECT shipping_total, tax_total, discount_total, grand_total, item_count FROM orders WHERE id = $1) AS s WHERE orders.id = $2",
    )
    .bind(source)
    .bind(target)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE orders SET merged_into = $1, processed_at = $2 WHERE id = $3")
        .bind(target)
        .bind(now)
        .bind(source)
        .execute(&mut **tx)
        .await?;
    let holds: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM order_holds WHERE order_id = $1 AND released_at IS NULL",
    )
    .bind(source)
    .fetch_all(&mut **tx)
    .await?;
    for h in holds {
        release_hold(tx, source, h, actor, &format!("merged into {}", t.2), now).await?;
    }
    insert_event(
        tx,
        source,
        EventKind::Merged,
        actor,
        &format!("Merged into order {}", t.2),
        None,
    )
    .await?;
    insert_event(
        tx,
        target,
        EventKind::Merged,
        actor,
        &format!("Order {} merged into this one", s.2),
        Some("Its lines keep their origin; status and tracking go back to both channels' orders."),
    )
    .await?;
    reindex(tx, &[target]).await?;
    Ok(())
}

/// One run of the pipeline on one order, inside the caller's write transaction.
pub(crate) async fn process_in(
    tx: &mut Transaction<'_, Sqlite>,
    id: i64,
    run: &Run<'_>,
) -> Result<ProcessOutcome, StoreError> {
    let mut o = load(tx, id, run.settings).await?;
    let mut outcome = ProcessOutcome {
        order_id: id,
        order_number: o.facts.order_number.clone(),
        status: o.status,
        findings: Vec::new(),
        risk_score: o.risk_score.unwrap_or(0),
        priority: o.priority,
        reserved_units: 0,
        backordered_units: 0,
        merged_into: None,
        changed: false,
        skipped: None,
    };
    if !o.status.is_processable() {
        outcome.skipped = Some(format!("the order is {}", o.status));
        if o.first_run {
            sqlx::query("UPDATE orders SET processed_at = $1 WHERE id = $2")
                .bind(run.now)
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
        return Ok(outcome);
    }
    let mut detail: Vec<String> = Vec::new();
    let mut changed = false;

    // Validate and screen.
    let findings = validate(&o.facts, &run.settings.validation);
    let risk = screen(&o.facts, &run.settings.risk, &run.settings.priority);
    let mut wanted: Vec<Wanted> = findings
        .iter()
        .map(|f| Wanted {
            reason: f.reason,
            check: f.check.to_owned(),
            message: f.message.clone(),
        })
        .collect();
    outcome.findings = findings.iter().map(|f| f.message.clone()).collect();
    if risk.hold {
        wanted.push(Wanted {
            reason: HoldReason::Risk,
            check: "risk".into(),
            message: format!(
                "risk score {} (threshold {}): {}",
                risk.score,
                run.settings.risk.hold_threshold,
                risk.hits
                    .iter()
                    .map(|h| format!("{} (+{})", h.reason, h.points))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        });
    }
    if !risk.hits.is_empty() {
        detail.push(format!(
            "Risk score {}: {}",
            risk.score,
            risk.hits
                .iter()
                .map(|h| format!("{} +{}", h.reason, h.points))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    let score = i32::try_from(risk.score).unwrap_or(i32::MAX);
    if o.risk_score != Some(score) {
        sqlx::query("UPDATE orders SET risk_score = $1 WHERE id = $2")
            .bind(score)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        o.risk_score = Some(score);
    }
    outcome.risk_score = score;

    // Merge: propose (hold) or merge into the older order.
    if let Some((partner, number)) = merge_partner(tx, &o).await? {
        if run.settings.auto_merge && findings.is_empty() && !risk.hold {
            merge_into(tx, id, partner, RULE_ACTOR, run.now).await?;
            outcome.merged_into = Some(partner);
            outcome.status = OrderStatus::Merged;
            outcome.changed = true;
            return Ok(outcome);
        }
        wanted.push(Wanted {
            reason: HoldReason::MergeCandidate,
            check: "merge".into(),
            message: format!("same customer and ship-to address as order {number}: merge them or release this hold"),
        });
    }

    // Holds: add what the rules want, release automatic holds whose check passes now. A check
    // a person released stays released for this order.
    let suppressed: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT check_code FROM order_holds WHERE order_id = $1 AND released_at IS NOT NULL AND released_by NOT LIKE 'rule:%'",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    wanted.retain(|w| !suppressed.contains(&w.check));
    let open = open_holds(tx, id).await?;
    for h in open.iter().filter(|h| h.by_rule && h.check != "stock") {
        if !wanted.iter().any(|w| w.check == h.check) {
            release_hold(tx, id, h.id, RULE_ACTOR, "the check passes now", run.now).await?;
            changed = true;
        }
    }
    for w in &wanted {
        if !open.iter().any(|h| h.check == w.check) {
            place_hold(tx, id, w.reason, &w.check, &w.message, RULE_ACTOR, run.now).await?;
            changed = true;
        }
    }

    // Priority.
    let (priority, parts) = match o.priority_manual {
        Some(p) => (p, Vec::new()),
        None => prioritise(&o.facts, &run.settings.priority, run.now),
    };
    if priority != o.priority {
        sqlx::query("UPDATE orders SET priority = $1 WHERE id = $2")
            .bind(priority)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        changed = true;
        detail.push(match o.priority_manual {
            Some(_) => format!("Priority {priority} (set by hand)"),
            None => format!(
                "Priority {priority}: {}",
                parts
                    .iter()
                    .map(|p| format!("{} {:+}", p.reason, p.points))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        });
    }
    outcome.priority = priority;

    // Reserve, unless a hold other than for stock blocks it.
    let open = open_holds(tx, id).await?;
    let blocked = open.iter().any(|h| h.check != "stock");
    let mut short_no_backorder: Vec<String> = Vec::new();
    if !blocked {
        let needs: Vec<LineNeed> = o
            .lines
            .iter()
            .filter(|l| l.q.unplanned() + l.q.backordered > 0)
            .map(|l| LineNeed {
                line_no: l.line_no,
                product_id: l.product_id,
                quantity: l.q.unplanned() + l.q.backordered,
            })
            .collect();
        if !needs.is_empty() {
            let pids: Vec<i64> = needs.iter().map(|n| n.product_id).collect();
            let rows = sqlx::query(&format!(
                "SELECT il.product_id, il.location_id, il.on_hand - il.reserved FROM inventory_levels il \
                 JOIN locations l ON l.id = il.location_id WHERE l.active = 1 AND {}",
                dialect::in_id_list("il.product_id", 1)
            ))
            .bind(dialect::id_list(&pids))
            .fetch_all(&mut **tx)
            .await?;
            let mut stock = Stock::default();
            for r in &rows {
                stock.set(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            }
            let plan = run.policy.plan(&needs, &stock);
            let names = if plan.allocations.is_empty() {
                HashMap::new()
            } else {
                location_names(tx).await?
            };
            for a in &plan.allocations {
                let line = o
                    .lines
                    .iter_mut()
                    .find(|l| l.line_no == a.line_no)
                    .ok_or_else(|| {
                        StoreError::Invalid(format!("plan for unknown line {}", a.line_no))
                    })?;
                line.q
                    .reserve(a.quantity)
                    .map_err(|e| StoreError::Conflict(format!("line {}: {e}", a.line_no)))?;
                sqlx::query(
                    "INSERT INTO reservations (order_id, line_no, product_id, location_id, quantity, status, created_at) \
                     VALUES ($1, $2, $3, $4, $5, 'open', $6)",
                )
                .bind(id)
                .bind(i64::from(a.line_no))
                .bind(a.product_id)
                .bind(a.location_id)
                .bind(i64::from(a.quantity))
                .bind(run.now)
                .execute(&mut **tx)
                .await?;
                inventory::apply(
                    tx,
                    &Move {
                        product_id: a.product_id,
                        location_id: a.location_id,
                        kind: MovementKind::Reservation,
                        quantity: i64::from(a.quantity),
                        order_id: Some(id),
                        reason: Some(run.policy.name()),
                        actor: RULE_ACTOR,
                    },
                )
                .await?;
                outcome.reserved_units += i64::from(a.quantity);
            }
            for l in o.lines.iter_mut() {
                let rest = l.q.unplanned();
                if rest > 0 {
                    l.q.backorder(rest)
                        .map_err(|e| StoreError::Conflict(format!("line {}: {e}", l.line_no)))?;
                }
                if l.q.backordered > 0 && !l.allow_backorder {
                    short_no_backorder.push(format!("{} × {}", l.q.backordered, l.sku));
                }
            }
            if outcome.reserved_units > 0 || !plan.short.is_empty() {
                let mut reasons = plan.reasons.join("; ");
                for (id, name) in &names {
                    reasons = reasons.replace(&format!("location {id} "), &format!("{name} "));
                    reasons = reasons.replace(&format!("location {id}"), name);
                }
                detail.push(format!("Reservation ({}): {reasons}", run.policy.name()));
            }
        } else {
            for l in &o.lines {
                if l.q.backordered > 0 && !l.allow_backorder {
                    short_no_backorder.push(format!("{} × {}", l.q.backordered, l.sku));
                }
            }
        }
        // Stock holds follow the backorders of products that do not allow them.
        let stock_hold = open.iter().find(|h| h.check == "stock");
        match (short_no_backorder.is_empty(), stock_hold) {
            (false, None) if !suppressed.iter().any(|c| c == "stock") => {
                place_hold(
                    tx,
                    id,
                    HoldReason::Stock,
                    "stock",
                    &format!(
                        "not enough stock and no backorders allowed: {}",
                        short_no_backorder.join(", ")
                    ),
                    RULE_ACTOR,
                    run.now,
                )
                .await?;
                changed = true;
            }
            (true, Some(h)) if h.by_rule => {
                release_hold(
                    tx,
                    id,
                    h.id,
                    RULE_ACTOR,
                    "stock arrived; every unit is reserved",
                    run.now,
                )
                .await?;
                changed = true;
            }
            _ => {}
        }
    }
    for l in &o.lines {
        if l.q != l.before {
            sqlx::query("UPDATE order_lines SET reserved = $1, backordered = $2 WHERE order_id = $3 AND line_no = $4")
                .bind(i64::from(l.q.reserved))
                .bind(i64::from(l.q.backordered))
                .bind(id)
                .bind(i64::from(l.line_no))
                .execute(&mut **tx)
                .await?;
            changed = true;
        }
        outcome.backordered_units += i64::from(l.q.backordered);
    }

    // Status follows holds and lines.
    let has_hold = sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM order_holds WHERE order_id = $1 AND released_at IS NULL",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await?
        > 0;
    let quantities: Vec<LineQuantities> = o.lines.iter().map(|l| l.q).collect();
    let derived = derive_open_status(has_hold, &quantities);
    // Once something shipped, the order stays partially shipped until the rest ships.
    let status = if o.status == OrderStatus::PartiallyShipped && derived != OrderStatus::OnHold {
        OrderStatus::PartiallyShipped
    } else {
        derived
    };
    if status != o.status {
        set_status(tx, id, o.status, status).await?;
        changed = true;
    }
    outcome.status = status;
    sqlx::query("UPDATE orders SET processed_at = $1 WHERE id = $2")
        .bind(run.now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if changed || o.first_run {
        let summary = match status {
            OrderStatus::Allocated => format!(
                "Processed: allocated ({} units reserved)",
                outcome.reserved_units
            ),
            OrderStatus::Backordered => format!(
                "Processed: backordered ({} units waiting for stock)",
                outcome.backordered_units
            ),
            OrderStatus::OnHold => "Processed: on hold".to_owned(),
            other => format!("Processed: {other}"),
        };
        let mut d = Vec::new();
        if outcome.findings.is_empty() {
            d.push("Validation: all checks pass".to_owned());
        } else {
            d.push(format!("Validation: {}", outcome.findings.join("; ")));
        }
        d.extend(detail);
        insert_event(
            tx,
            id,
            EventKind::Validated,
            run.actor,
            &summary,
            Some(&d.join("\n")),
        )
        .await?;
        changed = true;
    }
    outcome.changed = changed;
    let _ = o.connection_id;
    Ok(outcome)
}

impl Store {
    /// Runs the pipeline on one order. When it merges the order into another, that order is
    /// processed next in the same transaction.
    pub async fn process_order(
        &self,
        id: OrderId,
        run: &Run<'_>,
    ) -> Result<ProcessOutcome, StoreError> {
        let mut tx = begin_write(self).await?;
        let out = process_in(&mut tx, id.get(), run).await?;
        if let Some(target) = out.merged_into {
            process_in(&mut tx, target, run).await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The next orders waiting for the pipeline, highest priority first.
    pub async fn unprocessed(&self, limit: u32) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM orders WHERE processed_at IS NULL ORDER BY priority DESC, placed_at LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?)
    }

    /// Orders with units waiting for these products, in priority order.
    pub async fn waiting_for(&self, products: &[i64]) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_scalar(&format!(
            "SELECT o.id FROM orders o WHERE o.id IN (SELECT l.order_id FROM order_lines l WHERE l.backordered > 0 AND {}) \
             AND o.status IN ('backordered', 'on_hold', 'partially_shipped') ORDER BY o.priority DESC, o.placed_at",
            dialect::in_id_list("l.product_id", 1)
        ))
        .bind(dialect::id_list(products))
        .fetch_all(self.pool())
        .await?)
    }

    /// Puts an order on hold by hand (reservations stay).
    pub async fn hold_order(
        &self,
        id: OrderId,
        reason: HoldReason,
        comment: &str,
        actor: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = begin_write(self).await?;
        let status: String = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("order {id}")))?;
        let status = parse_status(&status)?;
        if !status.is_processable() {
            return Err(StoreError::Conflict(format!(
                "order {id} is {status}: it cannot be held"
            )));
        }
        let comment = comment.trim();
        let msg = if comment.is_empty() {
            "held by hand".to_owned()
        } else {
            comment.to_owned()
        };
        place_hold(&mut tx, id.get(), reason, "manual", &msg, actor, now).await?;
        set_status(&mut tx, id.get(), status, OrderStatus::OnHold).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Releases an order's open holds with a comment, then runs the pipeline on it again (a
    /// check released by a person is not raised again for this order).
    pub async fn release_order(
        &self,
        id: OrderId,
        comment: &str,
        run: &Run<'_>,
    ) -> Result<ProcessOutcome, StoreError> {
        let comment = comment.trim();
        if comment.is_empty() {
            return Err(StoreError::Invalid(
                "comment: say why the hold is released".into(),
            ));
        }
        let mut tx = begin_write(self).await?;
        let open = open_holds(&mut tx, id.get()).await?;
        if open.is_empty() {
            return Err(StoreError::Conflict(format!("order {id} has no open hold")));
        }
        for h in open {
            release_hold(&mut tx, id.get(), h.id, run.actor, comment, run.now).await?;
        }
        let out = process_in(&mut tx, id.get(), run).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Cancels an order: releases its reservations, cancels its open units, closes its holds.
    pub async fn cancel_order(
        &self,
        id: OrderId,
        comment: &str,
        actor: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        let status: String = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("order {id}")))?;
        let status = parse_status(&status)?;
        status
            .transition(OrderStatus::Cancelled)
            .map_err(|e| StoreError::Conflict(format!("order {id}: {e}")))?;
        let comment = comment.trim();
        let released =
            release_reservations(&mut tx, id.get(), actor, "order cancelled", now).await?;
        sqlx::query("UPDATE order_lines SET cancelled = quantity - shipped, backordered = 0 WHERE order_id = $1")
            .bind(id.get())
            .execute(&mut *tx)
            .await?;
        for h in open_holds(&mut tx, id.get()).await? {
            release_hold(&mut tx, id.get(), h.id, actor, "order cancelled", now).await?;
        }
        set_status(&mut tx, id.get(), status, OrderStatus::Cancelled).await?;
        sqlx::query("UPDATE orders SET processed_at = COALESCE(processed_at, $1) WHERE id = $2")
            .bind(now)
            .bind(id.get())
            .execute(&mut *tx)
            .await?;
        insert_event(
            &mut tx,
            id.get(),
            EventKind::Cancelled,
            actor,
            &format!("Order cancelled ({released} reserved units released)"),
            (!comment.is_empty()).then_some(comment),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Merges orders into the oldest of them (same customer and ship-to, nothing reserved).
    pub async fn merge_orders(
        &self,
        ids: &[OrderId],
        run: &Run<'_>,
    ) -> Result<ProcessOutcome, StoreError> {
        if ids.len() < 2 {
            return Err(StoreError::Invalid(
                "select at least two orders to merge".into(),
            ));
        }
        let mut tx = begin_write(self).await?;
        let raw: Vec<i64> = ids.iter().map(|i| i.get()).collect();
        let rows = sqlx::query(&format!(
            "SELECT id, customer_id, currency, COALESCE(ship_line1, '') || '|' || COALESCE(ship_postal, '') || '|' || COALESCE(ship_country, ''), placed_at \
             FROM orders WHERE {} ORDER BY placed_at, id",
            dialect::in_id_list("id", 1)
        ))
        .bind(dialect::id_list(&raw))
        .fetch_all(&mut *tx)
        .await?;
        if rows.len() != {
            let mut r = raw.clone();
            r.sort_unstable();
            r.dedup();
            r.len()
        } {
            return Err(StoreError::NotFound(
                "one or more of the selected orders".into(),
            ));
        }
        let first = &rows[0];
        let key =
            |r: &sqlx::sqlite::SqliteRow| -> Result<(Option<i64>, String, String), StoreError> {
                Ok((r.try_get(1)?, r.try_get(2)?, r.try_get(3)?))
            };
        let k0 = key(first)?;
        if k0.0.is_none() {
            return Err(StoreError::Conflict(
                "orders without a customer e-mail cannot be merged".into(),
            ));
        }
        for r in &rows[1..] {
            if key(r)? != k0 {
                return Err(StoreError::Conflict(
                    "only orders of the same customer, currency and ship-to address can be merged"
                        .into(),
                ));
            }
        }
        let target: i64 = first.try_get(0)?;
        for r in &rows[1..] {
            merge_into(&mut tx, r.try_get(0)?, target, run.actor, run.now).await?;
        }
        let out = process_in(&mut tx, target, run).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Sets a priority by hand (the rules no longer change it), or clears it with None.
    pub async fn set_priority(
        &self,
        ids: &[OrderId],
        priority: Option<i32>,
        actor: &str,
    ) -> Result<u64, StoreError> {
        let mut tx = begin_write(self).await?;
        let mut n = 0;
        for id in ids {
            let r = sqlx::query(
                "UPDATE orders SET priority_manual = $1, priority = COALESCE($1, priority), processed_at = CASE WHEN $1 IS NULL THEN NULL ELSE processed_at END \
                 WHERE id = $2",
            )
            .bind(priority)
            .bind(id.get())
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("order {id}")));
            }
            insert_event(
                &mut tx,
                id.get(),
                EventKind::Prioritised,
                actor,
                &match priority {
                    Some(p) => format!("Priority set to {p} by hand"),
                    None => "Priority back to the rules".to_owned(),
                },
                None,
            )
            .await?;
            n += 1;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Orders on hold with their open holds, oldest hold first; optionally one reason only.
    pub async fn review_queue(
        &self,
        reason: Option<HoldReason>,
        limit: u32,
    ) -> Result<Vec<ReviewRow>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT order_id FROM order_holds WHERE released_at IS NULL AND ($1 IS NULL OR reason = $1) \
             GROUP BY order_id ORDER BY MIN(placed_at), order_id LIMIT $2",
        )
        .bind(reason.map(|r| r.as_str()))
        .bind(i64::from(limit.clamp(1, 1000)))
        .fetch_all(self.pool())
        .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let json = dialect::id_list(&ids);
        let rows = sqlx::query(&format!(
            "SELECT {}, o.risk_score FROM orders o {} WHERE {}",
            crate::query::ROW_COLUMNS,
            crate::query::ROW_JOINS,
            dialect::in_id_list("o.id", 1)
        ))
        .bind(&json)
        .fetch_all(self.pool())
        .await?;
        let holds = sqlx::query(&format!(
            "SELECT {HOLD_COLUMNS}, h.order_id FROM order_holds h WHERE h.released_at IS NULL AND {} ORDER BY h.placed_at",
            dialect::in_id_list("h.order_id", 1)
        ))
        .bind(&json)
        .fetch_all(self.pool())
        .await?;
        let mut by_id: HashMap<i64, ReviewRow> = HashMap::new();
        for r in &rows {
            let order = crate::read::order_row(r)?;
            by_id.insert(
                order.id,
                ReviewRow {
                    order,
                    holds: Vec::new(),
                    risk_score: r.try_get(16)?,
                },
            );
        }
        for h in &holds {
            let oid: i64 = h.try_get(9)?;
            if let Some(row) = by_id.get_mut(&oid) {
                row.holds.push(hold_row(h)?);
            }
        }
        Ok(ids.iter().filter_map(|i| by_id.remove(i)).collect())
    }

    /// Reads a settings document (JSON) by key.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    pub async fn put_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Tags a customer (e.g. "vip"), found by e-mail.
    pub async fn tag_customer(&self, email: &Email, tag: &Tag) -> Result<(), StoreError> {
        let n = sqlx::query(
            "UPDATE customers SET tags = TRIM(tags || ' ' || $1) WHERE email = $2 AND (' ' || tags || ' ') NOT LIKE '% ' || $1 || ' %'",
        )
        .bind(tag.as_str())
        .bind(email.as_str())
        .execute(self.pool())
        .await?
        .rows_affected();
        if n == 0 {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM customers WHERE email = $1")
                    .bind(email.as_str())
                    .fetch_optional(self.pool())
                    .await?;
            exists.ok_or_else(|| StoreError::NotFound(format!("customer {email}")))?;
        }
        // Their open orders are prioritised again.
        sqlx::query(
            "UPDATE orders SET processed_at = NULL WHERE customer_id = (SELECT id FROM customers WHERE email = $1) \
             AND status IN ('pending', 'on_hold', 'ready', 'backordered', 'allocated')",
        )
        .bind(email.as_str())
        .execute(self.pool())
        .await?;
        Ok(())
    }
}

impl Store {
    /// Holds an order whose processing failed, with the error, and takes it out of the queue:
    /// one bad order never blocks the others.
    pub async fn quarantine_order(
        &self,
        id: OrderId,
        error: &str,
        actor: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(status) = status else {
            return Ok(());
        };
        let status = parse_status(&status)?;
        let open = open_holds(&mut tx, id.get()).await?;
        if !open.iter().any(|h| h.check == "processing_error") {
            place_hold(
                &mut tx,
                id.get(),
                HoldReason::Validation,
                "processing_error",
                &format!("processing failed: {error}"),
                actor,
                now,
            )
            .await?;
        }
        if status.is_processable() {
            set_status(&mut tx, id.get(), status, OrderStatus::OnHold).await?;
        }
        sqlx::query("UPDATE orders SET processed_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id.get())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Products some order line waits for.
    pub async fn backordered_products(&self) -> Result<Vec<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT DISTINCT product_id FROM order_lines WHERE backordered > 0")
                .fetch_all(self.pool())
                .await?,
        )
    }
}

impl Store {
    /// Ships every reserved unit of an order from where it is reserved (the shipping issue adds
    /// carriers and labels on top): the reservations become shipments in the ledger, the lines'
    /// reserved units become shipped, and the order is shipped or partially shipped.
    pub async fn ship_reserved(
        &self,
        id: OrderId,
        actor: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = begin_write(self).await?;
        let status: String = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("order {id}")))?;
        let status = parse_status(&status)?;
        if !matches!(
            status,
            OrderStatus::Allocated | OrderStatus::Backordered | OrderStatus::PartiallyShipped
        ) {
            return Err(StoreError::Conflict(format!(
                "order {id} is {status}: only allocated units can ship"
            )));
        }
        let rows = sqlx::query(
            "UPDATE reservations SET status = 'shipped', closed_at = $2 WHERE order_id = $1 AND status = 'open' \
             RETURNING line_no, product_id, location_id, quantity",
        )
        .bind(id.get())
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Err(StoreError::Conflict(format!(
                "order {id} has nothing reserved to ship"
            )));
        }
        let mut units = 0;
        for r in &rows {
            let q: i64 = r.try_get(3)?;
            inventory::apply(
                &mut tx,
                &Move {
                    product_id: r.try_get(1)?,
                    location_id: r.try_get(2)?,
                    kind: MovementKind::Shipment,
                    quantity: q,
                    order_id: Some(id.get()),
                    reason: None,
                    actor,
                },
            )
            .await?;
            units += q;
        }
        sqlx::query("UPDATE order_lines SET shipped = shipped + reserved, reserved = 0 WHERE order_id = $1 AND reserved > 0")
            .bind(id.get())
            .execute(&mut *tx)
            .await?;
        let open: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(quantity - shipped - cancelled), 0) FROM order_lines WHERE order_id = $1",
        )
        .bind(id.get())
        .fetch_one(&mut *tx)
        .await?;
        let to = if open > 0 {
            OrderStatus::PartiallyShipped
        } else {
            OrderStatus::Shipped
        };
        set_status(&mut tx, id.get(), status, to).await?;
        insert_event(
            &mut tx,
            id.get(),
            EventKind::Shipped,
            actor,
            &format!("{units} units shipped"),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(units)
    }
}
