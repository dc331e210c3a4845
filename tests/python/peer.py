"""The other side of crux's propagation interop test, using the OpenTelemetry Python SDK.

    peer.py child   reads W3C headers (JSON) on stdin, starts a span under them, prints
                    its ids, its parent's id and the baggage it received (JSON).
    peer.py parent  starts a root span, prints its ids and the headers it injects (JSON).
"""

import json
import sys

from opentelemetry import baggage, trace
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

propagator = CompositePropagator([TraceContextTextMapPropagator(), W3CBaggagePropagator()])
tracer = TracerProvider().get_tracer("crux-interop-peer")


def ids(span):
    context = span.get_span_context()
    return {"trace_id": format(context.trace_id, "032x"), "span_id": format(context.span_id, "016x")}


if sys.argv[1] == "child":
    carrier = json.load(sys.stdin)
    parent = propagator.extract(carrier)
    with tracer.start_as_current_span("python.child", context=parent) as span:
        out = ids(span)
        out["parent_span_id"] = format(span.parent.span_id, "016x") if span.parent else None
        out["parent_is_remote"] = bool(span.parent and span.parent.is_remote)
        out["baggage"] = dict(baggage.get_all(parent))
else:
    with tracer.start_as_current_span("python.parent") as span:
        carrier = {}
        ctx = baggage.set_baggage("tenant", "acme")
        propagator.inject(carrier, context=trace.set_span_in_context(span, ctx))
        out = ids(span)
        out["headers"] = carrier
print(json.dumps(out))
