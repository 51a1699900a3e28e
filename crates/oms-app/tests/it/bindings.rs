//! The committed TypeScript bindings must match what the Rust types generate.

#[test]
fn bindings_match_the_committed_file() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/api/bindings.ts");
    let generated = oms_app::bindings::typescript();
    if std::env::var("UPDATE_BINDINGS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write bindings");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "ui/src/api/bindings.ts is out of date with the Rust types; run `UPDATE_BINDINGS=1 cargo test -p oms-app bindings` and commit it"
    );
}
