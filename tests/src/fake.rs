//! Fake collectors on loopback for failure tests: a closed port, and a server that
//! accepts connections and answers late, never, or with an error status.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// A port nothing listens on.
pub fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A loopback server that accepts connections and answers each request with `reply`
/// after `delay` (an endless delay: never answers). Stops by itself after `lifetime`.
pub fn fake_collector(reply: &'static str, delay: Duration, lifetime: Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("bound").port();
    listener.set_nonblocking(true).expect("non-blocking");
    std::thread::spawn(move || {
        let end = Instant::now() + lifetime;
        let mut open = Vec::new();
        while Instant::now() < end {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    stream
                        .set_read_timeout(Some(Duration::from_millis(200)))
                        .ok();
                    let mut buf = [0u8; 65536];
                    let _ = stream.read(&mut buf);
                    if delay < lifetime {
                        std::thread::sleep(delay);
                        let _ = stream.write_all(reply.as_bytes());
                    }
                    open.push(stream);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    port
}

/// A fake collector that accepts every request and never answers, for `lifetime`.
pub fn hanging_collector(lifetime: Duration) -> u16 {
    fake_collector("", Duration::MAX, lifetime)
}

/// A fake collector that closes every connection as soon as it has read the request,
/// answering nothing, for `lifetime`.
pub fn closing_collector(lifetime: Duration) -> u16 {
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
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    port
}
