//! One table per macro: the arguments it takes, what each must be, and the attribute key
//! each one records. Validation and expansion both read these tables.

use crux_registry::keys::*;
use crux_registry::ValueType;

/// What an argument accepts.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    /// A string literal that becomes part of the span name (so it must be known at compile time).
    Name,
    /// A string literal from a fixed set that becomes part of the span name.
    Choice(&'static [&'static str]),
    /// A literal or an expression of this type; a bare flag means `true` for `Bool`.
    Value(ValueType),
    /// A string literal or expression recorded only as its hash (a namespace, a source
    /// id): the key is the `*_hash` attribute.
    Hashed,
    /// `attributes(key = value, ..)`: application or convention attributes.
    Attributes,
    /// An expression handed to the runtime's `Start` method of this name (no attribute
    /// of its own): `resume = checkpoint`, `parent = headers`. With `strings`, a string
    /// literal is accepted too (`system = "Answer in one line."`); other literals never
    /// are (`resume = "checkpoint-1"` is a mistake, not a checkpoint).
    Runtime { method: &'static str, strings: bool },
    /// `metadata(key = value, ..)`: each entry recorded under the prefix + key.
    Metadata(&'static str),
    /// `tags("a", b, ..)`: string values collected into `crux.trace.tags`.
    Tags,
    /// A nested argument list (`telemetry(operation = .., ..)`), or an expression handed
    /// to the runtime's `Start` method of this name (`telemetry = value`).
    Nested {
        args: &'static [ArgSpec],
        method: &'static str,
    },
}

/// One argument of one macro.
#[derive(Debug)]
pub struct ArgSpec {
    pub name: &'static str,
    pub shape: Shape,
    /// The attribute the argument records (none for names and lists).
    pub key: Option<&'static str>,
}

/// One macro.
#[derive(Debug)]
pub struct MacroSpec {
    /// As written by users: `tool`, `flow`, ...
    pub name: &'static str,
    /// The runtime's `Kind` variant.
    pub kind: &'static str,
    /// The span name, or its prefix when a `Name` argument completes it.
    pub span_name: &'static str,
    pub args: &'static [ArgSpec],
    /// Pairs of arguments that cannot be used together.
    pub exclusive: &'static [(&'static str, &'static str)],
    /// Arguments that must be given.
    pub required: &'static [&'static str],
    /// The argument a bare literal most likely meant: `#[crux::generate("gpt-4o")]` is
    /// answered with "write `model = \"gpt-4o\"`".
    pub primary: &'static str,
    /// Keys the runtime sets itself on this kind of span: `attributes(..)` rejects them.
    pub derived: &'static [Derived],
}

/// A key the runtime derives for one kind of span.
#[derive(Debug)]
pub struct Derived {
    pub key: &'static str,
    /// The argument the key is recorded from, as written (`provider = ...`), when the
    /// runtime copies it from there rather than overwriting any value unconditionally.
    pub copies: Option<&'static str>,
}

/// Set unconditionally when the span starts: a user value would be overwritten.
const fn set(key: &'static str) -> Derived {
    Derived { key, copies: None }
}

/// Recorded from an argument (`gen_ai.system` from `provider = ...`).
const fn copied(key: &'static str, argument: &'static str) -> Derived {
    Derived {
        key,
        copies: Some(argument),
    }
}

impl MacroSpec {
    /// The argument recording `key`, if any argument of this macro records it: its name
    /// and how to write it (`model = ...`, `telemetry(operation = ...)`).
    pub fn argument_for(&self, key: &str) -> Option<(&'static str, String)> {
        fn find(table: &'static [ArgSpec], key: &str) -> Option<(&'static str, String)> {
            table.iter().find_map(|a| match a.shape {
                // Set with a value that is not the one recorded: see `hashed_from`.
                Shape::Hashed => None,
                _ if a.key == Some(key) => Some((a.name, format!("{} = ...", a.name))),
                Shape::Nested { args, .. } => {
                    find(args, key).map(|(name, written)| (name, format!("{}({written})", a.name)))
                }
                _ => None,
            })
        }
        find(self.args, key)
    }

    /// The argument whose hash is recorded under `key`, if any.
    pub fn hashed_from(&self, key: &str) -> Option<&'static str> {
        self.args
            .iter()
            .find(|a| matches!(a.shape, Shape::Hashed) && a.key == Some(key))
            .map(|a| a.name)
    }

    /// The entry of `key` if the runtime derives it on this kind of span.
    pub fn derived(&self, key: &str) -> Option<&Derived> {
        self.derived.iter().find(|d| d.key == key)
    }
}

const fn value(name: &'static str, ty: ValueType, key: &'static str) -> ArgSpec {
    ArgSpec {
        name,
        shape: Shape::Value(ty),
        key: Some(key),
    }
}

/// An argument recorded as its hash under `key`.
const fn hashed(name: &'static str, key: &'static str) -> ArgSpec {
    ArgSpec {
        name,
        shape: Shape::Hashed,
        key: Some(key),
    }
}

/// A runtime argument that takes an expression only.
const fn runtime(name: &'static str, method: &'static str) -> ArgSpec {
    ArgSpec {
        name,
        shape: Shape::Runtime {
            method,
            strings: false,
        },
        key: None,
    }
}

/// A runtime argument that also takes a string literal.
const fn runtime_or_string(name: &'static str, method: &'static str) -> ArgSpec {
    ArgSpec {
        name,
        shape: Shape::Runtime {
            method,
            strings: true,
        },
        key: None,
    }
}

const ATTRIBUTES: ArgSpec = ArgSpec {
    name: "attributes",
    shape: Shape::Attributes,
    key: None,
};

const METADATA: ArgSpec = ArgSpec {
    name: "metadata",
    shape: Shape::Metadata(CRUX_TRACE_METADATA),
    key: None,
};

const TAGS: ArgSpec = ArgSpec {
    name: "tags",
    shape: Shape::Tags,
    key: None,
};

pub static TOOL: MacroSpec = MacroSpec {
    name: "tool",
    kind: "Tool",
    span_name: "crux.tool.",
    args: &[
        ArgSpec {
            name: "name",
            shape: Shape::Name,
            key: None,
        },
        value("call_id", ValueType::Str, CRUX_TOOL_CALL_ID),
        value("description", ValueType::Str, GEN_AI_TOOL_DESCRIPTION),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "name",
    derived: &[
        set(CRUX_TOOL_NAME),
        set(GEN_AI_TOOL_NAME),
        set(GEN_AI_OPERATION_NAME),
        set(GEN_AI_TOOL_TYPE),
        copied(GEN_AI_TOOL_CALL_ID, "call_id = ..."),
    ],
};

pub static FLOW: MacroSpec = MacroSpec {
    name: "flow",
    kind: "Flow",
    span_name: "crux.flow",
    args: &[
        value("name", ValueType::Str, CRUX_FLOW_NAME),
        value("id", ValueType::Str, CRUX_FLOW_ID),
        runtime("resume", "resume"),
        runtime("parent", "parent"),
        ATTRIBUTES,
    ],
    // A resumed flow keeps the id in its checkpoint.
    exclusive: &[("resume", "id")],
    required: &[],
    primary: "name",
    derived: &[
        set(CRUX_FLOW_STARTED_AT),
        set(CRUX_FLOW_PARENT_ID),
        set(CRUX_FLOW_SUSPEND_POINT),
        set(CRUX_FLOW_SUSPENDED_MS),
        set(GEN_AI_OPERATION_NAME),
        copied(GEN_AI_WORKFLOW_NAME, "name = ..."),
    ],
};

pub static DELEGATE: MacroSpec = MacroSpec {
    name: "delegate",
    kind: "Delegate",
    span_name: "crux.delegate",
    args: &[value("id", ValueType::Str, CRUX_DELEGATE_ID), ATTRIBUTES],
    exclusive: &[],
    required: &[],
    primary: "id",
    derived: &[],
};

pub static FLOW_STEP: MacroSpec = MacroSpec {
    name: "flow_step",
    kind: "FlowStep",
    span_name: "crux.flow.step",
    args: &[
        value("label", ValueType::Str, CRUX_STEP_LABEL),
        value("id", ValueType::Str, CRUX_STEP_ID),
        value("attempt", ValueType::Int, CRUX_STEP_ATTEMPT),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "label",
    derived: &[
        set(CRUX_FLOW_ID),
        set(CODE_FUNCTION_NAME),
        set(CODE_FILE_PATH),
        set(CODE_LINE_NUMBER),
    ],
};

pub static GENERATE: MacroSpec = MacroSpec {
    name: "generate",
    kind: "Generate",
    span_name: "crux.generate",
    args: &[
        value("provider", ValueType::Str, GEN_AI_PROVIDER_NAME),
        value("model", ValueType::Str, GEN_AI_REQUEST_MODEL),
        value("operation", ValueType::Str, GEN_AI_OPERATION_NAME),
        value("stream", ValueType::Bool, GEN_AI_REQUEST_STREAM),
        value("temperature", ValueType::Double, GEN_AI_REQUEST_TEMPERATURE),
        value("max_tokens", ValueType::Int, GEN_AI_REQUEST_MAX_TOKENS),
        value("top_p", ValueType::Double, GEN_AI_REQUEST_TOP_P),
        value("top_k", ValueType::Int, GEN_AI_REQUEST_TOP_K),
        value("seed", ValueType::Int, GEN_AI_REQUEST_SEED),
        value(
            "frequency_penalty",
            ValueType::Double,
            GEN_AI_REQUEST_FREQUENCY_PENALTY,
        ),
        value(
            "presence_penalty",
            ValueType::Double,
            GEN_AI_REQUEST_PRESENCE_PENALTY,
        ),
        value(
            "stop_sequences",
            ValueType::StrArray,
            GEN_AI_REQUEST_STOP_SEQUENCES,
        ),
        value(
            "reasoning_level",
            ValueType::Str,
            GEN_AI_REQUEST_REASONING_LEVEL,
        ),
        value("prompt_id", ValueType::Str, CRUX_PROMPT_ID),
        value("prompt_name", ValueType::Str, GEN_AI_PROMPT_NAME),
        value("prompt_version", ValueType::Str, GEN_AI_PROMPT_VERSION),
        value("conversation_id", ValueType::Str, GEN_AI_CONVERSATION_ID),
        runtime_or_string("messages", "input_messages"),
        runtime_or_string("system", "system_instructions"),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "model",
    derived: &[
        copied(GEN_AI_SYSTEM, "provider = ..."),
        copied(GEN_AI_INPUT_MESSAGES, "messages = ..."),
        copied(GEN_AI_SYSTEM_INSTRUCTIONS, "system = ..."),
    ],
};

pub static AGENT: MacroSpec = MacroSpec {
    name: "agent",
    kind: "Run",
    span_name: "crux.run",
    args: &[
        value("name", ValueType::Str, GEN_AI_AGENT_NAME),
        value("id", ValueType::Str, CRUX_RUN_ID),
        value("session_id", ValueType::Str, SESSION_ID),
        value("user_id", ValueType::Str, USER_ID),
        value("tenant_id", ValueType::Str, CRUX_TENANT_ID),
        METADATA,
        TAGS,
        runtime("parent", "parent"),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "name",
    derived: &[
        set(GEN_AI_OPERATION_NAME),
        copied(GEN_AI_CONVERSATION_ID, "session_id = ..."),
        copied(CRUX_SESSION_ID, "session_id = ..."),
        copied(CRUX_TRACE_TAGS, "tags(..)"),
    ],
};

/// `telemetry(..)` inside `#[crux::use_reason]`.
static TELEMETRY: &[ArgSpec] = &[
    value("operation", ValueType::Str, GEN_AI_OPERATION_NAME),
    runtime("prompt", "prompt"),
    TAGS,
    METADATA,
    runtime("capture_content", "capture_content"),
];

pub static USE_REASON: MacroSpec = MacroSpec {
    name: "use_reason",
    kind: "UseReason",
    span_name: "crux.use_reason",
    args: &[
        value("id", ValueType::Str, CRUX_REASON_ID),
        value("provider", ValueType::Str, GEN_AI_PROVIDER_NAME),
        value("model", ValueType::Str, GEN_AI_REQUEST_MODEL),
        ArgSpec {
            name: "telemetry",
            shape: Shape::Nested {
                args: TELEMETRY,
                method: "telemetry",
            },
            key: None,
        },
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "model",
    derived: &[
        copied(CRUX_TRACE_TAGS, "telemetry(tags(..))"),
        copied(GEN_AI_PROMPT_NAME, "telemetry(prompt = ...)"),
        copied(GEN_AI_PROMPT_VERSION, "telemetry(prompt = ...)"),
        copied(CRUX_PROMPT_NAME, "telemetry(prompt = ...)"),
        copied(CRUX_PROMPT_VERSION, "telemetry(prompt = ...)"),
        copied(CRUX_PROMPT_TYPE, "telemetry(prompt = ...)"),
        copied(CRUX_PROMPT_SOURCE, "telemetry(prompt = ...)"),
        copied(CRUX_PROMPT_ID, "telemetry(prompt = ...)"),
    ],
};

pub static COMPOSITION: MacroSpec = MacroSpec {
    name: "composition",
    kind: "Composition",
    span_name: "crux.composition.",
    args: &[
        ArgSpec {
            name: "kind",
            shape: Shape::Choice(&["parallel", "pipeline", "consensus", "swarm"]),
            key: None,
        },
        value("id", ValueType::Str, CRUX_COMPOSITION_ID),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &["kind"],
    primary: "kind",
    derived: &[copied(CRUX_COMPOSITION_KIND, "kind = ...")],
};

pub static MEMORY: MacroSpec = MacroSpec {
    name: "memory",
    kind: "Memory",
    span_name: "crux.memory.",
    args: &[
        ArgSpec {
            name: "op",
            shape: Shape::Choice(&["read", "write"]),
            key: None,
        },
        value("kind", ValueType::Str, CRUX_MEMORY_TYPE),
        value("operation", ValueType::Str, CRUX_MEMORY_OPERATION),
        value("block_id", ValueType::Str, CRUX_MEMORY_BLOCK_ID),
        value("block_kind", ValueType::Str, CRUX_MEMORY_BLOCK_KIND),
        hashed("namespace", CRUX_MEMORY_NAMESPACE_HASH),
        value("write_mode", ValueType::Str, CRUX_MEMORY_WRITE_MODE),
        value(
            "proposal_status",
            ValueType::Str,
            CRUX_MEMORY_PROPOSAL_STATUS,
        ),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &["op"],
    primary: "op",
    derived: &[],
};

pub static CORPUS_SYNC: MacroSpec = MacroSpec {
    name: "corpus_sync",
    kind: "CorpusSync",
    span_name: "crux.corpus.sync",
    args: &[
        value("id", ValueType::Str, CRUX_CORPUS_ID),
        hashed("namespace", CRUX_CORPUS_NAMESPACE_HASH),
        value("mode", ValueType::Str, CRUX_CORPUS_MODE),
        value("stale_policy", ValueType::Str, CRUX_CORPUS_STALE_POLICY),
        value("source_set", ValueType::Str, CRUX_CORPUS_SOURCE_SET),
        value("dry_run", ValueType::Bool, CRUX_CORPUS_DRY_RUN),
        value("source_count", ValueType::Int, CRUX_CORPUS_SOURCE_COUNT),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "id",
    derived: &[],
};

pub static EMBEDDING: MacroSpec = MacroSpec {
    name: "embedding",
    kind: "Embedding",
    span_name: "crux.embedding",
    args: &[
        value("name", ValueType::Str, CRUX_EMBEDDING_NAME),
        value("provider", ValueType::Str, GEN_AI_PROVIDER_NAME),
        value("model", ValueType::Str, GEN_AI_REQUEST_MODEL),
        value("kind", ValueType::Str, CRUX_EMBEDDING_KIND),
        value("operation", ValueType::Str, CRUX_EMBEDDING_OPERATION),
        value("input_count", ValueType::Int, CRUX_EMBEDDING_INPUT_COUNT),
        value("chunk_count", ValueType::Int, CRUX_EMBEDDING_CHUNK_COUNT),
        value("dimensions", ValueType::Int, CRUX_EMBEDDING_DIMENSIONS),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "model",
    derived: &[
        set(GEN_AI_OPERATION_NAME),
        copied(GEN_AI_SYSTEM, "provider = ..."),
        copied(GEN_AI_EMBEDDINGS_DIMENSION_COUNT, "dimensions = ..."),
    ],
};

pub static RETRIEVAL: MacroSpec = MacroSpec {
    name: "retrieval",
    kind: "Retrieval",
    span_name: "crux.retrieval",
    args: &[
        value("retriever", ValueType::Str, CRUX_RETRIEVER_ID),
        hashed("namespace", CRUX_RETRIEVAL_NAMESPACE_HASH),
        value("mode", ValueType::Str, CRUX_RETRIEVAL_MODE),
        value("limit", ValueType::Int, CRUX_RETRIEVAL_LIMIT),
        value("fusion", ValueType::Str, CRUX_RETRIEVAL_FUSION),
        value("model", ValueType::Str, GEN_AI_REQUEST_MODEL),
        runtime_or_string("query", "retrieval_query"),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "retriever",
    derived: &[
        set(GEN_AI_OPERATION_NAME),
        set(CRUX_RETRIEVAL_RESULT_COUNT),
        copied(GEN_AI_DATA_SOURCE_ID, "retriever = ..."),
        copied(GEN_AI_RETRIEVAL_TOP_K, "limit = ..."),
        copied(GEN_AI_RETRIEVAL_QUERY_TEXT, "query = ..."),
    ],
};

pub static INDEXING: MacroSpec = MacroSpec {
    name: "indexing",
    kind: "Indexing",
    span_name: "crux.indexing",
    args: &[
        value("indexer", ValueType::Str, CRUX_INDEXER_ID),
        hashed("namespace", CRUX_INDEX_NAMESPACE_HASH),
        value("operation", ValueType::Str, CRUX_INDEX_OPERATION),
        value("source_count", ValueType::Int, CRUX_INDEX_SOURCE_COUNT),
        value("chunk_count", ValueType::Int, CRUX_INDEX_CHUNK_COUNT),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "indexer",
    derived: &[],
};

pub static INGEST: MacroSpec = MacroSpec {
    name: "ingest",
    kind: "Ingest",
    span_name: "crux.ingest.parse",
    args: &[
        value("parser", ValueType::Str, CRUX_INGEST_PARSER),
        value("format", ValueType::Str, CRUX_INGEST_FORMAT),
        hashed("namespace", CRUX_INGEST_NAMESPACE_HASH),
        hashed("source_id", CRUX_INGEST_SOURCE_ID_HASH),
        value("byte_length", ValueType::Int, CRUX_INGEST_BYTE_LENGTH),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "parser",
    derived: &[],
};

pub static COMPACT: MacroSpec = MacroSpec {
    name: "compact",
    kind: "Compact",
    span_name: "crux.compact",
    args: &[
        value("reason", ValueType::Str, CRUX_COMPACTION_REASON),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "reason",
    derived: &[set(CRUX_COMPACTION_RATIO)],
};

pub static JUDGE: MacroSpec = MacroSpec {
    name: "judge",
    kind: "Judge",
    span_name: "crux.judge",
    args: &[
        value("metric", ValueType::Str, CRUX_JUDGE_METRIC),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &["metric"],
    primary: "metric",
    derived: &[set(CRUX_JUDGE_SCORE)],
};

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [&MacroSpec; 16] = [
        &TOOL,
        &FLOW,
        &DELEGATE,
        &FLOW_STEP,
        &GENERATE,
        &AGENT,
        &USE_REASON,
        &COMPOSITION,
        &MEMORY,
        &CORPUS_SYNC,
        &EMBEDDING,
        &RETRIEVAL,
        &INDEXING,
        &INGEST,
        &COMPACT,
        &JUDGE,
    ];

    #[test]
    fn the_primary_argument_is_an_argument_of_the_macro() {
        for spec in ALL {
            assert!(
                spec.args.iter().any(|a| a.name == spec.primary),
                "#[crux::{}] has no `{}`",
                spec.name,
                spec.primary
            );
        }
    }

    #[test]
    fn derived_keys_are_registered_and_not_set_by_an_argument() {
        for spec in ALL {
            for derived in spec.derived {
                assert!(
                    crux_registry::lookup(derived.key).is_some(),
                    "{}",
                    derived.key
                );
                assert!(
                    spec.argument_for(derived.key).is_none(),
                    "#[crux::{}]: `{}` is both derived and an argument's key",
                    spec.name,
                    derived.key
                );
                if let Some(from) = derived.copies {
                    let name = from
                        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                        .next()
                        .unwrap_or_default();
                    assert!(
                        spec.args.iter().any(|a| a.name == name),
                        "#[crux::{}]: `{}` is recorded from `{from}`, not an argument",
                        spec.name,
                        derived.key
                    );
                }
            }
        }
    }

    #[test]
    fn argument_keys_are_registered() {
        fn check(table: &[ArgSpec]) {
            for arg in table {
                if let Some(key) = arg.key {
                    assert!(crux_registry::lookup(key).is_some(), "{key}");
                }
                if let Shape::Nested { args, .. } = arg.shape {
                    check(args);
                }
            }
        }
        for spec in ALL {
            check(spec.args);
        }
    }

    #[test]
    fn nested_arguments_are_found_with_their_path() {
        assert_eq!(
            USE_REASON.argument_for(GEN_AI_OPERATION_NAME),
            Some(("operation", "telemetry(operation = ...)".to_owned()))
        );
        assert_eq!(
            GENERATE.argument_for(GEN_AI_REQUEST_MODEL),
            Some(("model", "model = ...".to_owned()))
        );
        assert_eq!(TOOL.argument_for(GEN_AI_REQUEST_MODEL), None);
    }
}
