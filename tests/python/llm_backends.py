"""Reads back what an LLM backend made of crux's traces, through the backend's own API,
and prints it as one JSON document for tests/tests/llm_backends.rs to assert on.

    python llm_backends.py phoenix <base url> <project name>
    python llm_backends.py mlflow <tracking uri> <experiment id>   (with MLflow's Python)

Output: {"traces": [{"trace_id", "root", "input", "output", "tokens_in", "tokens_out",
"cost", "session", "user", "metadata", "spans": [{"name", "kind", "cost"}]}],
"sessions": [{"id", "first_input", "last_output"}]}. Nothing here decides whether the
result is right: the Rust test does.
"""

import json
import sys
import urllib.request


def phoenix(base, project):
    def gql(query, variables):
        body = json.dumps({"query": query, "variables": variables}).encode()
        request = urllib.request.Request(
            base + "/graphql", data=body, headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.load(response)
        if answer.get("errors"):
            raise SystemExit("graphql errors: %s" % answer["errors"])
        return answer["data"]

    projects = gql("{ projects { edges { node { id name } } } }", {})["projects"]["edges"]
    ids = [e["node"]["id"] for e in projects if e["node"]["name"] == project]
    if not ids:
        return {"traces": [], "sessions": []}
    query = """query($id: ID!) { node(id: $id) { ... on Project {
      sessions(first: 100) { edges { node { sessionId firstInput { value } lastOutput { value } } } }
      spans(first: 1000) { edges { node {
        name spanKind parentId metadata
        cumulativeTokenCountPrompt cumulativeTokenCountCompletion
        input { value } output { value }
        costSummary { total { cost } }
        trace { traceId userId session { sessionId } costSummary { total { cost } } }
      } } }
    } } }"""
    node = gql(query, {"id": ids[0]})["node"]
    traces = {}
    for edge in node["spans"]["edges"]:
        span = edge["node"]
        trace = span["trace"]
        entry = traces.setdefault(trace["traceId"], {"trace_id": trace["traceId"], "spans": []})
        entry["spans"].append(
            {
                "name": span["name"],
                "kind": span["spanKind"].upper(),
                "cost": (span["costSummary"] or {}).get("total", {}).get("cost"),
            }
        )
        if span["parentId"] is None:
            entry.update(
                root=span["name"],
                input=(span["input"] or {}).get("value"),
                output=(span["output"] or {}).get("value"),
                tokens_in=span["cumulativeTokenCountPrompt"],
                tokens_out=span["cumulativeTokenCountCompletion"],
                cost=trace["costSummary"]["total"]["cost"],
                session=(trace["session"] or {}).get("sessionId"),
                user=trace["userId"],
                metadata=span["metadata"],
            )
    sessions = [
        {
            "id": e["node"]["sessionId"],
            "first_input": (e["node"]["firstInput"] or {}).get("value"),
            "last_output": (e["node"]["lastOutput"] or {}).get("value"),
        }
        for e in node["sessions"]["edges"]
    ]
    return {"traces": list(traces.values()), "sessions": sessions}


def mlflow_traces(uri, experiment):
    import mlflow

    mlflow.set_tracking_uri(uri)
    out = []
    sessions = {}
    for trace in mlflow.search_traces(locations=[experiment], return_type="list"):
        info = trace.info
        usage = info.token_usage or {}
        cost = info.trace_metadata.get("mlflow.trace.cost")
        session = info.trace_metadata.get("mlflow.trace.session")
        root = next((s for s in trace.data.spans if s.parent_id is None), None)
        spans = [
            {
                "name": s.name,
                "kind": s.span_type or "UNKNOWN",
                "cost": (s.get_attribute("mlflow.llm.cost") or {}).get("total_cost"),
            }
            for s in trace.data.spans
        ]
        out.append(
            {
                "trace_id": info.trace_id,
                "root": root.name if root else None,
                "input": info.request_preview,
                "output": info.response_preview,
                "tokens_in": usage.get("input_tokens"),
                "tokens_out": usage.get("output_tokens"),
                "cost": json.loads(cost)["total_cost"] if cost else None,
                "session": session,
                "user": info.trace_metadata.get("mlflow.trace.user"),
                "metadata": None,
                "spans": spans,
            }
        )
        if session:
            sessions.setdefault(session, {"id": session, "first_input": None, "last_output": None})
    return {"traces": out, "sessions": list(sessions.values())}


if __name__ == "__main__":
    backend, where, which = sys.argv[1:4]
    result = phoenix(where, which) if backend == "phoenix" else mlflow_traces(where, which)
    json.dump(result, sys.stdout)
