#[crux::tool]
extern "C" fn search(len: usize) -> usize {
    len
}

fn main() {
    search(4);
}
