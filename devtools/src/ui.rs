//! The web UI's assets, compiled into the binary: plain HTML, CSS and JavaScript, no
//! build step, nothing fetched from elsewhere.

const INDEX_HTML: &str = include_str!("ui/index.html");
const APP_JS: &str = include_str!("ui/app.js");
const STYLE_CSS: &str = include_str!("ui/style.css");

/// The asset served at `path` with its content type: the page for `/` and for every
/// trace page (`/trace/<id>`; the script reads the id from the URL), and its script and
/// style sheet.
pub fn asset(path: &str) -> Option<(&'static str, &'static str)> {
    match path {
        "/" | "/index.html" => Some(("text/html; charset=utf-8", INDEX_HTML)),
        p if p.starts_with("/trace/") => Some(("text/html; charset=utf-8", INDEX_HTML)),
        "/app.js" => Some(("text/javascript; charset=utf-8", APP_JS)),
        "/style.css" => Some(("text/css; charset=utf-8", STYLE_CSS)),
        _ => None,
    }
}
