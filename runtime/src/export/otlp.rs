//! OTLP exporters: http/protobuf, http/json and gRPC, configured by the builder or the
//! standard `OTEL_EXPORTER_OTLP_*` variables.

use super::env;
use std::time::Duration;

/// The OTLP wire protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtlpProtocol {
    /// `http/protobuf` (the default).
    HttpProtobuf,
    /// `http/json`.
    HttpJson,
    /// `grpc`.
    Grpc,
}

impl OtlpProtocol {
    /// Parses an `OTEL_EXPORTER_OTLP_PROTOCOL` value.
    pub fn parse(value: &str) -> Option<OtlpProtocol> {
        match value.trim().to_ascii_lowercase().as_str() {
            "http/protobuf" => Some(OtlpProtocol::HttpProtobuf),
            "http/json" => Some(OtlpProtocol::HttpJson),
            "grpc" => Some(OtlpProtocol::Grpc),
            _ => None,
        }
    }

    /// The protocol the environment asks for (`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, then
    /// `OTEL_EXPORTER_OTLP_PROTOCOL`), else http/protobuf.
    pub fn from_env() -> Result<OtlpProtocol, String> {
        for var in [
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ] {
            if let Ok(value) = std::env::var(var) {
                if value.trim().is_empty() {
                    continue;
                }
                return OtlpProtocol::parse(&value).ok_or_else(|| {
                    format!("{var}={value} is not one of grpc, http/protobuf, http/json")
                });
            }
        }
        Ok(OtlpProtocol::HttpProtobuf)
    }
}

/// One OTLP destination. Anything not set comes from the `OTEL_EXPORTER_OTLP_*`
/// variables, then from the defaults (`http://localhost:4318`, `http://localhost:4317`
/// for gRPC; each export, retries included, bounded by the builder's
/// `export_retry_for`, 30 s by default).
///
/// ```
/// use crux::export::{Otlp, OtlpProtocol};
/// let honeycomb = Otlp::new()
///     .protocol(OtlpProtocol::HttpProtobuf)
///     .endpoint("https://api.honeycomb.io")
///     .header("x-honeycomb-team", "YOUR_API_KEY");
/// # let _ = honeycomb;
/// ```
#[derive(Clone, Debug, Default)]
pub struct Otlp {
    pub(crate) protocol: Option<OtlpProtocol>,
    pub(crate) endpoint: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) gzip: bool,
    pub(crate) retries: bool,
    /// Whether this destination also receives the GenAI metrics (not the devtools or the
    /// URL exporter, which take traces only).
    pub(crate) metrics: bool,
    /// Whether a backlog may leave several batches at once (not to the devtools or a URL,
    /// which take one batch at a time).
    pub(crate) concurrent: bool,
}

impl Otlp {
    /// A destination configured by the environment.
    pub fn new() -> Otlp {
        Otlp {
            retries: true,
            metrics: true,
            concurrent: true,
            ..Otlp::default()
        }
    }

    /// The wire protocol.
    pub fn protocol(mut self, protocol: OtlpProtocol) -> Otlp {
        self.protocol = Some(protocol);
        self
    }

    /// The collector: a base URL (`http://host:4318`; `/v1/traces` is appended for HTTP)
    /// or the full traces URL.
    pub fn endpoint(mut self, url: impl Into<String>) -> Otlp {
        self.endpoint = Some(url.into());
        self
    }

    /// A header (HTTP) or metadata entry (gRPC) sent with every export, e.g. an API key.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Otlp {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// How long one export may take, retries included (0 is an install error).
    pub fn timeout(mut self, timeout: Duration) -> Otlp {
        self.timeout = Some(timeout);
        self
    }

    /// Compresses exports with gzip.
    pub fn gzip(mut self) -> Otlp {
        self.gzip = true;
        self
    }

    /// Sends traces only: the GenAI metrics go elsewhere (a destination without a
    /// metrics intake).
    pub(crate) fn traces_only(mut self) -> Otlp {
        self.metrics = false;
        self
    }

    /// Sends one batch at a time.
    pub(crate) fn one_batch_at_a_time(mut self) -> Otlp {
        self.concurrent = false;
        self
    }

    /// Retries a failed batch with backoff before counting it failed (on by default).
    pub fn retries(mut self, on: bool) -> Otlp {
        self.retries = on;
        self
    }

    pub(crate) fn resolved_protocol(&self) -> Result<OtlpProtocol, String> {
        match self.protocol {
            Some(p) => Ok(p),
            None => OtlpProtocol::from_env(),
        }
    }

    /// The endpoint to hand to the exporter: HTTP wants the full traces URL.
    fn endpoint_for(&self, protocol: OtlpProtocol) -> Option<String> {
        let url = self.endpoint.as_ref()?.trim_end_matches('/').to_owned();
        if protocol == OtlpProtocol::Grpc {
            return Some(url);
        }
        let after_scheme = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
        Some(if after_scheme.contains('/') {
            url
        } else {
            format!("{url}/v1/traces")
        })
    }

    /// The exporter's own retry policy: backoff up to `retry_for` (it re-sends the encoded
    /// batch; crux's batch processor makes one call per batch).
    fn retry_policy(&self, retry_for: Duration) -> opentelemetry_otlp::RetryPolicy {
        if !self.retries || retry_for.is_zero() {
            return opentelemetry_otlp::RetryPolicy::disabled();
        }
        opentelemetry_otlp::RetryPolicy::recommended()
            .with_max_retries(64)
            .with_initial_delay(Duration::from_millis(100))
            // At most a second between attempts, so a collector that is back is found
            // within a second, before the queue behind the batch fills.
            .with_max_delay(Duration::from_secs(1))
    }

    /// The time one export may take, retries included: the builder's timeout, else
    /// the environment's (`None` here lets the exporter read `OTEL_EXPORTER_OTLP_*TIMEOUT`,
    /// which a timeout set in code would override), else the retry window.
    fn export_timeout(&self, retry_for: Duration, env_timeout: bool) -> Option<Duration> {
        match (
            self.timeout,
            env_timeout,
            self.retries && !retry_for.is_zero(),
        ) {
            (Some(t), _, _) => Some(t),
            (None, false, true) => Some(retry_for),
            _ => None,
        }
    }

    /// Checks what the exporter would otherwise silently ignore or fail on at every
    /// export: the endpoint, and the headers, timeout and compression variables. Each
    /// error names the setting and its value (header values, often secrets, excepted).
    fn validate(&self) -> Result<(), String> {
        match &self.endpoint {
            Some(url) => {
                check_endpoint(url).map_err(|e| format!("Otlp::endpoint({url:?}): {e}"))?
            }
            None => {
                if let Some((var, url)) = env::first(&[
                    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                    "OTEL_EXPORTER_OTLP_ENDPOINT",
                ]) {
                    check_endpoint(&url).map_err(|e| format!("{var}={url}: {e}"))?;
                }
            }
        }
        if self.timeout == Some(Duration::ZERO) {
            return Err("Otlp::timeout(0s): every export would time out at once".into());
        }
        for (name, value) in &self.headers {
            check_header(name, value).map_err(|e| format!("Otlp::header({name:?}, ..): {e}"))?;
        }
        for var in [
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
            "OTEL_EXPORTER_OTLP_HEADERS",
        ] {
            if let Some(headers) = env::value(var) {
                check_headers(&headers).map_err(|e| format!("{var}: {e}"))?;
            }
        }
        for var in [
            "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
            "OTEL_EXPORTER_OTLP_TIMEOUT",
        ] {
            env::millis(var, 1)?;
        }
        for var in [
            "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
            "OTEL_EXPORTER_OTLP_COMPRESSION",
        ] {
            if let Some(value) = env::value(var) {
                if !matches!(value.to_ascii_lowercase().as_str(), "gzip" | "none") {
                    return Err(format!("{var}={value} is not one of gzip, none"));
                }
            }
        }
        Ok(())
    }

    pub(crate) fn build(
        &self,
        retry_for: Duration,
    ) -> Result<(opentelemetry_otlp::SpanExporter, OtlpProtocol), String> {
        use opentelemetry_otlp::{Compression, Protocol, WithExportConfig, WithHttpConfig};
        self.validate()?;
        let protocol = self.resolved_protocol()?;
        let endpoint = self.endpoint_for(protocol);
        let built = match protocol {
            OtlpProtocol::HttpProtobuf | OtlpProtocol::HttpJson => {
                let mut b = opentelemetry_otlp::SpanExporter::builder()
                    .with_http()
                    .with_protocol(if protocol == OtlpProtocol::HttpJson {
                        Protocol::HttpJson
                    } else {
                        Protocol::HttpBinary
                    });
                if let Some(url) = endpoint {
                    b = b.with_endpoint(url);
                }
                if let Some(t) = self.export_timeout(retry_for, env_timeout_set()) {
                    b = b.with_timeout(t);
                }
                if !self.headers.is_empty() {
                    b = b.with_headers(self.headers.iter().cloned().collect());
                }
                if self.gzip {
                    b = b.with_compression(Compression::Gzip);
                }
                b.with_retry_policy(self.retry_policy(retry_for)).build()
            }
            OtlpProtocol::Grpc => self.build_grpc(endpoint, retry_for)?,
        };
        built
            .map(|e| (e, protocol))
            .map_err(|e| format!("cannot build the OTLP exporter: {e}"))
    }

    #[cfg(feature = "grpc")]
    fn build_grpc(
        &self,
        endpoint: Option<String>,
        retry_for: Duration,
    ) -> Result<
        Result<opentelemetry_otlp::SpanExporter, opentelemetry_otlp::ExporterBuildError>,
        String,
    > {
        use opentelemetry_otlp::{Compression, WithExportConfig, WithTonicConfig};
        let mut b = opentelemetry_otlp::SpanExporter::builder().with_tonic();
        if let Some(url) = endpoint {
            b = b.with_endpoint(url);
        }
        if let Some(t) = self.export_timeout(retry_for, env_timeout_set()) {
            b = b.with_timeout(t);
        }
        if !self.headers.is_empty() {
            b = b.with_metadata(grpc_metadata(&self.headers)?);
        }
        if self.gzip {
            b = b.with_compression(Compression::Gzip);
        }
        Ok(b.with_retry_policy(self.retry_policy(retry_for)).build())
    }

    #[cfg(not(feature = "grpc"))]
    fn build_grpc(
        &self,
        _endpoint: Option<String>,
        _retry_for: Duration,
    ) -> Result<
        Result<opentelemetry_otlp::SpanExporter, opentelemetry_otlp::ExporterBuildError>,
        String,
    > {
        Err("OTLP gRPC needs crux's `grpc` feature".into())
    }
}

/// An endpoint the exporter can send to: `http` or `https`, a host, a port that fits.
fn check_endpoint(url: &str) -> Result<(), String> {
    let uri: http::Uri = url.parse().map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err("the scheme must be http:// or https://".into());
    }
    let authority = uri
        .authority()
        .filter(|a| !a.host().is_empty())
        .ok_or("there is no host")?;
    if let Some(port) = authority
        .as_str()
        .rsplit_once(':')
        .and_then(|(host, port)| {
            // An IPv6 host has colons of its own; only what follows `]` is a port.
            (!host.contains('[') || host.ends_with(']')).then_some(port)
        })
    {
        if !matches!(port.parse::<u16>(), Ok(1..)) {
            return Err(format!("the port {port} is not between 1 and 65535"));
        }
    }
    Ok(())
}

/// `OTEL_EXPORTER_OTLP_HEADERS`: `key=value` entries separated by commas, values
/// percent-encoded.
fn check_headers(headers: &str) -> Result<(), String> {
    for (i, entry) in headers.split(',').map(str::trim).enumerate() {
        if entry.is_empty() {
            continue;
        }
        let (name, value) = entry.split_once('=').ok_or_else(|| {
            format!(
                "entry {} has no `=` (entries are key=value, separated by commas)",
                i + 1
            )
        })?;
        let value = percent_decode(value.trim())
            .ok_or_else(|| format!("the value of {} is not valid percent-encoding", name.trim()))?;
        check_header(name.trim(), &value)?;
    }
    Ok(())
}

/// A header HTTP and gRPC can carry: a valid name, a non-empty value.
fn check_header(name: &str, value: &str) -> Result<(), String> {
    http::HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes())
        .map_err(|_| format!("`{name}` is not a valid header name"))?;
    if value.is_empty() {
        return Err(format!("the header {name} has an empty value"));
    }
    http::HeaderValue::from_str(value)
        .map_err(|_| format!("the value of {name} has characters a header cannot carry"))?;
    Ok(())
}

/// Decodes `%XX` escapes; `None` when one is malformed or the result is not UTF-8.
fn percent_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

impl Otlp {
    /// The metrics' protocol: the builder's, else `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL`,
    /// else the traces' resolution.
    fn metrics_protocol(&self) -> Result<OtlpProtocol, String> {
        if let Some(p) = self.protocol {
            return Ok(p);
        }
        match std::env::var("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL") {
            Ok(v) if !v.trim().is_empty() => OtlpProtocol::parse(&v).ok_or_else(|| {
                format!("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL={v} is not one of grpc, http/protobuf, http/json")
            }),
            _ => OtlpProtocol::from_env(),
        }
    }

    /// The metrics endpoint for an endpoint set in code: over HTTP the same collector's
    /// `/v1/metrics`. Unset, the exporter reads `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`, then
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`.
    fn metrics_endpoint_for(&self, protocol: OtlpProtocol) -> Option<String> {
        let url = self.endpoint.as_ref()?.trim_end_matches('/');
        if protocol == OtlpProtocol::Grpc {
            return Some(url.to_owned());
        }
        let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
        let authority = rest.split('/').next().unwrap_or(rest);
        Some(format!("{scheme}://{authority}/v1/metrics"))
    }

    /// The OTLP metric exporter of this destination: the same protocol, collector,
    /// headers, timeout and compression as its traces, with the metrics' own variables
    /// (`OTEL_EXPORTER_OTLP_METRICS_*`) where nothing is set in code.
    pub(crate) fn build_metrics(&self) -> Result<opentelemetry_otlp::MetricExporter, String> {
        use opentelemetry_otlp::{Compression, Protocol, WithExportConfig, WithHttpConfig};
        let protocol = self.metrics_protocol()?;
        let endpoint = self.metrics_endpoint_for(protocol);
        let built = match protocol {
            OtlpProtocol::HttpProtobuf | OtlpProtocol::HttpJson => {
                let mut b = opentelemetry_otlp::MetricExporter::builder()
                    .with_http()
                    .with_protocol(if protocol == OtlpProtocol::HttpJson {
                        Protocol::HttpJson
                    } else {
                        Protocol::HttpBinary
                    });
                if let Some(url) = endpoint {
                    b = b.with_endpoint(url);
                }
                if let Some(t) = self.timeout {
                    b = b.with_timeout(t);
                }
                if !self.headers.is_empty() {
                    b = b.with_headers(self.headers.iter().cloned().collect());
                }
                if self.gzip {
                    b = b.with_compression(Compression::Gzip);
                }
                b.build()
            }
            OtlpProtocol::Grpc => self.build_grpc_metrics(endpoint)?,
        };
        built.map_err(|e| format!("cannot build the OTLP metric exporter: {e}"))
    }

    #[cfg(feature = "grpc")]
    fn build_grpc_metrics(
        &self,
        endpoint: Option<String>,
    ) -> Result<
        Result<opentelemetry_otlp::MetricExporter, opentelemetry_otlp::ExporterBuildError>,
        String,
    > {
        use opentelemetry_otlp::{Compression, WithExportConfig, WithTonicConfig};
        let mut b = opentelemetry_otlp::MetricExporter::builder().with_tonic();
        if let Some(url) = endpoint {
            b = b.with_endpoint(url);
        }
        if let Some(t) = self.timeout {
            b = b.with_timeout(t);
        }
        if !self.headers.is_empty() {
            b = b.with_metadata(grpc_metadata(&self.headers)?);
        }
        if self.gzip {
            b = b.with_compression(Compression::Gzip);
        }
        Ok(b.build())
    }

    #[cfg(not(feature = "grpc"))]
    fn build_grpc_metrics(
        &self,
        _endpoint: Option<String>,
    ) -> Result<
        Result<opentelemetry_otlp::MetricExporter, opentelemetry_otlp::ExporterBuildError>,
        String,
    > {
        Err("OTLP gRPC needs crux's `grpc` feature".into())
    }
}

/// Headers as gRPC metadata.
#[cfg(feature = "grpc")]
fn grpc_metadata(headers: &[(String, String)]) -> Result<tonic::metadata::MetadataMap, String> {
    let mut metadata = tonic::metadata::MetadataMap::new();
    for (k, v) in headers {
        let key = tonic::metadata::MetadataKey::from_bytes(k.to_ascii_lowercase().as_bytes())
            .map_err(|e| format!("invalid gRPC metadata name {k}: {e}"))?;
        let value = v
            .parse()
            .map_err(|e| format!("invalid gRPC metadata value for {k}: {e}"))?;
        metadata.insert(key, value);
    }
    Ok(metadata)
}

/// Whether the environment sets the OTLP export timeout.
fn env_timeout_set() -> bool {
    [
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        "OTEL_EXPORTER_OTLP_TIMEOUT",
    ]
    .iter()
    .any(|var| std::env::var(var).is_ok_and(|v| !v.trim().is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeout_comes_from_the_builder_then_the_environment_then_the_retry_window() {
        let window = Duration::from_secs(10);
        let given = Otlp::new().timeout(Duration::from_secs(3));
        assert_eq!(
            given.export_timeout(window, true),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            Otlp::new().export_timeout(window, true),
            None,
            "the exporter reads the env"
        );
        assert_eq!(Otlp::new().export_timeout(window, false), Some(window));
        assert_eq!(
            Otlp::new().retries(false).export_timeout(window, false),
            None
        );
    }

    #[test]
    fn http_endpoints_get_the_traces_path_once() {
        let otlp = Otlp::new().endpoint("http://collector:4318");
        assert_eq!(
            otlp.endpoint_for(OtlpProtocol::HttpProtobuf).unwrap(),
            "http://collector:4318/v1/traces"
        );
        let otlp = Otlp::new().endpoint("https://otlp.example/v1/traces/");
        assert_eq!(
            otlp.endpoint_for(OtlpProtocol::HttpJson).unwrap(),
            "https://otlp.example/v1/traces"
        );
        let otlp = Otlp::new().endpoint("http://collector:4317");
        assert_eq!(
            otlp.endpoint_for(OtlpProtocol::Grpc).unwrap(),
            "http://collector:4317"
        );
    }

    #[test]
    fn unusable_endpoints_are_told_apart_from_usable_ones() {
        for good in [
            "http://localhost:4318",
            "https://api.honeycomb.io",
            "http://127.0.0.1:4318/v1/traces",
            "http://[::1]:4317",
            "http://[::1]",
        ] {
            assert_eq!(check_endpoint(good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("http://", "not a URL"),
            ("http://127.0.0.1:99999", "port 99999"),
            ("http://127.0.0.1:0", "port 0"),
            ("localhost:4318", "scheme"),
            ("ftp://collector", "scheme"),
        ] {
            let error = check_endpoint(bad).expect_err(bad);
            assert!(error.contains(why), "{bad}: {error}");
        }
    }

    #[test]
    fn header_lists_must_be_key_value_entries() {
        assert_eq!(check_headers("api-key=abc, x-team=a%20b,"), Ok(()));
        assert!(check_headers("api-key:abc")
            .unwrap_err()
            .contains("entry 1 has no `=`"));
        assert!(check_headers("a=1,bad key=2")
            .unwrap_err()
            .contains("`bad key`"));
        assert!(check_headers("a=%zz")
            .unwrap_err()
            .contains("percent-encoding"));
        assert!(check_headers("a=").unwrap_err().contains("empty value"));
    }

    #[test]
    fn metrics_go_to_the_same_collector() {
        for traces in ["http://collector:4318", "http://collector:4318/v1/traces"] {
            let otlp = Otlp::new().endpoint(traces);
            assert_eq!(
                otlp.metrics_endpoint_for(OtlpProtocol::HttpProtobuf)
                    .unwrap(),
                "http://collector:4318/v1/metrics"
            );
        }
        let otlp = Otlp::new().endpoint("http://collector:4317");
        assert_eq!(
            otlp.metrics_endpoint_for(OtlpProtocol::Grpc).unwrap(),
            "http://collector:4317"
        );
        assert_eq!(
            Otlp::new().metrics_endpoint_for(OtlpProtocol::HttpJson),
            None
        );
    }

    #[test]
    fn protocols_parse_like_the_specification() {
        assert_eq!(OtlpProtocol::parse("GRPC"), Some(OtlpProtocol::Grpc));
        assert_eq!(
            OtlpProtocol::parse("http/json"),
            Some(OtlpProtocol::HttpJson)
        );
        assert_eq!(
            OtlpProtocol::parse("http/protobuf"),
            Some(OtlpProtocol::HttpProtobuf)
        );
        assert_eq!(OtlpProtocol::parse("thrift"), None);
    }
}
