// A struct given to an application attribute: `AttrValue`'s on_unimplemented message
// says what can be recorded and points at `crux::Json`.
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
