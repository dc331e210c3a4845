//! Futures and streams run with a crux span current on every poll.

use super::guard::SpanGuard;
use super::probes::StreamReaders;
use crate::attributes as key;
use crate::core::span::Span;
use crate::families::generate::stream::StreamedResponse;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::Instant;

impl SpanGuard {
    /// Wraps `future` so that this span is current on every poll.
    #[inline]
    pub fn instrument<F: Future>(&self, future: F) -> Instrumented<'_, F> {
        Instrumented {
            guard: self,
            future,
        }
    }
}

pin_project_lite::pin_project! {
    /// A future run with a crux span current on every poll; see [`SpanGuard::instrument`].
    #[derive(Debug)]
    pub struct Instrumented<'a, F> {
        guard: &'a SpanGuard,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Instrumented<'_, F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        match this.guard.active() {
            None => this.future.poll(cx),
            Some(active) => {
                let future = this.future;
                active.run(|| future.poll(cx))
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// A stream whose span stays open until it is exhausted or dropped, recording the
    /// time to its first item (`gen_ai.response.time_to_first_chunk`), and what its
    /// items tell ([`crate::ModelStreamItem`]) when it ends; an `Err` item marks the span
    /// Error.
    #[derive(Debug)]
    pub struct InstrumentedStream<S: futures_core::Stream> {
        guard: Option<SpanGuard>,
        started: Instant,
        first_seen: bool,
        readers: StreamReaders<S::Item>,
        response: StreamedResponse,
        #[pin]
        stream: S,
    }

    impl<S: futures_core::Stream> PinnedDrop for InstrumentedStream<S> {
        fn drop(this: Pin<&mut Self>) {
            // Dropped before its end: what the items said so far is still the call's
            // record; the guard then ends the span as cancelled.
            let this = this.project();
            if let Some(guard) = this.guard.take() {
                record(&guard, this.response);
            }
        }
    }
}

impl<S: futures_core::Stream> InstrumentedStream<S> {
    /// Hands `guard` to `stream`: the span ends with the stream; `readers` read its items.
    pub fn new(
        guard: SpanGuard,
        stream: S,
        readers: StreamReaders<S::Item>,
    ) -> InstrumentedStream<S> {
        InstrumentedStream {
            guard: Some(guard),
            started: Instant::now(),
            first_seen: false,
            readers,
            response: StreamedResponse::default(),
            stream,
        }
    }
}

/// Records what the items told, once, on the stream's span.
fn record(guard: &SpanGuard, response: &mut StreamedResponse) {
    if guard.is_recording() && !response.is_empty() {
        Span::from_context(guard.context()).record_response(&std::mem::take(response));
    }
}

impl<S: futures_core::Stream> futures_core::Stream for InstrumentedStream<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        let Some(active) = this.guard.as_ref().and_then(SpanGuard::active) else {
            return this.stream.poll_next(cx);
        };
        let stream = this.stream;
        let polled = active.run(|| stream.poll_next(cx));
        match &polled {
            Poll::Ready(Some(item)) => {
                if !*this.first_seen {
                    *this.first_seen = true;
                    Span::from_context(active.cx.clone()).set_attribute(
                        key::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
                        &this.started.elapsed().as_secs_f64(),
                    );
                }
                (this.readers.data)(item, this.response);
                if let Some((error_type, message)) = (this.readers.error)(item) {
                    active.record_error(error_type, &message);
                }
            }
            Poll::Ready(None) => {
                if let Some(guard) = this.guard.take() {
                    record(&guard, this.response);
                    guard.end();
                }
            }
            Poll::Pending => {}
        }
        polled
    }
}
