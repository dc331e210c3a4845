//! Skills: loaded, looked up in a skill cache, resolved — moments under the current span
//! with the skill's id (never its instructions).
//!
//! ```
//! # let _c = crux::testing::capture();
//! use crux::skill::SkillSource;
//! crux::skill::cache("refunds", false);
//! crux::skill::loaded("refunds", SkillSource::File);
//! crux::skill::resolved("refunds");
//! ```

use crate::attributes as key;
use crate::attributes::spans;
use crate::core::pipeline::MomentAttrs;

/// Where a skill came from (`crux.skill.source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkillSource {
    /// A file.
    File,
    /// A skill registry.
    Registry,
    /// Defined in code.
    Inline,
}

impl SkillSource {
    /// The recorded value: `file`, `registry`, `inline`.
    pub fn as_str(self) -> &'static str {
        match self {
            SkillSource::File => "file",
            SkillSource::Registry => "registry",
            SkillSource::Inline => "inline",
        }
    }
}

/// `hit` or `miss`.
pub(crate) fn hit_or_miss(hit: bool) -> &'static str {
    if hit {
        "hit"
    } else {
        "miss"
    }
}

/// A skill was loaded: `crux.skill.load` with `crux.skill.id` and `crux.skill.source`.
pub fn loaded(skill_id: &str, source: SkillSource) {
    MomentAttrs::default()
        .with(key::CRUX_SKILL_ID, skill_id.to_owned())
        .with(key::CRUX_SKILL_SOURCE, source.as_str())
        .record(spans::SKILL_LOAD);
}

/// The skill cache was asked for a skill: `crux.skill.cache` with
/// `crux.skill.cache.status` = `hit` or `miss`.
pub fn cache(skill_id: &str, hit: bool) {
    MomentAttrs::default()
        .with(key::CRUX_SKILL_CACHE_STATUS, hit_or_miss(hit))
        .with(key::CRUX_SKILL_ID, skill_id.to_owned())
        .record(spans::SKILL_CACHE);
}

/// A skill was resolved (chosen for the task at hand): `crux.skill.resolve`.
pub fn resolved(skill_id: &str) {
    MomentAttrs::default()
        .with(key::CRUX_SKILL_ID, skill_id.to_owned())
        .record(spans::SKILL_RESOLVE);
}
