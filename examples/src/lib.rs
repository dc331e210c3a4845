//! Shared pieces of the crux examples.
