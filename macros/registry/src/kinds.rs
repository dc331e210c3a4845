//! The kinds of span crux opens, and every span and event name it emits.
//!
//! The macros name a [`Kind`] in the callsite they generate and read a kind's [`Derived`]
//! keys to reject them in `attributes(..)`; the runtime dispatches on the same enum and
//! sets exactly those keys (its tests check the runtime against this table).

use crate::keys::*;

/// The kind of span a callsite opens; it decides the span's name, kind and defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `#[crux::flow]`: `crux.flow`.
    Flow,
    /// `#[crux::flow_step]`: `crux.flow.step`.
    FlowStep,
    /// `#[crux::tool]`: `crux.tool.<name>`.
    Tool,
    /// `#[crux::generate]`: `crux.generate`, a model call.
    Generate,
    /// `#[crux::delegate]`: `crux.delegate`, work handed to a remote agent.
    Delegate,
    /// `#[crux::agent]`: `crux.run`, one run of an agent.
    Run,
    /// `#[crux::use_reason]`: `crux.use_reason`, model passes and their tool loop.
    UseReason,
    /// `#[crux::composition]`: `crux.composition.<kind>`.
    Composition,
    /// `#[crux::memory]`: `crux.memory.read` / `crux.memory.write`.
    Memory,
    /// `#[crux::corpus_sync]`: `crux.corpus.sync`.
    CorpusSync,
    /// `#[crux::embedding]`: `crux.embedding`, a call to an embedding model.
    Embedding,
    /// `#[crux::retrieval]`: `crux.retrieval`, a query to a retriever.
    Retrieval,
    /// `#[crux::indexing]`: `crux.indexing`, sources written into an index.
    Indexing,
    /// `#[crux::ingest]`: `crux.ingest.parse`, one source parsed.
    Ingest,
    /// `#[crux::compact]`: `crux.compact`.
    Compact,
    /// `#[crux::judge]`: `crux.judge`.
    Judge,
    /// `#[crux::retrieval_stage]`: `crux.retrieval.stage`, one stage of a retrieval pipeline.
    RetrievalStage,
    /// `#[crux::workspace]`: `crux.workspace.<op>`, a file operation in the agent's workspace.
    Workspace,
    /// `#[crux::semantic_cache]`: `crux.semantic_cache.lookup`.
    SemanticCache,
    /// `#[crux::validation_retry]`: `crux.validation.retry`, attempts until output validates.
    ValidationRetry,
    /// `#[crux::router]`: `crux.router.select`, the choice of a model.
    Router,
    /// `#[crux::cascade]`: `crux.cascade.run`, tiers of models tried in turn.
    Cascade,
}

/// A key the runtime sets itself on one kind of span, so `attributes(..)` must not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Derived {
    /// Set when the span starts, whatever the arguments say.
    Set(&'static str),
    /// Filled when the span starts unless the argument recording it gave a value (a
    /// generated id, the function's name, `chat`).
    Default(&'static str),
    /// Copied when the span starts from the key `from`, which an argument records.
    Mirror {
        /// The key set.
        key: &'static str,
        /// The key it is copied from.
        from: &'static str,
    },
    /// Recorded when the span starts from the macro argument named `argument` (one that
    /// records no key of its own: a name, `tags(..)`, `messages = ..`, `prompt = ..`).
    Argument {
        /// The key set.
        key: &'static str,
        /// The argument's name.
        argument: &'static str,
    },
    /// Set when the span ends, from what the function returned or recorded.
    End(&'static str),
    /// Recorded only with content capture on, from the function's parameters (at start)
    /// or its value (at end).
    Captured(&'static str),
}

impl Derived {
    /// The key the runtime sets.
    pub const fn key(self) -> &'static str {
        match self {
            Derived::Set(key)
            | Derived::Default(key)
            | Derived::End(key)
            | Derived::Captured(key)
            | Derived::Mirror { key, .. }
            | Derived::Argument { key, .. } => key,
        }
    }
}

use Derived::{Argument, Captured, Default, End, Mirror, Set};

/// The OpenInference span kinds crux uses (`openinference.span.kind`): Arize Phoenix,
/// MLflow and other OpenInference readers classify a span by this before anything else.
pub mod openinference {
    /// An agent run, a reasoning loop, one agent of a composition, a delegation.
    pub const AGENT: &str = "AGENT";
    /// A step of work that groups others: flows, steps, compositions, bookkeeping.
    pub const CHAIN: &str = "CHAIN";
    /// A model call.
    pub const LLM: &str = "LLM";
    /// A tool call.
    pub const TOOL: &str = "TOOL";
    /// A query to a retriever.
    pub const RETRIEVER: &str = "RETRIEVER";
    /// A call to an embedding model.
    pub const EMBEDDING: &str = "EMBEDDING";
    /// A score given to an answer.
    pub const EVALUATOR: &str = "EVALUATOR";
    /// A check that lets work through or stops it (a tool call's approval).
    pub const GUARDRAIL: &str = "GUARDRAIL";
}

/// The keys a prompt's identity is recorded under, each with the identity part it comes
/// from (`#[prompt(name)]`, ...): `derive(Prompt)` and the runtime both read this.
pub const PROMPT_IDENTITY: &[(&str, &[&str])] = &[
    ("name", &[GEN_AI_PROMPT_NAME, CRUX_PROMPT_NAME]),
    ("version", &[GEN_AI_PROMPT_VERSION, CRUX_PROMPT_VERSION]),
    ("kind", &[GEN_AI_PROMPT_TYPE, CRUX_PROMPT_TYPE]),
    ("source", &[CRUX_PROMPT_SOURCE]),
    ("id", &[CRUX_PROMPT_ID]),
];

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 22] = [
        Kind::Flow,
        Kind::FlowStep,
        Kind::Tool,
        Kind::Generate,
        Kind::Delegate,
        Kind::Run,
        Kind::UseReason,
        Kind::Composition,
        Kind::Memory,
        Kind::CorpusSync,
        Kind::Embedding,
        Kind::Retrieval,
        Kind::Indexing,
        Kind::Ingest,
        Kind::Compact,
        Kind::Judge,
        Kind::RetrievalStage,
        Kind::Workspace,
        Kind::SemanticCache,
        Kind::ValidationRetry,
        Kind::Router,
        Kind::Cascade,
    ];

    /// Whether the span is an OpenTelemetry CLIENT span: calls that leave the process
    /// (models, retrievers, remote agents). The rest is INTERNAL.
    pub const fn is_client(self) -> bool {
        matches!(
            self,
            Kind::Generate | Kind::Delegate | Kind::Embedding | Kind::Retrieval
        )
    }

    /// The OpenInference span kind of this kind of span (`openinference.span.kind`), one
    /// static value per kind. Crux's own spans get theirs from [`spans::openinference_kind`].
    pub const fn openinference_kind(self) -> &'static str {
        use openinference::*;
        match self {
            Kind::Run | Kind::UseReason | Kind::Delegate => AGENT,
            Kind::Generate => LLM,
            Kind::Tool => TOOL,
            Kind::Embedding => EMBEDDING,
            Kind::Retrieval | Kind::RetrievalStage => RETRIEVER,
            Kind::Judge => EVALUATOR,
            Kind::ValidationRetry => GUARDRAIL,
            Kind::Workspace | Kind::SemanticCache | Kind::Router | Kind::Cascade => CHAIN,
            Kind::Flow
            | Kind::FlowStep
            | Kind::Composition
            | Kind::Memory
            | Kind::CorpusSync
            | Kind::Indexing
            | Kind::Ingest
            | Kind::Compact => CHAIN,
        }
    }

    /// The keys whose value names one span of this kind, in order of preference (a step's
    /// label, a flow's name, a model call's model, ...): appended to the span name under
    /// readable naming, so trace trees in backends tell the spans apart. Kinds whose span
    /// name already carries their name (tools, compositions, memory) have none.
    pub const fn label_keys(self) -> &'static [&'static str] {
        match self {
            Kind::Run => &[GEN_AI_AGENT_NAME],
            Kind::Flow => &[CRUX_FLOW_NAME],
            Kind::FlowStep => &[CRUX_STEP_LABEL],
            Kind::Generate | Kind::Embedding => &[GEN_AI_REQUEST_MODEL],
            Kind::UseReason => &[CRUX_REASON_ID, GEN_AI_REQUEST_MODEL],
            Kind::Retrieval => &[CRUX_RETRIEVER_ID],
            Kind::Delegate => &[CRUX_DELEGATE_ID],
            Kind::CorpusSync => &[CRUX_CORPUS_ID],
            Kind::Indexing => &[CRUX_INDEXER_ID],
            Kind::Ingest => &[CRUX_INGEST_PARSER],
            Kind::Judge => &[CRUX_JUDGE_METRIC],
            Kind::Compact => &[CRUX_COMPACTION_REASON],
            Kind::RetrievalStage => &[CRUX_RETRIEVAL_STAGE_NAME],
            Kind::Router => &[CRUX_ROUTER_NAME],
            Kind::Cascade => &[CRUX_CASCADE_ID],
            Kind::ValidationRetry => &[CRUX_VALIDATION_RETRY_ID],
            Kind::Tool
            | Kind::Composition
            | Kind::Memory
            | Kind::Workspace
            | Kind::SemanticCache => &[],
        }
    }

    /// Keys the runtime sets on every kind of span.
    pub const COMMON: &'static [Derived] = &[Set(OPENINFERENCE_SPAN_KIND)];

    /// The keys the runtime sets itself on this kind of span, besides [`Kind::COMMON`].
    pub const fn derived(self) -> &'static [Derived] {
        match self {
            Kind::Tool => &[
                Default(CRUX_TOOL_CALL_ID),
                Default(GEN_AI_TOOL_DESCRIPTION),
                Set(CRUX_TOOL_NAME),
                Set(GEN_AI_TOOL_NAME),
                Set(GEN_AI_OPERATION_NAME),
                Set(GEN_AI_TOOL_TYPE),
                Mirror {
                    key: GEN_AI_TOOL_CALL_ID,
                    from: CRUX_TOOL_CALL_ID,
                },
                End(CRUX_TOOL_MODEL_OUTPUT_TYPE),
                End(CRUX_TOOL_OUTPUT_SIZE),
                End(CRUX_TOOL_MODEL_OUTPUT_SIZE),
                End(CRUX_TOOL_TOKEN_SAVINGS_ESTIMATE),
                End(GEN_AI_TOOL_CALL_RESULT),
            ],
            Kind::Flow => &[
                Default(CRUX_FLOW_NAME),
                Default(CRUX_FLOW_ID),
                Set(CRUX_FLOW_STARTED_AT),
                Set(CRUX_FLOW_PARENT_ID),
                Set(CRUX_FLOW_SUSPEND_POINT),
                Set(CRUX_FLOW_SUSPENDED_MS),
                Set(GEN_AI_OPERATION_NAME),
                Mirror {
                    key: GEN_AI_WORKFLOW_NAME,
                    from: CRUX_FLOW_NAME,
                },
                End(CRUX_COST_TOTAL),
                Captured(INPUT_VALUE),
                Captured(INPUT_MIME_TYPE),
                Captured(OUTPUT_VALUE),
                Captured(OUTPUT_MIME_TYPE),
            ],
            Kind::FlowStep => &[
                Default(CRUX_STEP_ID),
                Default(CRUX_STEP_LABEL),
                Set(CRUX_FLOW_ID),
                Set(CODE_FUNCTION_NAME),
                Set(CODE_FILE_PATH),
                Set(CODE_LINE_NUMBER),
            ],
            Kind::Generate => &[
                Default(GEN_AI_OPERATION_NAME),
                Set(MLFLOW_SPAN_TYPE),
                Mirror {
                    key: GEN_AI_SYSTEM,
                    from: GEN_AI_PROVIDER_NAME,
                },
                Argument {
                    key: GEN_AI_INPUT_MESSAGES,
                    argument: "messages",
                },
                Argument {
                    key: GEN_AI_SYSTEM_INSTRUCTIONS,
                    argument: "system",
                },
                End(GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK),
                End(MLFLOW_LLM_COST),
                Captured(INPUT_VALUE),
                Captured(INPUT_MIME_TYPE),
                Captured(OUTPUT_VALUE),
                Captured(OUTPUT_MIME_TYPE),
            ],
            Kind::Run => &[
                Default(CRUX_RUN_ID),
                Default(GEN_AI_AGENT_NAME),
                Set(GEN_AI_OPERATION_NAME),
                Mirror {
                    key: GEN_AI_CONVERSATION_ID,
                    from: SESSION_ID,
                },
                Mirror {
                    key: CRUX_SESSION_ID,
                    from: SESSION_ID,
                },
                Argument {
                    key: CRUX_TRACE_TAGS,
                    argument: "tags",
                },
                Argument {
                    key: TAG_TAGS,
                    argument: "tags",
                },
                Argument {
                    key: METADATA,
                    argument: "metadata",
                },
                End(CRUX_RUN_AWAITING_HUMAN_INPUT),
                Captured(INPUT_VALUE),
                Captured(INPUT_MIME_TYPE),
                Captured(OUTPUT_VALUE),
                Captured(OUTPUT_MIME_TYPE),
            ],
            Kind::UseReason => &[
                Set(GEN_AI_OPERATION_NAME),
                Default(CRUX_REASON_OPERATION),
                Argument {
                    key: CRUX_TRACE_TAGS,
                    argument: "tags",
                },
                Argument {
                    key: GEN_AI_PROMPT_NAME,
                    argument: "prompt",
                },
                Argument {
                    key: GEN_AI_PROMPT_VERSION,
                    argument: "prompt",
                },
                Argument {
                    key: CRUX_PROMPT_NAME,
                    argument: "prompt",
                },
                Argument {
                    key: CRUX_PROMPT_VERSION,
                    argument: "prompt",
                },
                Argument {
                    key: CRUX_PROMPT_TYPE,
                    argument: "prompt",
                },
                Argument {
                    key: GEN_AI_PROMPT_TYPE,
                    argument: "prompt",
                },
                Argument {
                    key: CRUX_PROMPT_SOURCE,
                    argument: "prompt",
                },
                Argument {
                    key: CRUX_PROMPT_ID,
                    argument: "prompt",
                },
                End(CRUX_USE_REASON_INTERRUPTED),
                End(CRUX_USE_REASON_RESUMED),
                End(CRUX_REASON_USAGE_INPUT_TOKENS),
                End(CRUX_REASON_USAGE_OUTPUT_TOKENS),
                End(CRUX_REASON_USAGE_REASONING_OUTPUT_TOKENS),
                End(CRUX_REASON_USAGE_CACHE_READ_INPUT_TOKENS),
                End(CRUX_REASON_USAGE_CACHE_CREATION_INPUT_TOKENS),
                End(CRUX_TOOL_CALL_COUNT),
                End(CRUX_TOOL_RESULT_COUNT),
                End(CRUX_TOOL_STEP_COUNT),
            ],
            Kind::Composition => &[
                Default(CRUX_COMPOSITION_ID),
                Argument {
                    key: CRUX_COMPOSITION_KIND,
                    argument: "kind",
                },
                End(CRUX_COMPOSITION_AGENT_COUNT),
                End(CRUX_COMPOSITION_HANDOFF_COUNT),
                End(CRUX_COMPOSITION_AGREEMENT),
            ],
            Kind::CorpusSync => &[
                End(CRUX_CORPUS_ADDED_COUNT),
                End(CRUX_CORPUS_CHANGED_COUNT),
                End(CRUX_CORPUS_UNCHANGED_COUNT),
                End(CRUX_CORPUS_STALE_COUNT),
                End(CRUX_CORPUS_SKIPPED_COUNT),
                End(CRUX_CORPUS_DELETED_COUNT),
                End(CRUX_CORPUS_FAILED_COUNT),
                End(CRUX_CORPUS_CHUNK_COUNT),
            ],
            Kind::Embedding => &[
                Default(CRUX_EMBEDDING_NAME),
                Set(GEN_AI_OPERATION_NAME),
                Mirror {
                    key: GEN_AI_SYSTEM,
                    from: GEN_AI_PROVIDER_NAME,
                },
                Mirror {
                    key: GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
                    from: CRUX_EMBEDDING_DIMENSIONS,
                },
                End(MLFLOW_LLM_COST),
            ],
            Kind::Retrieval => &[
                Default(CRUX_RETRIEVER_ID),
                Set(GEN_AI_OPERATION_NAME),
                Mirror {
                    key: GEN_AI_DATA_SOURCE_ID,
                    from: CRUX_RETRIEVER_ID,
                },
                Mirror {
                    key: GEN_AI_RETRIEVAL_TOP_K,
                    from: CRUX_RETRIEVAL_LIMIT,
                },
                End(CRUX_RETRIEVAL_RESULT_COUNT),
            ],
            Kind::Compact => &[End(CRUX_COMPACTION_RATIO)],
            Kind::Judge => &[End(CRUX_JUDGE_SCORE)],
            Kind::Delegate => &[Default(CRUX_DELEGATE_ID)],
            Kind::Memory => &[Default(CRUX_MEMORY_OPERATION), Set(GEN_AI_OPERATION_NAME)],
            Kind::Indexing => &[Default(CRUX_INDEXER_ID)],
            Kind::Ingest => &[Default(CRUX_INGEST_PARSER)],
            Kind::RetrievalStage => &[
                Default(CRUX_RETRIEVAL_STAGE_NAME),
                // From the enclosing `#[crux::retrieval]`, when there is one.
                Default(CRUX_RETRIEVER_ID),
                End(CRUX_RETRIEVAL_STAGE_OUTPUT_QUERY_COUNT),
                End(CRUX_RETRIEVAL_STAGE_OUTPUT_HIT_COUNT),
            ],
            Kind::Workspace => &[
                Argument {
                    key: CRUX_WORKSPACE_OPERATION,
                    argument: "op",
                },
                End(CRUX_WORKSPACE_STATUS),
            ],
            Kind::SemanticCache => &[
                Default(CRUX_SEMANTIC_CACHE_OPERATION),
                End(CRUX_SEMANTIC_CACHE_STATUS),
                End(CRUX_SEMANTIC_CACHE_SCORE),
            ],
            Kind::ValidationRetry => &[
                Default(CRUX_VALIDATION_RETRY_ID),
                End(CRUX_VALIDATION_TOTAL_ATTEMPTS),
                End(CRUX_VALIDATION_EXHAUSTED),
            ],
            Kind::Router => &[
                Default(CRUX_ROUTER_NAME),
                End(CRUX_ROUTER_CLASSIFIED_AS),
                End(CRUX_ROUTER_SELECTED_MODEL),
                End(CRUX_ROUTER_OVERRIDDEN),
            ],
            Kind::Cascade => &[
                Default(CRUX_CASCADE_ID),
                End(CRUX_CASCADE_ACCEPTED_TIER),
                End(CRUX_CASCADE_TOTAL_TIERS),
                End(CRUX_CASCADE_BUDGET_EXCEEDED),
                End(CRUX_CASCADE_TOTAL_COST),
                End(CRUX_CASCADE_TOTAL_DURATION_MS),
            ],
        }
    }

    /// The entry of `key` if the runtime sets it on this kind of span.
    pub fn derives(self, key: &str) -> Option<Derived> {
        Kind::COMMON
            .iter()
            .chain(self.derived())
            .copied()
            .find(|d| d.key() == key)
    }
}

/// What the generated code reads from a function's return value, beyond its outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// A model call's response: usage, model, finish reasons ([`Kind::Generate`]).
    Response,
    /// A tool's output: its shape, sizes and (with capture) the value ([`Kind::Tool`]).
    ToolOutput,
    /// A judge's score ([`Kind::Judge`]).
    Score,
    /// Embedding vectors' dimensions ([`Kind::Embedding`]).
    Embeddings,
    /// A retrieval's result count ([`Kind::Retrieval`]), a stage's output count
    /// ([`Kind::RetrievalStage`]).
    Retrieved,
    /// Whether a semantic-cache lookup found an entry ([`Kind::SemanticCache`]).
    CacheLookup,
    /// A run's or flow's value, as its output with content capture ([`Kind::Run`],
    /// [`Kind::Flow`]).
    Output,
}

impl Kind {
    /// The probes the generated code runs on this kind's return value, in order.
    pub const fn probes(self) -> &'static [Probe] {
        match self {
            Kind::Generate => &[Probe::Response],
            Kind::Tool => &[Probe::ToolOutput],
            Kind::Judge => &[Probe::Score],
            // An embedding response gives the vectors' size and, like a model response,
            // usage and the answering model.
            Kind::Embedding => &[Probe::Embeddings, Probe::Response],
            Kind::Retrieval | Kind::RetrievalStage => &[Probe::Retrieved],
            Kind::SemanticCache => &[Probe::CacheLookup],
            Kind::Run | Kind::Flow => &[Probe::Output],
            _ => &[],
        }
    }
}

/// Span names crux emits besides a macro's own (which its macro table gives).
pub mod spans {
    /// A resumed flow (crux naming).
    pub const FLOW_RESUME: &str = "crux.flow.resume";
    /// A suspended flow that expired without being resumed.
    pub const FLOW_EXPIRED: &str = "crux.flow.expired";
    /// A score computed inline (`crux::judge::score`).
    pub const JUDGE: &str = "crux.judge";
    /// A cost reported with `crux::cost::report`.
    pub const COST_REPORT: &str = "crux.cost.report";
    /// A flow's total crossed the budget's warning threshold.
    pub const COST_WARN: &str = "crux.cost.warn";
    /// A flow's total crossed the budget's limit.
    pub const COST_LIMIT: &str = "crux.cost.limit";
    /// A tool call waits for approval.
    pub const TOOL_APPROVAL_REQUEST: &str = "crux.tool.approval.request";
    /// The approval decision.
    pub const TOOL_APPROVAL_DECISION: &str = "crux.tool.approval.decision";
    /// One source of a corpus sync.
    pub const CORPUS_SOURCE: &str = "crux.corpus.source";
    /// The prefix of one agent of a composition (`crux.composition.agent.<id>`).
    pub const COMPOSITION_AGENT_PREFIX: &str = "crux.composition.agent.";
    /// A plan was created.
    pub const PLAN_CREATE: &str = "crux.plan.create";
    /// A plan was updated.
    pub const PLAN_UPDATE: &str = "crux.plan.update";
    /// A task list was created.
    pub const TASKLIST_CREATE: &str = "crux.tasklist.create";
    /// A task list was completed.
    pub const TASKLIST_COMPLETE: &str = "crux.tasklist.complete";
    /// A task list was discarded.
    pub const TASKLIST_DISCARD: &str = "crux.tasklist.discard";
    /// A task was added to a list.
    pub const TASK_ADD: &str = "crux.task.add";
    /// A task's status changed.
    pub const TASK_UPDATE: &str = "crux.task.update";
    /// A task was removed from a list.
    pub const TASK_REMOVE: &str = "crux.task.remove";
    /// A context cache was consulted.
    pub const CONTEXT_CACHE: &str = "crux.context.cache";
    /// A skill was loaded.
    pub const SKILL_LOAD: &str = "crux.skill.load";
    /// The skill cache was consulted.
    pub const SKILL_CACHE: &str = "crux.skill.cache";
    /// A skill was resolved.
    pub const SKILL_RESOLVE: &str = "crux.skill.resolve";
    /// A semantic-cache hit.
    pub const SEMANTIC_CACHE_HIT: &str = "crux.semantic_cache.hit";
    /// A semantic-cache miss.
    pub const SEMANTIC_CACHE_MISS: &str = "crux.semantic_cache.miss";
    /// An entry written to the semantic cache.
    pub const SEMANTIC_CACHE_WRITE: &str = "crux.semantic_cache.write";
    /// The semantic cache was not used.
    pub const SEMANTIC_CACHE_SKIP: &str = "crux.semantic_cache.skip";
    /// A cached answer replayed.
    pub const SEMANTIC_CACHE_REPLAY: &str = "crux.semantic_cache.replay";
    /// A router's choice made outside a `#[crux::router]` fn (the macro's span has this name too).
    pub const ROUTER_SELECT: &str = "crux.router.select";
    /// The prefix of one tier of a cascade (`crux.cascade.tier.<index>`).
    pub const CASCADE_TIER_PREFIX: &str = "crux.cascade.tier.";
    /// A cost or latency budget was exceeded.
    pub const BUDGET_EXCEEDED: &str = "crux.budget.exceeded";
    /// A constraint was checked.
    pub const CONSTRAINT_CHECK: &str = "crux.constraint.check";
    /// Output is retried because constraints failed.
    pub const CONSTRAINT_RETRY: &str = "crux.constraint.retry";
    /// Constraints still failed after the last attempt.
    pub const CONSTRAINT_VIOLATION: &str = "crux.constraint.violation";
    /// The summary of a RAG evaluation.
    pub const RAG_EVAL: &str = "crux.rag_eval";

    /// The OpenInference span kind of one of the spans above, by its name: a judge
    /// evaluates, an approval guards a tool call, a composition's agent is an agent, and
    /// the rest (cost reports and budgets, corpus sources, resumed or expired flows) is
    /// bookkeeping inside a chain.
    pub fn openinference_kind(name: &str) -> &'static str {
        use super::openinference::*;
        match name {
            JUDGE => EVALUATOR,
            TOOL_APPROVAL_REQUEST | TOOL_APPROVAL_DECISION => GUARDRAIL,
            n if n.starts_with(COMPOSITION_AGENT_PREFIX) => AGENT,
            _ => CHAIN,
        }
    }
}

/// Event names crux emits.
pub mod events {
    /// An error or panic (OpenTelemetry's exception event).
    pub const EXCEPTION: &str = "exception";
    /// A flow suspended.
    pub const FLOW_SUSPENDED: &str = "crux.flow.suspended";
    /// A flow received a signal.
    pub const FLOW_SIGNAL: &str = "crux.flow.signal";
    /// A flow was cancelled.
    pub const FLOW_CANCELLED: &str = "crux.flow.cancelled";
    /// A judge's result, on the judged span (GenAI conventions).
    pub const EVALUATION_RESULT: &str = "gen_ai.evaluation.result";
    /// A tool step of a `use_reason` loop started.
    pub const TOOL_STEP_START: &str = "use_reason.tool-step.start";
    /// A tool call of a `use_reason` loop started.
    pub const TOOL_CALL_START: &str = "use_reason.tool-call.start";
    /// A tool call of a `use_reason` loop completed.
    pub const TOOL_CALL_COMPLETE: &str = "use_reason.tool-call.complete";
    /// A tool call of a `use_reason` loop failed.
    pub const TOOL_CALL_ERROR: &str = "use_reason.tool-call.error";
    /// A `use_reason` was cut by a suspend of its flow.
    pub const USE_REASON_INTERRUPT: &str = "use_reason.interrupt";
    /// A `use_reason` continues a flow resumed from a checkpoint.
    pub const USE_REASON_RESUME: &str = "use_reason.resume";
    /// The first model pass of a `use_reason` completed.
    pub const FIRST_PASS_COMPLETE: &str = "use_reason.first-pass.complete";
    /// The first model pass of a resumed `use_reason` (the continuation) completed.
    pub const CONTINUATION_COMPLETE: &str = "use_reason.continuation.complete";
    /// The prefix of one attempt of a validation retry (`validation.attempt.<n>`).
    pub const VALIDATION_ATTEMPT_PREFIX: &str = "validation.attempt.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_are_in_the_key_table_once_per_kind() {
        for kind in Kind::ALL {
            let derived = kind.derived();
            for (i, d) in derived.iter().enumerate() {
                assert!(crate::lookup(d.key()).is_some(), "{kind:?}: {}", d.key());
                assert!(
                    derived[..i].iter().all(|e| e.key() != d.key()),
                    "{kind:?}: {} twice",
                    d.key()
                );
                if let Derived::Mirror { from, .. } = d {
                    assert!(crate::lookup(from).is_some(), "{kind:?}: {from}");
                }
            }
        }
    }

    #[test]
    fn the_prompt_identity_keys_are_derived_by_use_reason() {
        for (_, keys) in PROMPT_IDENTITY {
            for key in *keys {
                assert!(Kind::UseReason.derives(key).is_some(), "{key}");
            }
        }
    }
}
