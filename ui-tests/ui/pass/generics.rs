//! Generic functions with lifetimes, type and const parameters, and where clauses.
#![deny(warnings)]
#![deny(clippy::all)]

use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;

#[crux::tool]
fn longest<'a, 'b: 'a>(a: &'a str, b: &'b str) -> &'a str {
    if a.len() >= b.len() {
        a
    } else {
        b
    }
}

#[crux::tool]
fn find<'a, T>(items: &'a [T], wanted: &T) -> Option<&'a T>
where
    T: PartialEq + Debug,
{
    items.iter().find(|item| *item == wanted)
}

#[crux::flow_step]
fn tally<K, I>(keys: I) -> HashMap<K, usize>
where
    K: Eq + Hash,
    I: IntoIterator<Item = K>,
{
    let mut counts = HashMap::new();
    for key in keys {
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

#[crux::tool]
fn sum<const N: usize>(values: [u32; N]) -> u32 {
    values.iter().sum()
}

#[crux::flow]
async fn describe<T: Debug + Sync>(value: &T) -> String {
    futures::future::ready(()).await;
    format!("{value:?}")
}

struct Wrapper<T>(T);

impl<T: Clone + Debug> Wrapper<T> {
    #[crux::tool]
    fn get_or<'a>(&'a self, fallback: &'a T, use_fallback: bool) -> &'a T {
        if use_fallback {
            fallback
        } else {
            &self.0
        }
    }

    #[crux::tool]
    fn map<U, F>(&self, f: F) -> Wrapper<U>
    where
        F: FnOnce(T) -> U,
    {
        Wrapper(f(self.0.clone()))
    }
}

fn main() {
    let capture = crux::testing::capture();

    assert_eq!(longest("abc", "de"), "abc");
    assert_eq!(find(&[1, 2, 3], &2), Some(&2));
    assert_eq!(tally(["a", "b", "a"])["a"], 2);
    assert_eq!(sum([1, 2, 3]), 6);
    assert_eq!(
        futures::executor::block_on(describe(&(1, "x"))),
        "(1, \"x\")"
    );
    let w = Wrapper(5u8);
    assert_eq!(*w.get_or(&9, true), 9);
    assert_eq!(w.map(|n| n.to_string()).0, "5");

    assert_eq!(capture.spans().len(), 7);
}
