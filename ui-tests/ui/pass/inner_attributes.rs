//! Inner attributes of the body (`#![allow(..)]`) stay inside the body, where they are
//! allowed and still apply.
#![deny(warnings)]
#![deny(clippy::all)]

#[crux::tool]
fn tolerant() -> u32 {
    #![allow(clippy::identity_op)]
    1 + 0
}

#[crux::flow_step]
async fn tolerant_async() -> u32 {
    #![allow(unused_variables)]
    let unused = 1;
    futures::future::ready(2).await
}

fn main() {
    assert_eq!(tolerant(), 1);
    assert_eq!(futures::executor::block_on(tolerant_async()), 2);
}
