//! With crux's `disabled` feature every macro returns the item unchanged: no span, no
//! cost. Run with `cargo test -p crux-tests --features disabled --test disabled`.

#[crux::tool(name = "search", call_id = id)]
fn search(id: &str) -> usize {
    id.len()
}

#[crux::flow]
async fn flow() -> usize {
    search("abc")
}

#[tokio::test]
async fn the_macros_record_only_without_the_disabled_feature() {
    let capture = crux::testing::capture();
    assert_eq!(flow().await, 3);
    let expected = if cfg!(feature = "disabled") { 0 } else { 2 };
    assert_eq!(capture.spans().len(), expected);
}
