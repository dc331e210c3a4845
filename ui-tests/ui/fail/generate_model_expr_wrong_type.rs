struct Request {
    model: u32,
    prompt: String,
}

#[crux::generate(model = request.model)]
fn complete(request: &Request) -> String {
    request.prompt.to_uppercase()
}

fn main() {
    complete(&Request {
        model: 4,
        prompt: "hi".to_owned(),
    });
}
