use crate::{fresh, with_demo};
use oms_app::domain::*;
use oms_app::{ErrorCode, ImportMode};

const HEADER: &str = "external_id,order_number,placed_at,currency,customer_name,email,ship_line1,ship_city,ship_postal_code,ship_country,shipping_total,sku,title,quantity,unit_price";

fn write(dir: &std::path::Path, name: &str, body: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).expect("write csv");
    p
}

#[tokio::test]
async fn a_good_file_imports_orders_with_all_their_lines() {
    let db = fresh().await;
    let body = format!(
        "{HEADER}\n\
         A-1,1001,2026-11-01T10:00:00Z,EUR,Anna Schmidt,anna@example.com,Hauptstraße 1,Berlin,10115,DE,4.95,MUG-1,Mug,2,12.50\n\
         A-1,1001,2026-11-01T10:00:00Z,EUR,Anna Schmidt,anna@example.com,Hauptstraße 1,Berlin,10115,DE,4.95,TEA-1,Tea,1,3.99\n\
         A-2,1002,2026-11-02,JPY,Kenji Sato,kenji@example.jp,1-1 Chiyoda,Tokyo,100-0001,JP,0,MUG-1,Mug,1,1500\n"
    );
    let p = write(db.dir.path(), "good.csv", &body);
    let r = db
        .api
        .import_csv(&p, ImportMode::AllOrNothing, &|_| {})
        .await
        .expect("import");
    assert_eq!(
        (
            r.imported_orders,
            r.imported_lines,
            r.error_count,
            r.committed
        ),
        (2, 3, 0, true)
    );
    let hits = db.api.search("anna@example", 5).await.expect("search");
    let d = db.api.get_order(hits[0].id).await.expect("order");
    assert_eq!(d.lines.len(), 2);
    assert_eq!(d.subtotal, 2 * 1250 + 399);
    assert_eq!(d.order.grand_total, 2 * 1250 + 399 + 495);
    assert_eq!(d.ship_to.as_ref().map(|a| a.city.as_str()), Some("Berlin"));
    let jp = db.api.search("kenji", 5).await.expect("search");
    assert_eq!(jp[0].grand_total, 1500, "JPY has no minor digits");
    // Importing the same file again changes nothing.
    let again = db
        .api
        .import_csv(&p, ImportMode::AllOrNothing, &|_| {})
        .await
        .expect("again");
    assert_eq!((again.imported_orders, again.updated_orders), (0, 0));
}

#[tokio::test]
async fn bad_rows_are_named_by_row_and_column_and_nothing_is_imported() {
    let db = fresh().await;
    let body = format!(
        "{HEADER}\n\
         B-1,2001,2026-11-01T10:00:00Z,EUR,Ben,ben@example.com,Street 1,Berlin,10115,DE,0,SKU-1,Thing,1,10.00\n\
         B-2,2002,yesterday,EUR,Cleo,cleo@example.com,Street 2,Berlin,10115,DE,0,SKU-1,Thing,1,10.00\n\
         B-3,2003,2026-11-01T10:00:00Z,EUR,Dora,not-an-email,Street 3,Berlin,10115,DE,0,SKU-1,Thing,0,10.001\n\
         B-4,2004,2026-11-01T10:00:00Z,EUR,Emil,emil@example.com,Street 4,Berlin,10115,DE,0,SKU-2,Thing,1,5.00\n\
         B-4,2004,2026-11-01T10:00:00Z,EUR,Emil,emil@example.com,Street 4,Berlin,10115,DEU,0,SKU-3,Other,1,5.00\n"
    );
    let p = write(db.dir.path(), "bad.csv", &body);
    let r = db
        .api
        .import_csv(&p, ImportMode::AllOrNothing, &|_| {})
        .await
        .expect("report");
    assert!(!r.committed);
    assert_eq!(r.imported_orders, 0);
    assert_eq!(
        db.api.app_info().await.expect("info").order_count,
        0,
        "nothing imported"
    );
    let has = |row: u32, col: &str| {
        r.errors
            .iter()
            .any(|e| e.row == Some(row) && e.column.as_deref() == Some(col))
    };
    assert!(has(2, "placed_at"), "{:?}", r.errors);
    assert!(has(3, "email"));
    assert!(has(3, "quantity"));
    assert!(has(3, "unit_price"));
    assert!(has(5, "ship_country"));
    assert_eq!(r.skipped_rows, 4);

    // The user chooses to import only the good rows: B-1 alone (B-4 is spoiled by its bad line).
    let r = db
        .api
        .import_csv(&p, ImportMode::GoodRowsOnly, &|_| {})
        .await
        .expect("good rows");
    assert!(r.committed);
    assert_eq!(r.imported_orders, 1);
    assert_eq!(
        db.api.search("2004", 5).await.expect("s").len(),
        0,
        "never half an order"
    );
}

#[tokio::test]
async fn header_problems_and_unreadable_rows_are_reported() {
    let db = fresh().await;
    let p = write(
        db.dir.path(),
        "h.csv",
        "external_id,order_nummer,placed_at\n1,2,3\n",
    );
    let e = db
        .api
        .import_csv(&p, ImportMode::AllOrNothing, &|_| {})
        .await
        .expect_err("header");
    assert_eq!(e.code, ErrorCode::CsvInvalid);
    assert!(e
        .details
        .iter()
        .any(|d| d.column.as_deref() == Some("order_nummer") && d.message.contains("unknown")));
    assert!(e
        .details
        .iter()
        .any(|d| d.column.as_deref() == Some("sku") && d.message.contains("missing")));
    let body = format!("{HEADER}\nC-1,3001,2026-11-01T10:00:00Z,EUR,Cid\n");
    let p = write(db.dir.path(), "short.csv", &body);
    let r = db
        .api
        .import_csv(&p, ImportMode::AllOrNothing, &|_| {})
        .await
        .expect("report");
    assert_eq!(r.errors[0].row, Some(1));
    assert!(r.errors[0].message.contains("fields"), "{:?}", r.errors);
    let missing = db
        .api
        .import_csv(
            &db.dir.path().join("nope.csv"),
            ImportMode::AllOrNothing,
            &|_| {},
        )
        .await
        .expect_err("missing");
    assert_eq!(missing.code, ErrorCode::Io);
}

#[tokio::test]
async fn a_grand_total_that_does_not_add_up_is_refused() {
    let db = fresh().await;
    let body = "external_id,order_number,placed_at,currency,customer_name,sku,quantity,unit_price,shipping_total,grand_total\n\
                D-1,4001,2026-11-01,EUR,Dan,SKU-1,2,10.00,5.00,26.00\n";
    let p = write(db.dir.path(), "t.csv", body);
    let r = db
        .api
        .import_csv(&p, ImportMode::AllOrNothing, &|_| {})
        .await
        .expect("report");
    assert!(
        r.errors
            .iter()
            .any(|e| e.column.as_deref() == Some("grand_total") && e.message.contains("25.00")),
        "{:?}",
        r.errors
    );
}

#[tokio::test]
async fn export_then_import_reproduces_the_orders() {
    let src = with_demo(400).await;
    // The import processes what it stores: process the source the same way first.
    src.api.process_pending(&|_| {}).await.expect("process");
    let out = src.dir.path().join("export.csv");
    let q = OrderQuery {
        country: Some("DE".into()),
        ..Default::default()
    };
    let rep = src
        .api
        .export_csv(Some(&q), None, &out, &|_| {})
        .await
        .expect("export");
    let n = src.api.count_orders(&q).await.expect("count");
    assert_eq!(rep.orders as i64, n);
    let dst = fresh().await;
    let r = dst
        .api
        .import_csv(&out, ImportMode::AllOrNothing, &|_| {})
        .await
        .expect("import");
    assert_eq!(r.error_count, 0, "{:?}", r.errors);
    assert_eq!(r.imported_orders as i64, n);
    let a = src
        .api
        .list_orders(&OrderQuery {
            limit: 1000,
            ..q.clone()
        })
        .await
        .expect("a")
        .rows;
    let b = dst
        .api
        .list_orders(&OrderQuery {
            limit: 1000,
            ..q.clone()
        })
        .await
        .expect("b")
        .rows;
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            (
                &x.order_number,
                x.grand_total,
                x.status,
                &x.tags,
                x.placed_at / 1000,
                &x.connection_name
            ),
            (
                &y.order_number,
                y.grand_total,
                y.status,
                &y.tags,
                y.placed_at / 1000,
                &y.connection_name
            )
        );
    }
    // Export of a selection.
    let sel = src.dir.path().join("sel.csv");
    let rep = src
        .api
        .export_csv(None, Some(&[1, 2, 3]), &sel, &|_| {})
        .await
        .expect("sel");
    assert_eq!(rep.orders, 3);
    assert!(!src.dir.path().join("sel.csv.part").exists());
}
