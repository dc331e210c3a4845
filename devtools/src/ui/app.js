// Crux devtools UI: the trace list at `/`, one trace at `/trace/<id>`. Plain DOM, no
// dependencies; every value from a trace is inserted as text, never as HTML.
"use strict";

const POLL_MS = 1000;

// h("td", {class: "num"}, "text", childNode, ...)
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "style") el.setAttribute("style", v);
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function fmtDuration(ns) {
  const us = ns / 1e3;
  if (us < 1000) return us.toFixed(0) + "µs";
  if (us < 1e6) return (us / 1e3).toFixed(1) + "ms";
  return (us / 1e6).toFixed(2) + "s";
}
const fmtCost = (usd) => (usd > 0 ? "$" + usd.toFixed(5) : "");
const fmtTokens = (i, o) => (i + o > 0 ? `${i} in / ${o} out` : "");
const fmtTime = (ns) => new Date(ns / 1e6).toLocaleTimeString();
const show = (v) => (typeof v === "string" ? v : JSON.stringify(v));

async function getJson(url) {
  const r = await fetch(url, { cache: "no-store" });
  if (!r.ok) throw new Error(`${r.status} ${(await r.text()).trim()}`);
  return r.json();
}

function setLive(text) {
  document.getElementById("live").textContent = text;
}

// ---------------------------------------------------------------- the trace list

function listPage(app) {
  const params = new URLSearchParams(location.search);
  const input = (name, placeholder) =>
    h("input", { type: "text", name, placeholder, value: params.get(name) || "" });
  const form = h("form", { class: "filters", id: "filters" },
    input("session", "session id"), input("user", "user id"), input("flow", "flow id or name"),
    h("label", {}, h("input", { type: "checkbox", name: "error", checked: params.get("error") === "1" }), " errors only"),
    h("button", { type: "submit" }, "Filter"),
    h("a", { href: "/" }, "clear"));
  const body = h("tbody", { id: "traces" });
  const table = h("table", { class: "panel" },
    h("thead", {}, h("tr", {},
      h("th", {}, "Started"), h("th", {}, "Trace"), h("th", {}, "Flow"), h("th", {}, "Session"),
      h("th", {}, "User"), h("th", { class: "num" }, "Duration"), h("th", { class: "num" }, "Spans"),
      h("th", { class: "num" }, "Tokens"), h("th", { class: "num" }, "Cost"), h("th", { class: "num" }, "Errors"))),
    body);
  app.replaceChildren(form, table);

  const query = () => {
    const q = new URLSearchParams();
    for (const name of ["session", "user", "flow"]) {
      const v = form.elements[name].value.trim();
      if (v) q.set(name, v);
    }
    if (form.elements.error.checked) q.set("error", "1");
    return q.toString();
  };
  // What the table shows: the query and the store's revision. Asking with `since` gets
  // no traces back while nothing changed, so an idle page costs the server nothing.
  let shown = { q: null, revision: null, count: 0 };
  async function refresh() {
    const q = query();
    const since = shown.q === q ? "since=" + shown.revision : "";
    const params = [q, since].filter((p) => p).join("&");
    try {
      const list = await getJson("/api/traces" + (params ? "?" + params : ""));
      if (list.traces) {
        shown = { q, revision: list.revision, count: list.traces.length };
        renderRows(body, list.traces);
      }
      setLive(`live · ${shown.count} trace${shown.count === 1 ? "" : "s"}`);
    } catch (e) {
      setLive("disconnected: " + e.message);
    }
  }
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = query();
    history.replaceState(null, "", q ? "/?" + q : "/");
    refresh();
  });
  form.elements.error.addEventListener("change", () => form.requestSubmit());
  refresh();
  setInterval(refresh, POLL_MS);
}

function renderRows(body, traces) {
  if (traces.length === 0) {
    body.replaceChildren(h("tr", {}, h("td", { colspan: 10, class: "empty" },
      "No traces yet. Send OTLP/HTTP to " + location.origin + "/v1/traces")));
    return;
  }
  body.replaceChildren(...traces.map((t) =>
    h("tr", { class: t.error_count > 0 ? "trace error" : "trace", "data-trace-id": t.trace_id },
      h("td", { class: "mono" }, fmtTime(t.start_ns)),
      h("td", {}, h("a", { href: "/trace/" + t.trace_id, class: "root" },
        h("b", {}, t.root_name), h("span", { class: "summary" }, t.root_summary)),
        t.service ? h("div", { class: "muted" }, t.service) : null),
      h("td", { class: "mono flow" }, t.flow_id || ""),
      h("td", { class: "mono" }, t.session_id || ""),
      h("td", { class: "mono" }, t.user_id || ""),
      h("td", { class: "num" }, fmtDuration(t.duration_ns)),
      h("td", { class: "num" }, t.span_count),
      h("td", { class: "num tokens" }, fmtTokens(t.tokens_in, t.tokens_out)),
      h("td", { class: "num cost" }, fmtCost(t.cost)),
      h("td", { class: "num" + (t.error_count ? " err" : "") }, t.error_count || ""))));
}

// ---------------------------------------------------------------- one trace

function tracePage(app, traceId) {
  let selected = decodeURIComponent(location.hash.replace(/^#span-/, "")) || null;
  let shownCount = -1;
  async function refresh() {
    try {
      const trace = await getJson("/api/traces/" + traceId);
      setLive("live");
      if (trace.spans.length === shownCount) return;
      shownCount = trace.spans.length;
      if (!selected || !trace.spans.some((s) => s.span_id === selected)) selected = trace.spans[0].span_id;
      renderTrace(app, trace, selected, (id) => {
        selected = id;
        history.replaceState(null, "", "#span-" + id);
      });
    } catch (e) {
      if (shownCount < 0) app.replaceChildren(h("p", { class: "empty" }, "Trace " + traceId + ": " + e.message));
      setLive("waiting: " + e.message);
    }
  }
  refresh();
  setInterval(refresh, POLL_MS * 2);
}

function renderTrace(app, trace, selected, onSelect) {
  const s = trace.summary;
  const t0 = s.start_ns;
  const total = Math.max(s.duration_ns, 1);
  const byId = new Map(trace.spans.map((v) => [v.span_id, v]));

  const header = h("section", {},
    h("div", { class: "muted" }, h("a", { href: "/" }, "← all traces"), "  ·  trace ", h("code", {}, s.trace_id)),
    h("h1", { id: "trace-title" }, s.root_name, h("span", { class: "muted" }, s.root_summary)),
    h("div", { class: "stats", id: "trace-stats" },
      h("span", {}, h("b", {}, s.span_count), " spans"),
      h("span", {}, h("b", {}, fmtDuration(s.duration_ns))),
      s.tokens_in + s.tokens_out > 0 ? h("span", { class: "tokens" }, "tokens ", h("b", {}, fmtTokens(s.tokens_in, s.tokens_out))) : null,
      s.cost > 0 ? h("span", { class: "cost" }, "cost ", h("b", {}, fmtCost(s.cost))) : null,
      s.error_count ? h("span", { class: "err" }, s.error_count + " error" + (s.error_count === 1 ? "" : "s")) : null,
      s.flow_id ? h("span", {}, "flow ", h("b", {}, s.flow_id)) : null,
      s.session_id ? h("span", {}, "session ", h("b", {}, s.session_id)) : null,
      s.service ? h("span", {}, "service ", h("b", {}, s.service)) : null),
    resumeLinks(trace, byId));

  const rows = trace.spans.map((v) => {
    const left = ((v.start_ns - t0) / total) * 100;
    const width = (Math.max(v.end_ns - v.start_ns, 0) / total) * 100;
    const kind = v.status_code === 2 ? "error" : v.kind === 3 ? "client" : v.name.startsWith("crux.tool.") ? "tool" : "";
    return h("div", {
      class: "row" + (v.status_code === 2 ? " error" : "") + (v.span_id === selected ? " selected" : ""),
      id: "span-" + v.span_id, "data-span-id": v.span_id,
      onclick: () => {
        onSelect(v.span_id);
        for (const r of document.querySelectorAll(".row.selected")) r.classList.remove("selected");
        document.getElementById("span-" + v.span_id).classList.add("selected");
        document.getElementById("details").replaceChildren(...details(v, t0));
      },
    },
      h("div", { class: "label", style: `padding-left:${v.depth * 14}px`, title: v.name + v.summary },
        h("span", { class: "span-name" }, v.name), h("span", { class: "summary" }, v.summary)),
      h("div", { class: "track" }, h("div", { class: "bar " + kind, style: `left:${left.toFixed(3)}%;width:${width.toFixed(3)}%` })),
      h("div", { class: "dur" }, fmtDuration(v.end_ns - v.start_ns)));
  });
  const waterfall = h("div", { class: "panel waterfall", id: "waterfall" },
    h("div", { class: "wf-head" }, h("span", {}, "span"),
      h("span", { class: "scale" }, h("span", {}, "0"), h("span", {}, fmtDuration(total / 2)), h("span", {}, fmtDuration(total))),
      h("span", { class: "dur" }, "duration")),
    ...rows);
  const current = byId.get(selected) || trace.spans[0];
  const panel = h("aside", { class: "panel details", id: "details" }, ...details(current, t0));

  app.replaceChildren(header,
    h("h2", {}, "Waterfall"), h("div", { class: "layout" }, waterfall, panel),
    toolLoop(trace, t0), conversations(trace));
  const el = document.getElementById("span-" + selected);
  if (el && location.hash) el.scrollIntoView({ block: "center" });
}

// The links of this trace's spans (a resumed flow → its suspended span) and the spans of
// other traces that link here (the suspended flow → where it was resumed).
function resumeLinks(trace, byId) {
  const out = [];
  for (const v of trace.spans) {
    for (const l of v.links) {
      const kind = l.attributes["crux.link.kind"];
      const text = kind === "resume" ? "↪ resumes the flow suspended in trace" : `↪ ${v.name} links (${kind || "link"}) to trace`;
      out.push(h("a", { class: "resume-link", href: `/trace/${l.trace_id}#span-${l.span_id}` },
        `${text} ${l.trace_id.slice(0, 8)}…`));
    }
  }
  for (const l of trace.linked_from) {
    const target = byId.get(l.linked_span_id);
    const text = l.kind === "resume" ? `↩ ${target ? target.name : "this flow"} was resumed in trace`
      : `↩ ${target ? target.name : "a span"} is linked (${l.kind || "link"}) from trace`;
    out.push(h("a", { class: "resume-link back", href: `/trace/${l.trace_id}#span-${l.span_id}` },
      `${text} ${l.trace_id.slice(0, 8)}…`));
  }
  return out.length ? h("div", { class: "links", id: "resume-links" }, ...out) : null;
}

function kv(map) {
  const keys = Object.keys(map).sort();
  if (keys.length === 0) return h("p", { class: "muted" }, "none");
  return h("table", {}, h("tbody", {}, keys.map((k) =>
    h("tr", {}, h("td", { class: "mono" }, k), h("td", { class: "mono" }, show(map[k]))))));
}

function details(v, t0) {
  const kinds = ["unspecified", "internal", "server", "client", "producer", "consumer"];
  const out = [
    h("h3", {}, v.name), v.summary ? h("div", { class: "muted" }, v.summary.trim()) : null,
    h("table", {}, h("tbody", {},
      h("tr", {}, h("td", {}, "span"), h("td", { class: "mono" }, v.span_id)),
      v.parent_span_id ? h("tr", {}, h("td", {}, "parent"), h("td", { class: "mono" }, v.parent_span_id)) : null,
      h("tr", {}, h("td", {}, "kind"), h("td", {}, kinds[v.kind] || v.kind)),
      h("tr", {}, h("td", {}, "start"), h("td", {}, "+" + fmtDuration(v.start_ns - t0))),
      h("tr", {}, h("td", {}, "duration"), h("td", {}, fmtDuration(v.end_ns - v.start_ns))),
      v.status_code ? h("tr", {}, h("td", {}, "status"), h("td", { class: v.status_code === 2 ? "err" : "" },
        (v.status_code === 2 ? "ERROR " : "OK ") + v.status_message)) : null)),
  ];
  const chat = chatOf(v);
  if (chat) out.push(h("h4", {}, "Messages"), chat);
  out.push(h("h4", {}, "Attributes"), kv(v.attributes));
  if (v.events.length) {
    out.push(h("h4", {}, "Events"), ...v.events.map((e) => h("div", { class: "event" },
      h("b", {}, e.name), h("span", { class: "muted" }, "  +" + fmtDuration(e.time_ns - t0)),
      Object.keys(e.attributes).length ? kv(e.attributes) : null)));
  }
  if (v.links.length) {
    out.push(h("h4", {}, "Links"), ...v.links.map((l) => h("div", { class: "event" },
      h("a", { href: `/trace/${l.trace_id}#span-${l.span_id}` }, `trace ${l.trace_id} span ${l.span_id}`),
      kv(l.attributes))));
  }
  return out;
}

// Captured content (`gen_ai.system_instructions`, `gen_ai.input.messages`,
// `gen_ai.output.messages`, semantic-convention JSON) as a chat.
function chatOf(v) {
  const parse = (key) => {
    const raw = v.attributes[key];
    if (raw === undefined) return [];
    try {
      const value = typeof raw === "string" ? JSON.parse(raw) : raw;
      return Array.isArray(value) ? value : [value];
    } catch (_) {
      return [{ role: "unparsed", parts: [{ type: "text", content: String(raw) }] }];
    }
  };
  const system = parse("gen_ai.system_instructions").map((p) => ({ role: "system", parts: [p] }));
  const messages = [...system, ...parse("gen_ai.input.messages"), ...parse("gen_ai.output.messages")];
  if (messages.length === 0) return null;
  return h("div", { class: "chat" }, messages.map((m) => {
    const role = String(m.role || "message");
    const parts = (m.parts || []).map((p) => {
      switch (p.type) {
        case "text": return show(p.content);
        case "tool_call": return `→ ${p.name}(${show(p.arguments ?? "")})  [${p.id || ""}]`;
        case "tool_call_response": return `← ${show(p.response ?? p.result ?? "")}  [${p.id || ""}]`;
        default: return show(p);
      }
    });
    return h("div", { class: "msg " + role },
      h("span", { class: "role" }, role + (m.finish_reason ? " · " + m.finish_reason : "")), parts.join("\n"));
  }));
}

// The tool loop of every use_reason span, in time order.
function toolLoop(trace, t0) {
  const events = [];
  for (const v of trace.spans) {
    for (const e of v.events) if (e.name.startsWith("use_reason.")) events.push([v, e]);
  }
  if (events.length === 0) return null;
  events.sort((a, b) => a[1].time_ns - b[1].time_ns);
  const a = (e, k) => (e.attributes[k] === undefined ? "" : show(e.attributes[k]));
  return h("section", { id: "tool-loop" }, h("h2", {}, "Tool loop"),
    h("table", { class: "panel toolloop" },
      h("thead", {}, h("tr", {}, h("th", { class: "num" }, "at"), h("th", {}, "event"), h("th", { class: "num" }, "step"),
        h("th", {}, "tool"), h("th", {}, "call id"), h("th", {}, "error"))),
      h("tbody", {}, events.map(([v, e]) => h("tr", {},
        h("td", { class: "num" }, "+" + fmtDuration(e.time_ns - t0)),
        h("td", {}, h("a", { href: "#span-" + v.span_id, onclick: () => document.getElementById("span-" + v.span_id).click() },
          e.name.replace(/^use_reason\./, ""))),
        h("td", { class: "num" }, a(e, "crux.tool.step.index")),
        h("td", {}, a(e, "gen_ai.tool.name")),
        h("td", { class: "mono" }, a(e, "gen_ai.tool.call.id")),
        h("td", { class: a(e, "crux.tool.is_error") === "true" ? "err" : "" }, a(e, "crux.tool.is_error")))))));
}

// Every model call with captured messages, as chats, in time order.
function conversations(trace) {
  const chats = trace.spans
    .map((v) => [v, chatOf(v)])
    .filter(([, c]) => c)
    .sort((a, b) => a[0].start_ns - b[0].start_ns);
  if (chats.length === 0) return null;
  return h("section", { id: "conversations" }, h("h2", {}, "Messages"),
    ...chats.map(([v, c]) => h("div", { class: "panel", style: "padding:10px;margin-bottom:10px" },
      h("div", { class: "muted" }, h("b", {}, v.name), v.summary), c)));
}

// ---------------------------------------------------------------- routing

const app = document.getElementById("app");
const match = location.pathname.match(/^\/trace\/([0-9a-fA-F]{32})$/);
if (match) tracePage(app, match[1].toLowerCase());
else listPage(app);
