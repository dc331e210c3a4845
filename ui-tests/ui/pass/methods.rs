//! Methods taking `self`, `&self`, `&mut self`, `self: Box<Self>`, and associated
//! functions, including methods that return a borrow of `self`.
#![deny(warnings)]
#![deny(clippy::all)]

struct Stack<T> {
    name: String,
    items: Vec<T>,
}

impl<T: Clone> Stack<T> {
    #[crux::tool]
    fn new(name: &str) -> Self {
        Stack {
            name: name.to_owned(),
            items: Vec::new(),
        }
    }

    #[crux::tool]
    fn push(&mut self, item: T) {
        self.items.push(item);
    }

    #[crux::tool]
    fn first(&mut self) -> &mut T {
        &mut self.items[0]
    }

    #[crux::tool]
    fn name(&self) -> &str {
        &self.name
    }

    #[crux::tool]
    fn len(&self) -> usize {
        self.items.len()
    }

    #[crux::tool]
    fn into_items(self) -> Vec<T> {
        self.items
    }

    #[crux::tool]
    fn boxed_len(self: Box<Self>) -> usize {
        self.items.len()
    }

    #[crux::tool]
    async fn async_name(&self) -> &str {
        futures::future::ready(()).await;
        &self.name
    }

    #[crux::tool]
    async fn async_push(&mut self, item: T) -> usize {
        futures::future::ready(()).await;
        self.items.push(item);
        self.items.len()
    }

    #[crux::tool]
    async fn async_into_items(self) -> Vec<T> {
        futures::future::ready(()).await;
        self.items
    }
}

fn main() {
    let capture = crux::testing::capture();

    let mut stack = Stack::new("s");
    stack.push(1u32);
    *stack.first() += 41;
    assert_eq!(stack.name(), "s");
    assert_eq!(stack.len(), 1);
    assert_eq!(futures::executor::block_on(stack.async_name()), "s");
    assert_eq!(futures::executor::block_on(stack.async_push(7)), 2);
    assert_eq!(Box::new(Stack::<u8>::new("b")).boxed_len(), 0);
    assert_eq!(
        futures::executor::block_on(stack.async_into_items()),
        [42, 7]
    );

    let again = Stack::<u8>::new("again");
    assert!(again.into_items().is_empty());

    for name in [
        "new",
        "push",
        "first",
        "name",
        "len",
        "into_items",
        "boxed_len",
    ] {
        assert!(
            !capture.named(&format!("crux.tool.{name}")).is_empty(),
            "{name}"
        );
    }
    for name in ["async_name", "async_push", "async_into_items"] {
        assert_eq!(
            capture.named(&format!("crux.tool.{name}")).len(),
            1,
            "{name}"
        );
    }
}
