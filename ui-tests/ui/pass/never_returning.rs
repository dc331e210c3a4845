//! A function returning `!` compiles (`!` cannot be named in a `let` on stable: the
//! expansion carries `Infallible`), and its panic is the span's outcome.
#![deny(warnings)]
#![deny(clippy::all)]

use crux::testing::SpanDataExt;

#[crux::flow]
fn serve_forever(requests: &std::sync::mpsc::Receiver<u32>) -> ! {
    loop {
        if requests.recv().is_err() {
            panic!("the request channel closed");
        }
    }
}

#[crux::tool]
async fn crash(reason: &str) -> ! {
    futures::future::ready(()).await;
    panic!("{reason}")
}

fn main() {
    // The panics below are expected: keep the test's output quiet.
    std::panic::set_hook(Box::new(|_| {}));
    let capture = crux::testing::capture();

    let (tx, rx) = std::sync::mpsc::channel();
    drop(tx);
    let crashed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| serve_forever(&rx)));
    assert!(crashed.is_err());
    let flow = capture.one("crux.flow");
    assert_eq!(
        flow.str_attr("crux.flow.name").as_deref(),
        Some("serve_forever")
    );
    assert_eq!(
        flow.error_description().as_deref(),
        Some("the request channel closed")
    );
    assert_eq!(flow.str_attr("error.type").as_deref(), Some("panic"));

    let crashed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        futures::executor::block_on(crash("out of memory"))
    }));
    assert!(crashed.is_err());
    let tool = capture.one("crux.tool.crash");
    assert_eq!(tool.error_description().as_deref(), Some("out of memory"));
}
