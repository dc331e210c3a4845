struct Customer {
    tier: &'static str,
}

#[derive(crux::Prompt)]
#[prompt(name = "triage")]
struct Triage {
    #[prompt(attribute = "app.customer")]
    customer: Customer,
}

fn main() {
    let triage = Triage { customer: Customer { tier: "gold" } };
    let _ = triage.customer.tier;
}
