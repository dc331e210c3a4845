//! The table of attribute keys: one row per key, with its value type.

use crate::{Key, ValueType};

macro_rules! registry {
    ($( $(#[doc = $doc:literal])+ $konst:ident = $key:literal : $ty:ident $(, $template:ident)? ;)+) => {
        /// The attribute keys as constants (re-exported by the runtime as `crux::attributes`).
        pub mod keys {
            $( $(#[doc = $doc])+ pub const $konst: &str = $key; )+
        }
        /// Every key crux knows, in one table.
        pub static KEYS: &[Key] = &[
            $( Key { name: $key, ty: ValueType::$ty, template: registry!(@template $($template)?) }, )+
        ];
    };
    (@template) => { false };
    (@template template) => { true };
}

registry! {
    // ---- OpenTelemetry GenAI semantic conventions ----
    /// What the span does: `chat`, `execute_tool`, `invoke_agent`, `invoke_workflow`, ...
    GEN_AI_OPERATION_NAME = "gen_ai.operation.name": Str;
    /// The model provider (`openai`, `anthropic`, ...).
    GEN_AI_PROVIDER_NAME = "gen_ai.provider.name": Str;
    /// The provider, under its deprecated key (emitted too, for older dashboards).
    GEN_AI_SYSTEM = "gen_ai.system": Str;
    /// The model requested.
    GEN_AI_REQUEST_MODEL = "gen_ai.request.model": Str;
    /// Whether the response was requested as a stream.
    GEN_AI_REQUEST_STREAM = "gen_ai.request.stream": Bool;
    /// Sampling temperature requested.
    GEN_AI_REQUEST_TEMPERATURE = "gen_ai.request.temperature": Double;
    /// Maximum output tokens requested.
    GEN_AI_REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens": Int;
    /// Nucleus sampling parameter requested.
    GEN_AI_REQUEST_TOP_P = "gen_ai.request.top_p": Double;
    /// Top-k sampling parameter requested.
    GEN_AI_REQUEST_TOP_K = "gen_ai.request.top_k": Int;
    /// Frequency penalty requested.
    GEN_AI_REQUEST_FREQUENCY_PENALTY = "gen_ai.request.frequency_penalty": Double;
    /// Presence penalty requested.
    GEN_AI_REQUEST_PRESENCE_PENALTY = "gen_ai.request.presence_penalty": Double;
    /// Stop sequences requested.
    GEN_AI_REQUEST_STOP_SEQUENCES = "gen_ai.request.stop_sequences": StrArray;
    /// Seed requested.
    GEN_AI_REQUEST_SEED = "gen_ai.request.seed": Int;
    /// Number of choices requested.
    GEN_AI_REQUEST_CHOICE_COUNT = "gen_ai.request.choice.count": Int;
    /// Reasoning effort requested (`low`, `medium`, `high`).
    GEN_AI_REQUEST_REASONING_LEVEL = "gen_ai.request.reasoning.level": Str;
    /// The model that answered.
    GEN_AI_RESPONSE_MODEL = "gen_ai.response.model": Str;
    /// The provider's response id.
    GEN_AI_RESPONSE_ID = "gen_ai.response.id": Str;
    /// One finish reason per choice.
    GEN_AI_RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons": StrArray;
    /// Seconds from the request to the first streamed chunk.
    GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = "gen_ai.response.time_to_first_chunk": Double;
    /// Input tokens (including cached ones).
    GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens": Int;
    /// Output tokens.
    GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens": Int;
    /// Output tokens spent on reasoning (a subset of output tokens).
    GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = "gen_ai.usage.reasoning.output_tokens": Int;
    /// Input tokens read from the provider's cache.
    GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens": Int;
    /// Input tokens written to the provider's cache.
    GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = "gen_ai.usage.cache_creation.input_tokens": Int;
    /// Input plus output tokens (a common convention beside the GenAI ones; Kortyx emits it).
    GEN_AI_USAGE_TOTAL_TOKENS = "gen_ai.usage.total_tokens": Int;
    /// The conversation (session) id; only ever a real id, never invented.
    GEN_AI_CONVERSATION_ID = "gen_ai.conversation.id": Str;
    /// The agent's name.
    GEN_AI_AGENT_NAME = "gen_ai.agent.name": Str;
    /// The agent's id.
    GEN_AI_AGENT_ID = "gen_ai.agent.id": Str;
    /// The agent's description.
    GEN_AI_AGENT_DESCRIPTION = "gen_ai.agent.description": Str;
    /// The workflow's name.
    GEN_AI_WORKFLOW_NAME = "gen_ai.workflow.name": Str;
    /// The tool's name.
    GEN_AI_TOOL_NAME = "gen_ai.tool.name": Str;
    /// The tool call's id.
    GEN_AI_TOOL_CALL_ID = "gen_ai.tool.call.id": Str;
    /// The tool's type (`function`).
    GEN_AI_TOOL_TYPE = "gen_ai.tool.type": Str;
    /// The tool's description.
    GEN_AI_TOOL_DESCRIPTION = "gen_ai.tool.description": Str;
    /// The tool call's arguments (content capture only).
    GEN_AI_TOOL_CALL_ARGUMENTS = "gen_ai.tool.call.arguments": Json;
    /// The tool call's result (content capture only).
    GEN_AI_TOOL_CALL_RESULT = "gen_ai.tool.call.result": Json;
    /// The tools offered to the model.
    GEN_AI_TOOL_DEFINITIONS = "gen_ai.tool.definitions": Json;
    /// `input` or `output`: which tokens a `gen_ai.client.token.usage` point counts.
    GEN_AI_TOKEN_TYPE = "gen_ai.token.type": Str;
    /// Input messages (content capture only).
    GEN_AI_INPUT_MESSAGES = "gen_ai.input.messages": Json;
    /// Output messages (content capture only).
    GEN_AI_OUTPUT_MESSAGES = "gen_ai.output.messages": Json;
    /// System instructions (content capture only).
    GEN_AI_SYSTEM_INSTRUCTIONS = "gen_ai.system_instructions": Json;
    /// The prompt template's name.
    GEN_AI_PROMPT_NAME = "gen_ai.prompt.name": Str;
    /// The prompt template's version.
    GEN_AI_PROMPT_VERSION = "gen_ai.prompt.version": Str;
    /// The prompt's type (`chat`, `text`), as Kortyx records it next to `crux.prompt.type`.
    GEN_AI_PROMPT_TYPE = "gen_ai.prompt.type": Str;
    /// A prompt variable (`gen_ai.prompt.variable.<name>`; content capture only).
    GEN_AI_PROMPT_VARIABLE = "gen_ai.prompt.variable.": Str, template;
    /// The evaluation's name (on `gen_ai.evaluation.result`).
    GEN_AI_EVALUATION_NAME = "gen_ai.evaluation.name": Str;
    /// The evaluation's score (on `gen_ai.evaluation.result`).
    GEN_AI_EVALUATION_SCORE_VALUE = "gen_ai.evaluation.score.value": Double;
    /// The evaluation's label.
    GEN_AI_EVALUATION_SCORE_LABEL = "gen_ai.evaluation.score.label": Str;
    /// The data source (RAG store) id.
    GEN_AI_DATA_SOURCE_ID = "gen_ai.data_source.id": Str;
    /// The length of each embedding vector.
    GEN_AI_EMBEDDINGS_DIMENSION_COUNT = "gen_ai.embeddings.dimension.count": Int;
    /// How many results a retrieval asked for.
    GEN_AI_RETRIEVAL_TOP_K = "gen_ai.retrieval.top_k": Int;
    /// A retrieval's query text (content capture only).
    GEN_AI_RETRIEVAL_QUERY_TEXT = "gen_ai.retrieval.query.text": Str;
    /// The requested output modality.
    GEN_AI_OUTPUT_TYPE = "gen_ai.output.type": Str;

    // ---- what LLM observability backends read (OpenInference, MLflow) ----
    /// The OpenInference span kind (`AGENT`, `CHAIN`, `LLM`, `TOOL`, ...): Arize Phoenix,
    /// MLflow and other OpenInference readers classify a span by it first.
    OPENINFERENCE_SPAN_KIND = "openinference.span.kind": Str;
    /// A span's input as one value (content capture only): a run's or flow's arguments,
    /// a model call's last user message.
    INPUT_VALUE = "input.value": Str;
    /// The MIME type of `input.value` (`text/plain` or `application/json`).
    INPUT_MIME_TYPE = "input.mime_type": Str;
    /// A span's output as one value (content capture only): a run's or flow's result, a
    /// model call's answer text.
    OUTPUT_VALUE = "output.value": Str;
    /// The MIME type of `output.value`.
    OUTPUT_MIME_TYPE = "output.mime_type": Str;
    /// A run's metadata as one JSON object (OpenInference; Phoenix's metadata panel).
    METADATA = "metadata": Json;
    /// A run's tags (OpenInference).
    TAG_TAGS = "tag.tags": StrArray;
    /// MLflow's span type, where the OpenInference kind would lose detail (`CHAT_MODEL`).
    MLFLOW_SPAN_TYPE = "mlflow.spanType": Str;
    /// A model call's cost as MLflow reads it (`{"input_cost","output_cost","total_cost"}`
    /// JSON, USD), from `crux.cost`: MLflow then shows crux's cost instead of pricing it.
    MLFLOW_LLM_COST = "mlflow.llm.cost": Json;

    // ---- general OpenTelemetry keys ----
    /// The application session.
    SESSION_ID = "session.id": Str;
    /// The end user.
    USER_ID = "user.id": Str;
    /// The class of error (an error type name, or `panic`).
    ERROR_TYPE = "error.type": Str;
    /// The exception's type (on the `exception` event).
    EXCEPTION_TYPE = "exception.type": Str;
    /// The exception's message (on the `exception` event).
    EXCEPTION_MESSAGE = "exception.message": Str;
    /// The exception's stack trace.
    EXCEPTION_STACKTRACE = "exception.stacktrace": Str;
    /// The annotated function, fully qualified.
    CODE_FUNCTION_NAME = "code.function.name": Str;
    /// The source file of the annotated function.
    CODE_FILE_PATH = "code.file.path": Str;
    /// The line of the annotated function.
    CODE_LINE_NUMBER = "code.line.number": Int;
    /// The column of the annotated function.
    CODE_COLUMN_NUMBER = "code.column.number": Int;

    // ---- crux: runs, flows, steps ----
    /// The agent run's id.
    CRUX_RUN_ID = "crux.run.id": Str;
    /// Set on a run in which a flow suspended waiting for a human.
    CRUX_RUN_AWAITING_HUMAN_INPUT = "crux.run.awaiting_human_input": Bool;
    /// The session id, in crux's namespace.
    CRUX_SESSION_ID = "crux.session.id": Str;
    /// The tenant.
    CRUX_TENANT_ID = "crux.tenant.id": Str;
    /// Application metadata on a run (`crux.trace.metadata.<key>`).
    CRUX_TRACE_METADATA = "crux.trace.metadata.": Str, template;
    /// Tags on a run.
    CRUX_TRACE_TAGS = "crux.trace.tags": StrArray;
    /// The flow's id (stable across suspend and resume).
    CRUX_FLOW_ID = "crux.flow.id": Str;
    /// The flow's name.
    CRUX_FLOW_NAME = "crux.flow.name": Str;
    /// The enclosing flow's id.
    CRUX_FLOW_PARENT_ID = "crux.flow.parent_id": Str;
    /// When the flow started, Unix milliseconds.
    CRUX_FLOW_STARTED_AT = "crux.flow.started_at": Int;
    /// Where the flow suspended.
    CRUX_FLOW_SUSPEND_POINT = "crux.flow.suspend_point": Str;
    /// How long the flow was suspended, milliseconds.
    CRUX_FLOW_SUSPENDED_MS = "crux.flow.suspended_ms": Int;
    /// The name of a signal a flow received.
    CRUX_FLOW_SIGNAL_NAME = "crux.flow.signal_name": Str;
    /// Why a flow was cancelled.
    CRUX_FLOW_CANCEL_REASON = "crux.flow.cancel_reason": Str;
    /// The step's id.
    CRUX_STEP_ID = "crux.step.id": Str;
    /// The step's label.
    CRUX_STEP_LABEL = "crux.step.label": Str;
    /// The step's attempt number.
    CRUX_STEP_ATTEMPT = "crux.step.attempt": Int;
    /// The kind of a span link crux made (`resume`).
    CRUX_LINK_KIND = "crux.link.kind": Str;

    // ---- crux: model calls, reasoning, prompts ----
    /// The prompt's id.
    CRUX_PROMPT_ID = "crux.prompt.id": Str;
    /// The prompt's name.
    CRUX_PROMPT_NAME = "crux.prompt.name": Str;
    /// The prompt's version.
    CRUX_PROMPT_VERSION = "crux.prompt.version": Str;
    /// The prompt's type (`chat`, `text`).
    CRUX_PROMPT_TYPE = "crux.prompt.type": Str;
    /// The provider's own finish reason, next to the normalised `gen_ai.response.finish_reasons`.
    CRUX_FINISH_REASON_RAW = "crux.finish_reason.raw": Str;
    /// A `use_reason` was cut by a suspend of its flow (a human-in-the-loop pause).
    CRUX_USE_REASON_INTERRUPTED = "crux.use_reason.interrupted": Bool;
    /// A `use_reason` continues the reasoning of a flow resumed from a checkpoint.
    CRUX_USE_REASON_RESUMED = "crux.use_reason.resumed_from_checkpoint": Bool;
    /// How many warnings the provider returned with the response.
    CRUX_WARNING_COUNT = "crux.warning.count": Int;
    /// Where the prompt came from.
    CRUX_PROMPT_SOURCE = "crux.prompt.source": Str;
    /// The `use_reason` call's id.
    CRUX_REASON_ID = "crux.reason.id": Str;
    /// What the reasoning call does (`telemetry(operation = ..)`, `chat` unless given); its
    /// `gen_ai.operation.name` is `invoke_agent`, so no backend takes it for a model call.
    CRUX_REASON_OPERATION = "crux.reason.operation": Str;
    /// Input tokens summed over the model calls inside a `use_reason` (crux's own key:
    /// backends that add up `gen_ai.usage.*` would count the calls twice).
    CRUX_REASON_USAGE_INPUT_TOKENS = "crux.reason.usage.input_tokens": Int;
    /// Output tokens summed over the model calls inside a `use_reason`.
    CRUX_REASON_USAGE_OUTPUT_TOKENS = "crux.reason.usage.output_tokens": Int;
    /// Reasoning output tokens summed over the model calls inside a `use_reason`.
    CRUX_REASON_USAGE_REASONING_OUTPUT_TOKENS = "crux.reason.usage.reasoning.output_tokens": Int;
    /// Cache-read input tokens summed over the model calls inside a `use_reason`.
    CRUX_REASON_USAGE_CACHE_READ_INPUT_TOKENS = "crux.reason.usage.cache_read.input_tokens": Int;
    /// Cache-creation input tokens summed over the model calls inside a `use_reason`.
    CRUX_REASON_USAGE_CACHE_CREATION_INPUT_TOKENS = "crux.reason.usage.cache_creation.input_tokens": Int;

    // ---- crux: tools ----
    /// The tool's name.
    CRUX_TOOL_NAME = "crux.tool.name": Str;
    /// The tool call's id.
    CRUX_TOOL_CALL_ID = "crux.tool.call_id": Str;
    /// The shape of what the model was shown (`text`, `json`, `content`, `error-text`, `error-json`, `execution-denied`).
    CRUX_TOOL_MODEL_OUTPUT_TYPE = "crux.tool.model_output.type": Str;
    /// Characters of the tool's raw output.
    CRUX_TOOL_OUTPUT_SIZE = "crux.tool.output.size": Int;
    /// Characters of what the model was shown.
    CRUX_TOOL_MODEL_OUTPUT_SIZE = "crux.tool.model_output.size": Int;
    /// max(0, output size - model output size).
    CRUX_TOOL_TOKEN_SAVINGS_ESTIMATE = "crux.tool.token_savings_estimate": Int;
    /// Whether the tool's result is an estimate.
    CRUX_TOOL_ESTIMATED = "crux.tool.estimated": Bool;
    /// Tool calls made inside a `use_reason`.
    CRUX_TOOL_CALL_COUNT = "crux.tool.call.count": Int;
    /// Tool results returned inside a `use_reason`.
    CRUX_TOOL_RESULT_COUNT = "crux.tool.result.count": Int;
    /// Tool steps inside a `use_reason`.
    CRUX_TOOL_STEP_COUNT = "crux.tool.step.count": Int;
    /// The index of a tool step.
    CRUX_TOOL_STEP_INDEX = "crux.tool.step.index": Int;
    /// Tools in a tool step.
    CRUX_TOOL_COUNT = "crux.tool.count": Int;
    /// Whether a tool call failed.
    CRUX_TOOL_IS_ERROR = "crux.tool.is_error": Bool;
    /// The approval's id.
    CRUX_TOOL_APPROVAL_ID = "crux.tool.approval.id": Str;
    /// Whether the tool call was approved.
    CRUX_TOOL_APPROVAL_APPROVED = "crux.tool.approval.approved": Bool;

    // ---- crux: cost ----
    /// Cost in USD.
    CRUX_COST = "crux.cost": Double;
    /// Running total cost in USD.
    CRUX_COST_TOTAL = "crux.cost.total": Double;
    /// `actual` or `estimate`.
    CRUX_COST_SOURCE = "crux.cost.source": Str;
    /// The budget threshold crossed, USD.
    CRUX_COST_THRESHOLD = "crux.cost.threshold": Double;
    /// The model a cost report is for (not `gen_ai.request.model`: a report is not a
    /// model call, and backends count any span with that key as one).
    CRUX_COST_MODEL = "crux.cost.model": Str;
    /// The provider a cost report is for.
    CRUX_COST_PROVIDER = "crux.cost.provider": Str;
    /// The input tokens a cost report covers (not `gen_ai.usage.*`, for the same reason).
    CRUX_COST_INPUT_TOKENS = "crux.cost.input_tokens": Int;

    // ---- crux: compositions, delegation ----
    /// The composition's id.
    CRUX_COMPOSITION_ID = "crux.composition.id": Str;
    /// `parallel`, `pipeline`, `consensus` or `swarm`.
    CRUX_COMPOSITION_KIND = "crux.composition.kind": Str;
    /// Agents in the composition.
    CRUX_COMPOSITION_AGENT_COUNT = "crux.composition.agent_count": Int;
    /// Hand-offs in the composition.
    CRUX_COMPOSITION_HANDOFF_COUNT = "crux.composition.handoff_count": Int;
    /// Agreement between the agents, 0 to 1.
    CRUX_COMPOSITION_AGREEMENT = "crux.composition.agreement": Double;
    /// The delegation's id.
    CRUX_DELEGATE_ID = "crux.delegate.id": Str;

    // ---- crux: memory ----
    /// `working`, `episodic`, `semantic` or `block`.
    CRUX_MEMORY_TYPE = "crux.memory.type": Str;
    /// The memory operation.
    CRUX_MEMORY_OPERATION = "crux.memory.operation": Str;
    /// The memory block's id.
    CRUX_MEMORY_BLOCK_ID = "crux.memory.block.id": Str;
    /// The memory block's kind.
    CRUX_MEMORY_BLOCK_KIND = "crux.memory.block.kind": Str;
    /// The hashed memory namespace.
    CRUX_MEMORY_NAMESPACE_HASH = "crux.memory.namespace_hash": Str;
    /// `manual`, `propose` or `auto`.
    CRUX_MEMORY_WRITE_MODE = "crux.memory.write_mode": Str;
    /// `pending`, `approved` or `rejected`.
    CRUX_MEMORY_PROPOSAL_STATUS = "crux.memory.proposal_status": Str;

    // ---- crux: corpus ----
    /// The corpus's id.
    CRUX_CORPUS_ID = "crux.corpus.id": Str;
    /// The hashed corpus namespace.
    CRUX_CORPUS_NAMESPACE_HASH = "crux.corpus.namespace_hash": Str;
    /// The sync mode.
    CRUX_CORPUS_MODE = "crux.corpus.mode": Str;
    /// The stale policy.
    CRUX_CORPUS_STALE_POLICY = "crux.corpus.stale_policy": Str;
    /// The source set.
    CRUX_CORPUS_SOURCE_SET = "crux.corpus.source_set": Str;
    /// Whether the sync was a dry run.
    CRUX_CORPUS_DRY_RUN = "crux.corpus.dry_run": Bool;
    /// Sources in the sync.
    CRUX_CORPUS_SOURCE_COUNT = "crux.corpus.source_count": Int;
    /// Sources added.
    CRUX_CORPUS_ADDED_COUNT = "crux.corpus.added_count": Int;
    /// Sources changed.
    CRUX_CORPUS_CHANGED_COUNT = "crux.corpus.changed_count": Int;
    /// Sources unchanged.
    CRUX_CORPUS_UNCHANGED_COUNT = "crux.corpus.unchanged_count": Int;
    /// Sources stale.
    CRUX_CORPUS_STALE_COUNT = "crux.corpus.stale_count": Int;
    /// Sources skipped.
    CRUX_CORPUS_SKIPPED_COUNT = "crux.corpus.skipped_count": Int;
    /// Sources deleted.
    CRUX_CORPUS_DELETED_COUNT = "crux.corpus.deleted_count": Int;
    /// Sources that failed.
    CRUX_CORPUS_FAILED_COUNT = "crux.corpus.failed_count": Int;
    /// Chunks produced.
    CRUX_CORPUS_CHUNK_COUNT = "crux.corpus.chunk_count": Int;
    /// The hashed source id.
    CRUX_CORPUS_SOURCE_ID_HASH = "crux.corpus.source_id_hash": Str;
    /// What happened to a source.
    CRUX_CORPUS_ACTION = "crux.corpus.action": Str;
    /// Why it happened.
    CRUX_CORPUS_REASON = "crux.corpus.reason": Str;

    // ---- crux: embeddings and retrieval ----
    /// The embedder's name.
    CRUX_EMBEDDING_NAME = "crux.embedding.name": Str;
    /// `dense` or `sparse`.
    CRUX_EMBEDDING_KIND = "crux.embedding.kind": Str;
    /// `embed` (one input) or `embed_many`.
    CRUX_EMBEDDING_OPERATION = "crux.embedding.operation": Str;
    /// How many inputs were embedded.
    CRUX_EMBEDDING_INPUT_COUNT = "crux.embedding.input_count": Int;
    /// How many chunks the inputs were split into.
    CRUX_EMBEDDING_CHUNK_COUNT = "crux.embedding.chunk_count": Int;
    /// The length of each vector.
    CRUX_EMBEDDING_DIMENSIONS = "crux.embedding.dimensions": Int;
    /// Inputs served from an embedding cache.
    CRUX_EMBEDDING_CACHE_HIT_COUNT = "crux.embedding.cache_hit_count": Int;
    /// Inputs the cache did not have.
    CRUX_EMBEDDING_CACHE_MISS_COUNT = "crux.embedding.cache_miss_count": Int;
    /// Retries of the embedding call.
    CRUX_EMBEDDING_RETRY_COUNT = "crux.embedding.retry_count": Int;
    /// Inputs cut to the model's limit.
    CRUX_EMBEDDING_TRUNCATED_COUNT = "crux.embedding.truncated_count": Int;
    /// Time spent waiting on rate limits, in ms.
    CRUX_EMBEDDING_RATE_LIMIT_WAIT_MS = "crux.embedding.rate_limit_wait_ms": Int;
    /// The retriever's id.
    CRUX_RETRIEVER_ID = "crux.retriever.id": Str;
    /// The hashed retrieval namespace.
    CRUX_RETRIEVAL_NAMESPACE_HASH = "crux.retrieval.namespace_hash": Str;
    /// `dense`, `sparse`, `hybrid` or `custom`.
    CRUX_RETRIEVAL_MODE = "crux.retrieval.mode": Str;
    /// How many results were asked for.
    CRUX_RETRIEVAL_LIMIT = "crux.retrieval.limit": Int;
    /// How hybrid results were fused (`rrf`, `dbsf`).
    CRUX_RETRIEVAL_FUSION = "crux.retrieval.fusion": Str;
    /// How many results came back.
    CRUX_RETRIEVAL_RESULT_COUNT = "crux.retrieval.result_count": Int;

    // ---- crux: indexing and ingestion ----
    /// The indexer's id.
    CRUX_INDEXER_ID = "crux.indexer.id": Str;
    /// The hashed index namespace.
    CRUX_INDEX_NAMESPACE_HASH = "crux.index.namespace_hash": Str;
    /// The indexing operation (`upsert`, `rebuild`, ...).
    CRUX_INDEX_OPERATION = "crux.index.operation": Str;
    /// Sources indexed.
    CRUX_INDEX_SOURCE_COUNT = "crux.index.source_count": Int;
    /// Chunks indexed.
    CRUX_INDEX_CHUNK_COUNT = "crux.index.chunk_count": Int;
    /// Chunks or sources deleted from the index.
    CRUX_INDEX_DELETED_COUNT = "crux.index.deleted_count": Int;
    /// Pipeline stages the indexing ran.
    CRUX_INDEX_STAGE_COUNT = "crux.index.stage_count": Int;
    /// Stages whose output came from a cache.
    CRUX_INDEX_STAGE_CACHE_HIT_COUNT = "crux.index.stage_cache_hit_count": Int;
    /// The parser that read a source.
    CRUX_INGEST_PARSER = "crux.ingest.parser": Str;
    /// The source's format (a MIME type or an extension).
    CRUX_INGEST_FORMAT = "crux.ingest.format": Str;
    /// The hashed ingestion namespace.
    CRUX_INGEST_NAMESPACE_HASH = "crux.ingest.namespace_hash": Str;
    /// The hashed source id (often a path).
    CRUX_INGEST_SOURCE_ID_HASH = "crux.ingest.source_id_hash": Str;
    /// The source's size in bytes.
    CRUX_INGEST_BYTE_LENGTH = "crux.ingest.byte_length": Int;
    /// Parts the parser produced.
    CRUX_INGEST_PART_COUNT = "crux.ingest.part_count": Int;
    /// Warnings the parser reported.
    CRUX_INGEST_WARNING_COUNT = "crux.ingest.warning_count": Int;

    // ---- crux: compaction, judge ----
    /// Why the context was compacted.
    CRUX_COMPACTION_REASON = "crux.compaction.reason": Str;
    /// Size after / size before.
    CRUX_COMPACTION_RATIO = "crux.compaction.ratio": Double;
    /// The judged metric.
    CRUX_JUDGE_METRIC = "crux.judge.metric": Str;
    /// The judge's score.
    CRUX_JUDGE_SCORE = "crux.judge.score": Double;

    // ---- crux: retrieval stages, workspace ----
    /// The retrieval pipeline a stage belongs to.
    CRUX_RETRIEVAL_PIPELINE_ID = "crux.retrieval.pipeline.id": Str;
    /// The stage's name (default: the fn name).
    CRUX_RETRIEVAL_STAGE_NAME = "crux.retrieval.stage.name": Str;
    /// What the stage does (`rewrite`, `rerank`, `filter`, ...).
    CRUX_RETRIEVAL_STAGE_KIND = "crux.retrieval.stage.kind": Str;
    /// `query` (the stage works on queries) or `hits` (on results).
    CRUX_RETRIEVAL_STAGE_PHASE = "crux.retrieval.stage.phase": Str;
    /// Queries the stage received.
    CRUX_RETRIEVAL_STAGE_INPUT_QUERY_COUNT = "crux.retrieval.stage.input_query_count": Int;
    /// Hits the stage received.
    CRUX_RETRIEVAL_STAGE_INPUT_HIT_COUNT = "crux.retrieval.stage.input_hit_count": Int;
    /// Queries the stage produced (a `query` stage: from the value it returns).
    CRUX_RETRIEVAL_STAGE_OUTPUT_QUERY_COUNT = "crux.retrieval.stage.output_query_count": Int;
    /// Hits the stage produced (a `hits` stage: from the value it returns).
    CRUX_RETRIEVAL_STAGE_OUTPUT_HIT_COUNT = "crux.retrieval.stage.output_hit_count": Int;
    /// Warnings the stage reported.
    CRUX_RETRIEVAL_STAGE_WARNING_COUNT = "crux.retrieval.stage.warning_count": Int;
    /// The workspace's id.
    CRUX_WORKSPACE_ID = "crux.workspace.id": Str;
    /// The workspace operation (`read`, `write`, `list`, ...).
    CRUX_WORKSPACE_OPERATION = "crux.workspace.operation": Str;
    /// `ok` or `error`.
    CRUX_WORKSPACE_STATUS = "crux.workspace.status": Str;
    /// The hashed path (never the path itself).
    CRUX_WORKSPACE_PATH_HASH = "crux.workspace.path_hash": Str;
    /// The mount the path is under.
    CRUX_WORKSPACE_MOUNT = "crux.workspace.mount": Str;
    /// The file's MIME type.
    CRUX_WORKSPACE_MIME_TYPE = "crux.workspace.mime_type": Str;
    /// The file's size in bytes.
    CRUX_WORKSPACE_SIZE = "crux.workspace.size": Int;

    // ---- crux: plans, task lists, context cache, skills ----
    /// The plan's id.
    CRUX_PLAN_ID = "crux.plan.id": Str;
    /// The plan's title (its content is never recorded).
    CRUX_PLAN_TITLE = "crux.plan.title": Str;
    /// The plan's version after an update.
    CRUX_PLAN_VERSION = "crux.plan.version": Int;
    /// The task list's id.
    CRUX_TASKLIST_ID = "crux.tasklist.id": Str;
    /// Tasks in a completed task list.
    CRUX_TASKLIST_TOTAL_TASKS = "crux.tasklist.total_tasks": Int;
    /// Tasks done when the list was discarded.
    CRUX_TASKLIST_COMPLETED_COUNT = "crux.tasklist.completed_count": Int;
    /// Tasks left when the list was discarded.
    CRUX_TASKLIST_REMAINING_COUNT = "crux.tasklist.remaining_count": Int;
    /// The task's id.
    CRUX_TASK_ID = "crux.task.id": Str;
    /// The task's label.
    CRUX_TASK_LABEL = "crux.task.label": Str;
    /// The task's status (`pending`, `in_progress`, `done`, ...).
    CRUX_TASK_STATUS = "crux.task.status": Str;
    /// `hit` or `miss`.
    CRUX_CONTEXT_CACHE_STATUS = "crux.context.cache.status": Str;
    /// The cached context's id.
    CRUX_CONTEXT_ID = "crux.context.id": Str;
    /// Age of the cached context on a hit, in ms.
    CRUX_CONTEXT_CACHE_AGE_MS = "crux.context.cache.age_ms": Int;
    /// The skill's id.
    CRUX_SKILL_ID = "crux.skill.id": Str;
    /// Where the skill was loaded from (`file`, `registry`, `inline`).
    CRUX_SKILL_SOURCE = "crux.skill.source": Str;
    /// `hit` or `miss`.
    CRUX_SKILL_CACHE_STATUS = "crux.skill.cache.status": Str;

    // ---- crux: semantic cache ----
    /// `generate` or `stream`.
    CRUX_SEMANTIC_CACHE_OPERATION = "crux.semantic_cache.operation": Str;
    /// The cache's version.
    CRUX_SEMANTIC_CACHE_VERSION = "crux.semantic_cache.version": Str;
    /// The similarity a hit needs.
    CRUX_SEMANTIC_CACHE_THRESHOLD = "crux.semantic_cache.threshold": Double;
    /// `hit` or `miss`.
    CRUX_SEMANTIC_CACHE_STATUS = "crux.semantic_cache.status": Str;
    /// The similarity of the hit.
    CRUX_SEMANTIC_CACHE_SCORE = "crux.semantic_cache.score": Double;
    /// Age of the hit's entry, in ms.
    CRUX_SEMANTIC_CACHE_AGE_MS = "crux.semantic_cache.age_ms": Int;
    /// Time to live of a written entry, in ms.
    CRUX_SEMANTIC_CACHE_TTL_MS = "crux.semantic_cache.ttl_ms": Int;
    /// `text` or `object`.
    CRUX_SEMANTIC_CACHE_RESULT_KIND = "crux.semantic_cache.result_kind": Str;
    /// Why the cache was not used.
    CRUX_SEMANTIC_CACHE_SKIP_REASON = "crux.semantic_cache.skip_reason": Str;

    // ---- crux: validation retries, routing, cascades, budgets, constraints ----
    /// The validation retry's id.
    CRUX_VALIDATION_RETRY_ID = "crux.validation.retry_id": Str;
    /// Attempts allowed.
    CRUX_VALIDATION_MAX_ATTEMPTS = "crux.validation.max_attempts": Int;
    /// The attempt's number, from 1.
    CRUX_VALIDATION_ATTEMPT_NUMBER = "crux.validation.attempt_number": Int;
    /// Why the attempt failed validation.
    CRUX_VALIDATION_ERROR = "crux.validation.error": Str;
    /// Whether a repair was tried.
    CRUX_VALIDATION_REPAIR_ATTEMPTED = "crux.validation.repair_attempted": Bool;
    /// Whether the repair worked.
    CRUX_VALIDATION_REPAIR_SUCCEEDED = "crux.validation.repair_succeeded": Bool;
    /// Attempts made.
    CRUX_VALIDATION_TOTAL_ATTEMPTS = "crux.validation.total_attempts": Int;
    /// Whether every attempt failed.
    CRUX_VALIDATION_EXHAUSTED = "crux.validation.exhausted": Bool;
    /// The prompt validated.
    CRUX_VALIDATION_PROMPT_ID = "crux.validation.prompt_id": Str;
    /// The router's name (default: the fn name).
    CRUX_ROUTER_NAME = "crux.router.name": Str;
    /// The class the router put the request in.
    CRUX_ROUTER_CLASSIFIED_AS = "crux.router.classified_as": Str;
    /// The model the router chose.
    CRUX_ROUTER_SELECTED_MODEL = "crux.router.selected_model": Str;
    /// Whether the choice was overridden.
    CRUX_ROUTER_OVERRIDDEN = "crux.router.overridden": Bool;
    /// The cascade's id (default: the fn name).
    CRUX_CASCADE_ID = "crux.cascade.id": Str;
    /// The cascade's cost budget, USD.
    CRUX_CASCADE_BUDGET = "crux.cascade.budget": Double;
    /// The tier's index, from 0.
    CRUX_CASCADE_TIER_INDEX = "crux.cascade.tier_index": Int;
    /// The tier's model.
    CRUX_CASCADE_TIER_MODEL = "crux.cascade.tier_model": Str;
    /// `accepted`, `rejected` or `skipped`.
    CRUX_CASCADE_TIER_STATUS = "crux.cascade.tier_status": Str;
    /// The tier's duration, ms.
    CRUX_CASCADE_TIER_DURATION_MS = "crux.cascade.tier.duration_ms": Double;
    /// What the tier cost, USD.
    CRUX_CASCADE_TIER_COST = "crux.cascade.tier.cost": Double;
    /// The tier whose answer was accepted.
    CRUX_CASCADE_ACCEPTED_TIER = "crux.cascade.accepted_tier": Int;
    /// Tiers run.
    CRUX_CASCADE_TOTAL_TIERS = "crux.cascade.total_tiers": Int;
    /// Whether the tiers cost more than the cascade's budget.
    CRUX_CASCADE_BUDGET_EXCEEDED = "crux.cascade.budget_exceeded": Bool;
    /// What the tiers cost together, USD.
    CRUX_CASCADE_TOTAL_COST = "crux.cascade.total_cost": Double;
    /// The tiers' durations together, ms.
    CRUX_CASCADE_TOTAL_DURATION_MS = "crux.cascade.total_duration_ms": Double;
    /// `cost` (USD) or `latency` (ms).
    CRUX_BUDGET_TYPE = "crux.budget.type": Str;
    /// The budget.
    CRUX_BUDGET_LIMIT = "crux.budget.limit": Double;
    /// What was spent when the budget was exceeded.
    CRUX_BUDGET_ACTUAL = "crux.budget.actual": Double;
    /// The constraint checked.
    CRUX_CONSTRAINT_NAME = "crux.constraint.name": Str;
    /// `assert` or `suggest`.
    CRUX_CONSTRAINT_SEVERITY = "crux.constraint.severity": Str;
    /// Whether the check passed.
    CRUX_CONSTRAINT_PASS = "crux.constraint.pass": Bool;
    /// The attempt checked, from 1.
    CRUX_CONSTRAINT_ATTEMPT = "crux.constraint.attempt": Int;
    /// The feedback of a failed check (may quote the model: recorded with output capture only).
    CRUX_CONSTRAINT_FEEDBACK = "crux.constraint.feedback": Str;
    /// The constraints that failed, comma-joined.
    CRUX_CONSTRAINT_NAMES = "crux.constraint.names": Str;
    /// Attempts made before the violation.
    CRUX_CONSTRAINT_TOTAL_ATTEMPTS = "crux.constraint.total_attempts": Int;
    /// The evaluated RAG system or data set.
    CRUX_RAG_EVAL_NAME = "crux.rag_eval.name": Str;
    /// Samples evaluated.
    CRUX_RAG_EVAL_SAMPLE_COUNT = "crux.rag_eval.sample_count": Int;
    /// The mean score of one metric (`crux.rag_eval.metric.faithfulness`).
    CRUX_RAG_EVAL_METRIC = "crux.rag_eval.metric.": Double, template;

    // ---- crux: common ----
    /// Set when a future was dropped before it completed.
    CRUX_CANCELLED = "crux.cancelled": Bool;
    /// Set when captured content was cut at the length cap.
    CRUX_TRUNCATED = "crux.truncated": Bool;
    /// Whole messages (or list items) left out of captured content to fit its cap
    /// (middle-out: the first and the most recent stay).
    CRUX_CONTENT_OMITTED = "crux.content.omitted": Int;
}
