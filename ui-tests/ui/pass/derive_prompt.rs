//! `#[derive(crux::Prompt)]`: the identity given on the struct (literals) or read from
//! fields, and every field role (`attribute`, `variable`, `metadata`, `skip`), on plain,
//! generic and unit structs.
#![deny(warnings)]
#![deny(clippy::all)]

use crux::testing::SpanDataExt;
use crux::Prompt;

/// The whole identity on the struct; `version` may be a number.
#[derive(crux::Prompt)]
#[prompt(
    name = "support.resolve",
    version = 2.1,
    kind = "chat",
    source = "prompt-store"
)]
#[prompt(id = "resolve-7")]
struct Resolve<'a> {
    #[prompt(attribute = "app.queue")]
    queue: &'a str,
    #[prompt(attribute = "gen_ai.request.seed")]
    seed: i64,
    #[prompt(variable)]
    question: String,
    #[prompt(variable = "customer_name")]
    customer: Option<&'a str>,
    #[prompt(metadata)]
    owner: &'a str,
    #[prompt(metadata = "team.slack")]
    channel: String,
    #[prompt(skip)]
    #[allow(dead_code)]
    api_key: String,
    /// Fields without a role are never recorded either.
    #[allow(dead_code)]
    history: Vec<String>,
}

/// The whole identity read from fields.
#[derive(crux::Prompt)]
struct Stored<T: crux::AttrValue> {
    #[prompt(id)]
    id: String,
    #[prompt(name)]
    name: &'static str,
    #[prompt(version)]
    version: u32,
    #[prompt(kind)]
    kind: String,
    #[prompt(source)]
    source: Option<String>,
    #[prompt(attribute = "app.extra")]
    extra: T,
}

/// Nothing to record but a name.
#[derive(crux::Prompt)]
#[prompt(name = "ping")]
struct Ping;

#[crux::use_reason(telemetry(prompt = prompt, capture_content = true_))]
fn reason<P: crux::Prompt>(prompt: &P, true_: bool) {}

fn main() {
    let resolve = Resolve {
        queue: "billing",
        seed: 7,
        question: "where is my refund?".to_owned(),
        customer: Some("Ada"),
        owner: "growth",
        channel: "#support".to_owned(),
        api_key: "sk-secret".to_owned(),
        history: vec!["earlier".to_owned()],
    };
    let identity = resolve.identity();
    assert_eq!(identity.id.as_deref(), Some("resolve-7"));
    assert_eq!(identity.name.as_deref(), Some("support.resolve"));
    assert_eq!(identity.version.as_deref(), Some("2.1"));
    assert_eq!(identity.kind.as_deref(), Some("chat"));
    assert_eq!(identity.source.as_deref(), Some("prompt-store"));
    assert_eq!(
        identity.metadata,
        [
            ("owner".to_owned(), "growth".to_owned()),
            ("team.slack".to_owned(), "#support".to_owned())
        ]
    );

    let stored = Stored {
        id: "p-1".to_owned(),
        name: "stored",
        version: 4,
        kind: "text".to_owned(),
        source: None,
        extra: 1.5,
    };
    let identity = stored.identity();
    assert_eq!(identity.id.as_deref(), Some("p-1"));
    assert_eq!(identity.name.as_deref(), Some("stored"));
    assert_eq!(identity.version.as_deref(), Some("4"));
    assert_eq!(identity.kind.as_deref(), Some("text"));
    assert_eq!(identity.source, None);
    assert_eq!(Ping.identity().name.as_deref(), Some("ping"));

    let capture = crux::testing::capture();
    reason(&resolve, true);
    reason(&stored, false);
    reason(&Ping, false);
    let spans = capture.named("crux.use_reason");
    let by_name = |name: &str| {
        spans
            .iter()
            .find(|s| s.str_attr("gen_ai.prompt.name").as_deref() == Some(name))
            .unwrap_or_else(|| panic!("no use_reason for {name}"))
            .clone()
    };

    let span = by_name("support.resolve");
    assert_eq!(
        span.str_attr("crux.prompt.id").as_deref(),
        Some("resolve-7")
    );
    assert_eq!(span.str_attr("crux.prompt.version").as_deref(), Some("2.1"));
    assert_eq!(span.str_attr("crux.prompt.type").as_deref(), Some("chat"));
    assert_eq!(
        span.str_attr("crux.prompt.source").as_deref(),
        Some("prompt-store")
    );
    assert_eq!(span.str_attr("app.queue").as_deref(), Some("billing"));
    assert_eq!(span.i64_attr("gen_ai.request.seed"), Some(7));
    assert_eq!(
        span.str_attr("gen_ai.prompt.variable.question").as_deref(),
        Some("where is my refund?")
    );
    assert_eq!(
        span.str_attr("gen_ai.prompt.variable.customer_name")
            .as_deref(),
        Some("Ada")
    );
    assert!(
        !span
            .attributes
            .iter()
            .any(|kv| kv.value.as_str().contains("sk-secret")
                || kv.value.as_str().contains("earlier")),
        "skipped and unmarked fields are never recorded"
    );

    let span = by_name("stored");
    assert_eq!(span.str_attr("crux.prompt.id").as_deref(), Some("p-1"));
    assert_eq!(span.str_attr("gen_ai.prompt.version").as_deref(), Some("4"));
    assert_eq!(span.f64_attr("app.extra"), Some(1.5));
    assert!(span.attr("crux.prompt.source").is_none());

    let span = by_name("ping");
    assert!(span.attr("gen_ai.prompt.version").is_none());
}
