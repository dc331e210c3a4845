//! Fake collectors on loopback for failure tests: a closed port, and servers that accept
//! connections and answer late, never, with an error status, or by closing them.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// A port nothing listens on.
pub fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A loopback server that reads each request and hands its connection to `answer` (which
/// may keep it open), until `lifetime` has passed; its port.
fn serve(lifetime: Duration, mut answer: impl FnMut(TcpStream) + Send + 'static) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("bound").port();
    listener.set_nonblocking(true).expect("non-blocking");
    std::thread::spawn(move || {
        let end = Instant::now() + lifetime;
        while Instant::now() < end {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    stream
                        .set_read_timeout(Some(Duration::from_millis(200)))
                        .ok();
                    let _ = stream.read(&mut [0u8; 65536]);
                    answer(stream);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    port
}

/// A loopback server that answers each request with `reply` after `delay` (a delay of
/// `lifetime` or more: never answers, keeping the connection open). Stops by itself
/// after `lifetime`.
pub fn fake_collector(reply: &'static str, delay: Duration, lifetime: Duration) -> u16 {
    let mut open = Vec::new();
    serve(lifetime, move |mut stream| {
        if delay < lifetime {
            std::thread::sleep(delay);
            let _ = stream.write_all(reply.as_bytes());
        }
        open.push(stream);
    })
}

/// A fake collector that accepts every request and never answers, for `lifetime`.
pub fn hanging_collector(lifetime: Duration) -> u16 {
    fake_collector("", Duration::MAX, lifetime)
}

/// A fake collector that closes every connection as soon as it has read the request,
/// answering nothing, for `lifetime`.
pub fn closing_collector(lifetime: Duration) -> u16 {
    serve(lifetime, drop)
}
