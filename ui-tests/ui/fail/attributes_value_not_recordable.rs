// `AttrValue` has no `#[diagnostic::on_unimplemented]`: a struct given to an
// application attribute gets the bare trait-bound error, with no hint at `crux::Json`.
struct Customer {
    tier: &'static str,
}

#[crux::tool(attributes(app.customer = customer))]
fn greet(customer: &Customer) -> String {
    format!("hello, {} customer", customer.tier)
}

fn main() {
    greet(&Customer { tier: "gold" });
}
