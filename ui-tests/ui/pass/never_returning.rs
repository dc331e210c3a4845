//! A function returning `!` expands to `let __crux_output: ! = ..`, and the `!` type is
//! unstable there (E0658).
#![deny(warnings)]

#[crux::flow]
fn serve_forever(requests: &std::sync::mpsc::Receiver<u32>) -> ! {
    loop {
        if requests.recv().is_err() {
            panic!("the request channel closed");
        }
    }
}

fn main() {
    let (tx, rx) = std::sync::mpsc::channel();
    drop(tx);
    let crashed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| serve_forever(&rx)));
    assert!(crashed.is_err());
}
