//! Parameters written as patterns: tuples, structs, tuple structs, references, `mut`
//! bindings and `_`.
#![deny(warnings)]
#![deny(clippy::all)]

struct Point {
    x: i64,
    y: i64,
}

struct Meters(f64);

#[crux::tool]
fn add((a, b): (u32, u32)) -> u32 {
    a + b
}

#[crux::tool]
fn manhattan(Point { x, y }: Point, &Point { x: ox, y: oy }: &Point) -> i64 {
    (x - ox).abs() + (y - oy).abs()
}

#[crux::tool]
fn half(Meters(m): Meters) -> f64 {
    m / 2.0
}

#[crux::flow_step]
fn count_down(mut n: u32, _: &str) -> Vec<u32> {
    let mut seen = Vec::new();
    while n > 0 {
        seen.push(n);
        n -= 1;
    }
    seen
}

#[crux::flow_step]
fn first_two(&[a, b, ..]: &[u8; 4]) -> u16 {
    u16::from(a) + u16::from(b)
}

#[crux::generate(model = "gpt-4o")]
async fn swap((left, right): (String, String), Point { x, .. }: Point) -> String {
    futures::future::ready(()).await;
    format!("{right}{left}{x}")
}

#[crux::tool(attributes(app.x = x, app.left = left.as_str()))]
async fn args_from_patterns(Point { x, y: _ }: Point, (left, _): (String, u8)) -> i64 {
    futures::future::ready(()).await;
    x + left.len() as i64
}

fn main() {
    use crux::testing::SpanDataExt;
    let capture = crux::testing::capture();

    assert_eq!(add((1, 2)), 3);
    assert_eq!(manhattan(Point { x: 3, y: 4 }, &Point { x: 0, y: 0 }), 7);
    assert!((half(Meters(3.0)) - 1.5).abs() < f64::EPSILON);
    assert_eq!(count_down(3, "ignored"), [3, 2, 1]);
    assert_eq!(first_two(&[1, 2, 3, 4]), 3);
    let swapped = futures::executor::block_on(swap(("a".into(), "b".into()), Point { x: 1, y: 2 }));
    assert_eq!(swapped, "ba1");
    let n = futures::executor::block_on(args_from_patterns(Point { x: 5, y: 0 }, ("ab".into(), 0)));
    assert_eq!(n, 7);

    let span = capture.one("crux.tool.args_from_patterns");
    assert_eq!(span.i64_attr("app.x"), Some(5));
    assert_eq!(span.str_attr("app.left").as_deref(), Some("ab"));
    assert_eq!(capture.spans().len(), 7);
}
