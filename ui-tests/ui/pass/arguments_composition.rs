//! `#[crux::composition]`: each of the four kinds (part of the span name), `id` as a
//! literal and as an expression, `attributes(..)`.
#![deny(warnings)]
#![deny(clippy::all)]

use crux::testing::SpanDataExt;

#[crux::composition(kind = "parallel")]
async fn parallel() -> u32 {
    let (a, b) = futures::join!(
        crux::composition::agent_value("web", async { 1 }),
        crux::composition::agent_value("papers", async { 2 }),
    );
    a + b
}

#[crux::composition(kind = "pipeline", id = "pipe-1", attributes(app.stages = 2))]
async fn pipeline() -> Result<u32, std::fmt::Error> {
    let draft = crux::composition::agent("draft", async { Ok::<_, std::fmt::Error>(1) }).await?;
    crux::composition::record_handoff();
    crux::composition::agent("review", async move { Ok(draft + 1) }).await
}

#[crux::composition(kind = "consensus", id = format!("vote-{round}"))]
fn consensus(round: u32) {
    crux::composition::record_agreement(0.75);
}

#[crux::composition(kind = "swarm")]
fn swarm() {}

fn main() {
    let capture = crux::testing::capture();

    assert_eq!(futures::executor::block_on(parallel()), 3);
    assert_eq!(futures::executor::block_on(pipeline()), Ok(2));
    consensus(3);
    swarm();

    let parallel = capture.one("crux.composition.parallel");
    assert_eq!(
        parallel.str_attr("crux.composition.kind").as_deref(),
        Some("parallel")
    );
    assert!(parallel
        .str_attr("crux.composition.id")
        .is_some_and(|id| id.starts_with("comp_")));
    assert_eq!(parallel.i64_attr("crux.composition.agent_count"), Some(2));
    for agent in ["web", "papers"] {
        let span = capture.one(&format!("crux.composition.agent.{agent}"));
        assert_eq!(span.parent_span_id, parallel.span_context.span_id());
    }

    let pipeline = capture.one("crux.composition.pipeline");
    assert_eq!(
        pipeline.str_attr("crux.composition.id").as_deref(),
        Some("pipe-1")
    );
    assert_eq!(pipeline.i64_attr("app.stages"), Some(2));
    assert_eq!(pipeline.i64_attr("crux.composition.handoff_count"), Some(1));

    let consensus = capture.one("crux.composition.consensus");
    assert_eq!(
        consensus.str_attr("crux.composition.id").as_deref(),
        Some("vote-3")
    );
    assert_eq!(consensus.f64_attr("crux.composition.agreement"), Some(0.75));

    let swarm = capture.one("crux.composition.swarm");
    assert_eq!(
        swarm.str_attr("crux.composition.kind").as_deref(),
        Some("swarm")
    );
}
