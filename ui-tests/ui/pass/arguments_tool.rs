//! Every argument form of `#[crux::tool]`: literals, expressions, `attributes(..)` with
//! dotted and quoted keys, trailing commas, empty parentheses.
#![deny(warnings)]
#![deny(clippy::all)]

use crux::testing::SpanDataExt;

const DESCRIPTION: &str = "Looks things up.";

struct Call {
    id: String,
    tier: Option<&'static str>,
}

#[crux::tool()]
fn empty_parens() {}

#[crux::tool(name = "lookup", call_id = "call-1", description = "Finds an order.")]
fn literals() {}

#[crux::tool(name = r"raw-name.v2", call_id = call.id, description = DESCRIPTION)]
fn expressions(call: &Call) -> usize {
    call.id.len()
}

#[crux::tool(
    name = "with_attributes",
    attributes(
        app.tier = call.tier,
        "app.quoted" = 1,
        app.user_tier = "gold",
        app.retries = 3,
        app.ratio = 0.25,
        app.enabled = true,
        app.negative = -7,
        app.r#type = "raw",
        app.tags = ["a", "b"],
        app.id_len = call.id.len(),
        app.missing = None::<String>,
        session.id = call.id.as_str(),
        user.id = "user-1",
        crux.trace.metadata.account = "acme",
        gen_ai.tool.call.arguments = crux::Json(vec![1, 2]),
    )
)]
fn with_attributes(call: &Call) {
    let _ = call;
}

fn main() {
    let capture = crux::testing::capture();

    empty_parens();
    literals();
    let call = Call {
        id: "call-2".to_owned(),
        tier: Some("silver"),
    };
    assert_eq!(expressions(&call), 6);
    with_attributes(&call);

    assert_eq!(capture.named("crux.tool.empty_parens").len(), 1);

    let span = capture.one("crux.tool.lookup");
    assert_eq!(span.str_attr("gen_ai.tool.name").as_deref(), Some("lookup"));
    assert_eq!(
        span.str_attr("crux.tool.call_id").as_deref(),
        Some("call-1")
    );
    assert_eq!(
        span.str_attr("gen_ai.tool.call.id").as_deref(),
        Some("call-1")
    );
    assert_eq!(
        span.str_attr("gen_ai.tool.description").as_deref(),
        Some("Finds an order.")
    );

    let span = capture.one("crux.tool.raw-name.v2");
    assert_eq!(
        span.str_attr("crux.tool.call_id").as_deref(),
        Some("call-2")
    );
    assert_eq!(
        span.str_attr("gen_ai.tool.description").as_deref(),
        Some(DESCRIPTION)
    );

    let span = capture.one("crux.tool.with_attributes");
    assert_eq!(span.str_attr("app.tier").as_deref(), Some("silver"));
    assert_eq!(span.i64_attr("app.quoted"), Some(1));
    assert_eq!(span.str_attr("app.user_tier").as_deref(), Some("gold"));
    assert_eq!(span.i64_attr("app.retries"), Some(3));
    assert_eq!(span.f64_attr("app.ratio"), Some(0.25));
    assert_eq!(span.bool_attr("app.enabled"), Some(true));
    assert_eq!(span.i64_attr("app.negative"), Some(-7));
    assert_eq!(span.str_attr("app.type").as_deref(), Some("raw"));
    assert!(span.attr("app.tags").is_some());
    assert_eq!(span.i64_attr("app.id_len"), Some(6));
    assert!(span.attr("app.missing").is_none());
    assert_eq!(span.str_attr("session.id").as_deref(), Some("call-2"));
    assert_eq!(span.str_attr("user.id").as_deref(), Some("user-1"));
    assert_eq!(
        span.str_attr("crux.trace.metadata.account").as_deref(),
        Some("acme")
    );
    assert_eq!(
        span.str_attr("gen_ai.tool.call.arguments").as_deref(),
        Some("[1,2]")
    );
}
