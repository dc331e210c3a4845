//! crux's traits ([`crate::ModelResponse`], [`crate::ModelStreamItem`],
//! [`crate::ModelRequest`]) implemented for the types of LLM client crates, one file per
//! crate, each behind the Cargo feature of the crate's name (off by default).

#[cfg(feature = "async-openai")]
mod async_openai;
#[cfg(feature = "genai")]
mod genai;
#[cfg(feature = "ollama-rs")]
mod ollama_rs;
#[cfg(feature = "rig-core")]
mod rig_core;
