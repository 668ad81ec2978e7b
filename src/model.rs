//! The domain model: ids, skills, agents, contacts and channels.
//!
//! Everything here is plain data, serde-ready, validated by constructors
//! ([`Agent::builder`], [`Contact::builder`]) so that the router can trust it.
//!
//! **Proficiency** is an integer level `1..=10` ([`Level`]): 1 is a novice, 10 an
//! expert. Integers make skill relaxation ("accept one level lower after 30 s")
//! exact and make a requirement check a comparison of two bytes.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use thiserror::Error;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident($inner:ty), $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }

        impl From<$inner> for $name {
            fn from(v: $inner) -> Self {
                $name(v)
            }
        }
    };
}

id_type!(
    /// Identifies an agent. Chosen by the embedding system; stable across logins.
    AgentId(u32), "agent#"
);
id_type!(
    /// Identifies a contact (a call, chat, message, email or post).
    ContactId(u64), "contact#"
);
id_type!(
    /// Identifies a skill (a language, a product, a kind of request…).
    SkillId(u16), "skill#"
);
id_type!(
    /// Identifies a channel; see [`ChannelId::VOICE`] and friends for a convention.
    ChannelId(u8), "channel#"
);
id_type!(
    /// Identifies a customer segment (used by fit models and fairness metrics).
    SegmentId(u32), "segment#"
);
id_type!(
    /// A customer value tier: higher tiers may get priority, bounded by a maximum wait.
    TierId(u8), "tier#"
);

impl ChannelId {
    /// Conventional id for voice calls.
    pub const VOICE: ChannelId = ChannelId(0);
    /// Conventional id for web chat.
    pub const CHAT: ChannelId = ChannelId(1);
    /// Conventional id for asynchronous messaging (messenger apps, SMS).
    pub const MESSAGING: ChannelId = ChannelId(2);
    /// Conventional id for email.
    pub const EMAIL: ChannelId = ChannelId(3);
    /// Conventional id for public social media posts.
    pub const SOCIAL: ChannelId = ChannelId(4);
}

/// Whose profile a [`ModelError`] is about: an ACD that loads thousands of
/// agents from a file needs to know which one to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    /// An agent's profile ([`Agent::builder`]).
    Agent(AgentId),
    /// A contact ([`Contact::builder`]).
    Contact(ContactId),
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Owner::Agent(a) => a.fmt(f),
            Owner::Contact(c) => c.fmt(f),
        }
    }
}

impl From<AgentId> for Owner {
    fn from(a: AgentId) -> Owner {
        Owner::Agent(a)
    }
}

impl From<ContactId> for Owner {
    fn from(c: ContactId) -> Owner {
        Owner::Contact(c)
    }
}

/// Why an agent or a contact is invalid, from its builder or its serde
/// form. Every variant names the agent or contact (`agent#17: skill#3 at
/// level 11 is outside 1..=10`), and the skill or channel where there is one.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A proficiency level outside `1..=10`: an agent's level in a skill, or
    /// the lowest level a contact accepts for one.
    #[error("{owner}: {skill} at level {level} is outside 1..=10")]
    LevelOutOfRange {
        /// The agent or contact.
        owner: Owner,
        /// The skill.
        skill: SkillId,
        /// The level given.
        level: u8,
    },
    /// A skill listed twice for one agent or one contact.
    #[error("{owner}: {skill} is listed twice")]
    DuplicateSkill {
        /// The agent or contact.
        owner: Owner,
        /// The skill.
        skill: SkillId,
    },
    /// A channel listed twice in an agent's capacities.
    #[error("{agent}: {channel} is listed twice in the capacities")]
    DuplicateChannel {
        /// The agent.
        agent: AgentId,
        /// The channel.
        channel: ChannelId,
    },
    /// An agent that can take no work at all.
    #[error("{0} has no channel with a capacity of at least 1")]
    NoCapacity(AgentId),
    /// An agent whose total capacity is zero.
    #[error("{0} has a total capacity of 0")]
    ZeroTotalCapacity(AgentId),
    /// A number that must be finite (and maybe positive) is not: an
    /// agent's speed, a contact's arrival time.
    #[error("{owner}: {field} must be finite{extra}, got {}", short_number(*.value, 1e15))]
    BadNumber {
        /// The agent or contact.
        owner: Owner,
        /// The field that is wrong.
        field: &'static str,
        /// The value given.
        value: f64,
        /// Further condition, e.g. " and > 0".
        extra: &'static str,
    },
}

/// A proficiency level outside `1..=10` given to [`Level::new`], which
/// knows no agent, contact or skill to name: the builders do, and say so
/// in [`ModelError::LevelOutOfRange`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("proficiency level {0} is outside 1..=10")]
pub struct LevelError(pub u8);

/// The largest magnitude of a time the router accepts, in seconds from its
/// origin (about 31,700 years). Up to it, `f64` steps stay under 0.13 ms,
/// so waits, relaxation steps and cool-downs keep their meaning; near 1e17
/// a whole second is lost, and an arrival at −1e308 would make every wait
/// infinite. Event times, arrival times and a snapshot's times beyond it
/// are refused.
pub const TIME_LIMIT: f64 = 1e12;

/// Whether `t` is a time the router accepts: within ±[`TIME_LIMIT`], so
/// neither NaN nor infinite (one comparison for all three).
#[inline(always)]
pub(crate) fn in_time_range(t: f64) -> bool {
    t.abs() <= TIME_LIMIT
}

/// A number for an error message: as Rust writes it when it lies in
/// `[1e-4, plain_below)` (or is 0, NaN or infinite), in exponent form
/// otherwise (`2.2250738585072014e-308`, `1e10`), so that a message never
/// runs to hundreds of digits.
pub(crate) fn short_number(x: f64, plain_below: f64) -> String {
    if x != 0.0 && x.is_finite() && !(1e-4..plain_below).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// Reads a number that may be `+inf`, written `null` in JSON (which has no
/// infinity: serde_json writes an infinite `f64` as `null`), so that a
/// setting's JSON form reads back equal. For `#[serde(deserialize_with)]`.
pub(crate) fn null_is_infinite<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::INFINITY))
}

/// A proficiency level, `1..=10` (1 novice, 10 expert).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Level(u8);

impl Level {
    /// The lowest level, 1.
    pub const MIN: Level = Level(1);
    /// The highest level, 10.
    pub const MAX: Level = Level(10);

    /// A level, if `v` is in `1..=10`.
    pub fn new(v: u8) -> Result<Level, LevelError> {
        if (1..=10).contains(&v) {
            Ok(Level(v))
        } else {
            Err(LevelError(v))
        }
    }

    /// The level as a number in `1..=10`.
    pub fn get(self) -> u8 {
        self.0
    }

    /// The level lowered by `steps`, never below [`Level::MIN`].
    pub fn relaxed(self, steps: u8) -> Level {
        Level(self.0.saturating_sub(steps).max(1))
    }
}

impl TryFrom<u8> for Level {
    type Error = LevelError;
    fn try_from(v: u8) -> Result<Self, LevelError> {
        Level::new(v)
    }
}

impl From<Level> for u8 {
    fn from(l: Level) -> u8 {
        l.0
    }
}

/// A skill an agent has, at a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillLevel {
    /// The skill.
    pub skill: SkillId,
    /// How well the agent masters it.
    pub level: Level,
}

/// A skill a contact needs, with the lowest acceptable level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    /// The skill.
    pub skill: SkillId,
    /// The lowest level that may serve the contact (before any relaxation).
    pub min_level: Level,
}

/// How many contacts of one channel an agent handles at once (e.g. 1 call, 3
/// chats). The agent's total capacity caps all channels together. A contact
/// holds its slot, on its channel and in the total, from its offer to the end
/// of its wrap-up ([`Event::WrapUpDone`](crate::Event::WrapUpDone)); wrap-up
/// blocks that slot only, not the agent's other channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelCapacity {
    /// The channel.
    pub channel: ChannelId,
    /// Concurrent contacts of that channel.
    pub max: u16,
}

/// An agent's profile: skills, capacities and attributes. Its state (logged in,
/// ready, busy…) is kept by the router, not here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "AgentSpec")]
pub struct Agent {
    id: AgentId,
    skills: Vec<SkillLevel>,
    capacity: Vec<ChannelCapacity>,
    total_capacity: u16,
    speed: f64,
    attributes: BTreeMap<String, String>,
}

/// The serialized form of an [`Agent`], validated on deserialization.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct AgentSpec {
    id: AgentId,
    #[serde(default)]
    skills: Vec<SkillLevelSpec>,
    capacity: Vec<ChannelCapacity>,
    #[serde(default)]
    total_capacity: Option<u16>,
    #[serde(default = "one")]
    speed: f64,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
}

/// A [`SkillLevel`] as written, its level not yet checked: checked as
/// [`Level`] on reading, a level out of range would be refused before the
/// agent's id is known, and the message could not say whose it is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct SkillLevelSpec {
    skill: SkillId,
    level: u8,
}

/// A [`Requirement`] as written, its level not yet checked (see
/// [`SkillLevelSpec`]).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct RequirementSpec {
    skill: SkillId,
    min_level: u8,
}

fn one() -> f64 {
    1.0
}

impl TryFrom<AgentSpec> for Agent {
    type Error = ModelError;
    fn try_from(s: AgentSpec) -> Result<Agent, ModelError> {
        let mut b = Agent::builder(s.id).speed(s.speed);
        for sl in s.skills {
            b = b.skill(sl.skill, sl.level);
        }
        for c in s.capacity {
            b = b.channel(c.channel, c.max);
        }
        if let Some(t) = s.total_capacity {
            b = b.total_capacity(t);
        }
        for (k, v) in s.attributes {
            b = b.attribute(k, v);
        }
        b.build()
    }
}

impl Agent {
    /// Starts an agent profile. Add skills and channels, then [`AgentBuilder::build`].
    pub fn builder(id: AgentId) -> AgentBuilder {
        AgentBuilder {
            id,
            skills: Vec::new(),
            capacity: Vec::new(),
            total: None,
            speed: 1.0,
            attributes: BTreeMap::new(),
        }
    }

    /// The agent's id.
    pub fn id(&self) -> AgentId {
        self.id
    }

    /// Skills, sorted by skill id.
    pub fn skills(&self) -> &[SkillLevel] {
        &self.skills
    }

    /// The agent's level in `skill`, if it has it. O(log skills).
    pub fn level(&self, skill: SkillId) -> Option<Level> {
        self.skills
            .binary_search_by_key(&skill, |s| s.skill)
            .ok()
            .map(|i| self.skills[i].level)
    }

    /// Capacities per channel, sorted by channel id.
    pub fn capacities(&self) -> &[ChannelCapacity] {
        &self.capacity
    }

    /// Concurrent contacts of `channel` this agent may handle (0 if none).
    pub fn capacity(&self, channel: ChannelId) -> u16 {
        self.capacity
            .iter()
            .find(|c| c.channel == channel)
            .map_or(0, |c| c.max)
    }

    /// Concurrent contacts of all channels together.
    pub fn total_capacity(&self) -> u16 {
        self.total_capacity
    }

    /// Relative service speed (1.0 = nominal); used by cμ-type policies and simulators.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Free-form attributes for fit models and policies (language,
    /// persona, team…). In the simulator every agent has `group`, its
    /// scenario group's name (see the `sim` module's *What a policy
    /// sees*).
    pub fn attributes(&self) -> &BTreeMap<String, String> {
        &self.attributes
    }

    /// Whether this agent meets every requirement, each lowered by `relax` levels.
    #[inline]
    pub fn meets(&self, requirements: &[Requirement], relax: u8) -> bool {
        requirements.iter().all(|r| {
            self.level(r.skill)
                .is_some_and(|l| l >= r.min_level.relaxed(relax))
        })
    }
}

/// Builds a validated [`Agent`].
#[derive(Debug, Clone)]
pub struct AgentBuilder {
    id: AgentId,
    skills: Vec<(SkillId, u8)>,
    capacity: Vec<ChannelCapacity>,
    total: Option<u16>,
    speed: f64,
    attributes: BTreeMap<String, String>,
}

impl AgentBuilder {
    /// Adds a skill at a level in `1..=10`.
    pub fn skill(mut self, skill: SkillId, level: u8) -> Self {
        self.skills.push((skill, level));
        self
    }

    /// Allows `max` concurrent contacts of `channel`.
    pub fn channel(mut self, channel: ChannelId, max: u16) -> Self {
        self.capacity.push(ChannelCapacity { channel, max });
        self
    }

    /// Caps the concurrent contacts of all channels together
    /// (default: the largest per-channel capacity). With voice 1 and chat 3
    /// the default total is 3, so a call and two chats may run at once,
    /// and a chat may be offered while a call is in wrap-up (wrap-up holds
    /// the call's slot, not the agent); `total_capacity(1)` makes the agent
    /// take one contact of any channel at a time, wrap-up included. A rule
    /// such as "a call excludes chats" is not expressed by capacities: an
    /// embedding system that wants it sends
    /// [`Event::AgentNotReady`](crate::Event::AgentNotReady) while the call
    /// lasts.
    pub fn total_capacity(mut self, total: u16) -> Self {
        self.total = Some(total);
        self
    }

    /// Relative service speed, finite and > 0 (default 1.0).
    pub fn speed(mut self, speed: f64) -> Self {
        self.speed = speed;
        self
    }

    /// Adds a free-form attribute.
    pub fn attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.insert(key.into(), value.into());
        self
    }

    /// Validates and builds the agent.
    pub fn build(self) -> Result<Agent, ModelError> {
        let owner = Owner::Agent(self.id);
        let mut skills = Vec::with_capacity(self.skills.len());
        for (skill, level) in self.skills {
            skills.push(SkillLevel {
                skill,
                level: Level::new(level).map_err(|_| ModelError::LevelOutOfRange {
                    owner,
                    skill,
                    level,
                })?,
            });
        }
        skills.sort_by_key(|s| s.skill);
        if let Some(w) = skills.windows(2).find(|w| w[0].skill == w[1].skill) {
            return Err(ModelError::DuplicateSkill {
                owner,
                skill: w[0].skill,
            });
        }
        let mut capacity = self.capacity;
        capacity.sort_by_key(|c| c.channel);
        if let Some(w) = capacity.windows(2).find(|w| w[0].channel == w[1].channel) {
            return Err(ModelError::DuplicateChannel {
                agent: self.id,
                channel: w[0].channel,
            });
        }
        capacity.retain(|c| c.max > 0);
        let Some(largest) = capacity.iter().map(|c| c.max).max() else {
            return Err(ModelError::NoCapacity(self.id));
        };
        let total = self.total.unwrap_or(largest);
        if total == 0 {
            return Err(ModelError::ZeroTotalCapacity(self.id));
        }
        if !(self.speed.is_finite() && self.speed > 0.0) {
            return Err(ModelError::BadNumber {
                owner,
                field: "speed",
                value: self.speed,
                extra: " and > 0",
            });
        }
        Ok(Agent {
            id: self.id,
            skills,
            capacity,
            total_capacity: total,
            speed: self.speed,
            attributes: self.attributes,
        })
    }
}

/// Requirements kept inline in a [`Contact`]: most contacts need one or two
/// skills, and a contact is built for every arrival, so the common case
/// allocates nothing.
const INLINE_REQUIREMENTS: usize = 4;
type Requirements = SmallVec<[Requirement; INLINE_REQUIREMENTS]>;

/// A contact's free-form attributes, boxed only when there are some: most
/// contacts have none, and an empty map inline would still make the record
/// larger and cost a drop call for every contact that leaves. `None` if and
/// only if the map is empty, so that the derived equality is the map's.
#[derive(Clone, Default, PartialEq)]
#[allow(clippy::box_collection)] // the box is the point: one word, null when empty
struct Attributes(Option<Box<BTreeMap<String, String>>>);

static NO_ATTRIBUTES: BTreeMap<String, String> = BTreeMap::new();

impl Attributes {
    fn new(map: BTreeMap<String, String>) -> Attributes {
        Attributes((!map.is_empty()).then(|| Box::new(map)))
    }
    fn map(&self) -> &BTreeMap<String, String> {
        self.0.as_deref().unwrap_or(&NO_ATTRIBUTES)
    }
}

impl fmt::Debug for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.map().fmt(f)
    }
}

impl Serialize for Attributes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.map().serialize(s)
    }
}

/// A contact waiting to be served: what it needs and who the customer is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ContactSpec")]
pub struct Contact {
    id: ContactId,
    channel: ChannelId,
    requirements: Requirements,
    priority: u8,
    tier: TierId,
    segment: SegmentId,
    arrival: f64,
    preferred_agent: Option<AgentId>,
    attributes: Attributes,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ContactSpec {
    id: ContactId,
    channel: ChannelId,
    #[serde(default)]
    requirements: Vec<RequirementSpec>,
    #[serde(default)]
    priority: u8,
    #[serde(default)]
    tier: TierId,
    #[serde(default)]
    segment: SegmentId,
    arrival: f64,
    #[serde(default)]
    preferred_agent: Option<AgentId>,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
}

impl TryFrom<ContactSpec> for Contact {
    type Error = ModelError;
    fn try_from(s: ContactSpec) -> Result<Contact, ModelError> {
        let mut b = Contact::builder(s.id, s.channel, s.arrival)
            .priority(s.priority)
            .tier(s.tier)
            .segment(s.segment);
        for r in s.requirements {
            b = b.requires(r.skill, r.min_level);
        }
        if let Some(a) = s.preferred_agent {
            b = b.preferred_agent(a);
        }
        for (k, v) in s.attributes {
            b = b.attribute(k, v);
        }
        b.build()
    }
}

impl Contact {
    /// Starts a contact on `channel` that arrived at `arrival` (seconds, the
    /// router's clock; an escalated contact keeps its first arrival time).
    pub fn builder(id: ContactId, channel: ChannelId, arrival: f64) -> ContactBuilder {
        ContactBuilder {
            id,
            channel,
            arrival,
            requirements: SmallVec::new(),
            priority: 0,
            tier: TierId(0),
            segment: SegmentId(0),
            preferred_agent: None,
            attributes: BTreeMap::new(),
        }
    }

    /// The contact's id.
    pub fn id(&self) -> ContactId {
        self.id
    }
    /// The channel it came through.
    pub fn channel(&self) -> ChannelId {
        self.channel
    }
    /// Skills it needs, sorted by skill id; empty means any agent of the channel.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }
    /// Priority: higher goes first under priority policies (0 = normal).
    pub fn priority(&self) -> u8 {
        self.priority
    }
    /// The customer's value tier.
    pub fn tier(&self) -> TierId {
        self.tier
    }
    /// The customer's segment.
    pub fn segment(&self) -> SegmentId {
        self.segment
    }
    /// Arrival time (seconds on the router's clock).
    pub fn arrival(&self) -> f64 {
        self.arrival
    }
    /// The agent the customer prefers or last spoke to, if any.
    pub fn preferred_agent(&self) -> Option<AgentId> {
        self.preferred_agent
    }
    /// Free-form customer attributes for fit models.
    pub fn attributes(&self) -> &BTreeMap<String, String> {
        self.attributes.map()
    }
}

/// Builds a validated [`Contact`].
#[derive(Debug, Clone)]
pub struct ContactBuilder {
    id: ContactId,
    channel: ChannelId,
    arrival: f64,
    requirements: SmallVec<[(SkillId, u8); INLINE_REQUIREMENTS]>,
    priority: u8,
    tier: TierId,
    segment: SegmentId,
    preferred_agent: Option<AgentId>,
    attributes: BTreeMap<String, String>,
}

impl ContactBuilder {
    /// Requires `skill` at `min_level` (in `1..=10`) or above.
    pub fn requires(mut self, skill: SkillId, min_level: u8) -> Self {
        self.requirements.push((skill, min_level));
        self
    }
    /// Sets the priority (default 0).
    pub fn priority(mut self, priority: u8) -> Self {
        self.priority = priority;
        self
    }
    /// Sets the value tier (default 0).
    pub fn tier(mut self, tier: TierId) -> Self {
        self.tier = tier;
        self
    }
    /// Sets the customer segment (default 0).
    pub fn segment(mut self, segment: SegmentId) -> Self {
        self.segment = segment;
        self
    }
    /// Names the preferred or last agent.
    pub fn preferred_agent(mut self, agent: AgentId) -> Self {
        self.preferred_agent = Some(agent);
        self
    }
    /// Adds a free-form attribute.
    pub fn attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.insert(key.into(), value.into());
        self
    }
    /// Validates and builds the contact.
    pub fn build(self) -> Result<Contact, ModelError> {
        let owner = Owner::Contact(self.id);
        if !in_time_range(self.arrival) {
            return Err(ModelError::BadNumber {
                owner,
                field: "arrival",
                value: self.arrival,
                extra: " and within ±1e12 s (TIME_LIMIT)",
            });
        }
        let mut requirements = Requirements::new();
        for (skill, level) in self.requirements {
            requirements.push(Requirement {
                skill,
                min_level: Level::new(level).map_err(|_| ModelError::LevelOutOfRange {
                    owner,
                    skill,
                    level,
                })?,
            });
        }
        requirements.sort_by_key(|r| r.skill);
        if let Some(w) = requirements.windows(2).find(|w| w[0].skill == w[1].skill) {
            return Err(ModelError::DuplicateSkill {
                owner,
                skill: w[0].skill,
            });
        }
        Ok(Contact {
            id: self.id,
            channel: self.channel,
            arrival: self.arrival,
            requirements,
            priority: self.priority,
            tier: self.tier,
            segment: self.segment,
            preferred_agent: self.preferred_agent,
            attributes: Attributes::new(self.attributes),
        })
    }
}

impl Contact {
    /// A copy with another id, arrival time and segment: the rest was
    /// validated when `self` was built. For the simulator, which builds one
    /// such template per contact type. `arrival` must be finite. Inlined
    /// always: once out of line (the engine has two callers since the
    /// self-service tier), the call costs M/M/n 0.8% more instructions.
    #[cfg(feature = "sim")]
    #[inline(always)]
    pub(crate) fn renewed(&self, id: ContactId, arrival: f64, segment: SegmentId) -> Contact {
        debug_assert!(arrival.is_finite());
        // Field by field: a derived clone goes through the generic
        // `Extend` of the requirements and a call for the (usually empty)
        // attributes, on every arrival.
        Contact {
            id,
            channel: self.channel,
            requirements: SmallVec::from_slice(&self.requirements),
            priority: self.priority,
            tier: self.tier,
            segment,
            arrival,
            preferred_agent: self.preferred_agent,
            attributes: self.attributes.clone(),
        }
    }
}

/// What became of a contact once served, reported by the embedding system.
/// Fit models and policies may learn from it.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Outcome {
    /// Whether the customer's issue was resolved (first-contact resolution), if known.
    pub resolved: Option<bool>,
    /// A satisfaction score in `0.0..=1.0`, if known (the router refuses
    /// an event whose score is outside it, NaN included).
    pub satisfaction: Option<f64>,
}

/// Where a contact in the system is in its life. Every contact the router
/// accepted and that has not left is in exactly one of these states; once it
/// leaves (completed, abandoned or withdrawn) the router counts it and forgets it, and
/// `Router::contact_state` returns `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ContactState {
    /// In queue, waiting for an agent.
    Waiting,
    /// Offered to an agent, who has not answered yet.
    Offered(AgentId),
    /// Being handled by an agent.
    InService(AgentId),
    /// Handled; the agent is doing after-contact work.
    WrapUp(AgentId),
}

impl fmt::Display for ContactState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContactState::Waiting => write!(f, "waiting"),
            ContactState::Offered(a) => write!(f, "offered to {a}"),
            ContactState::InService(a) => write!(f, "in service with {a}"),
            ContactState::WrapUp(a) => write!(f, "in wrap-up with {a}"),
        }
    }
}

/// An agent's presence, as the embedding system reports it. Whether the agent is
/// busy or in wrap-up follows from the contacts it holds; see [`AgentState`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Presence {
    /// Not logged in.
    LoggedOut,
    /// Logged in, not taking new work.
    NotReady,
    /// Logged in and taking work.
    Ready,
}

/// An agent's state as seen from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AgentState {
    /// Not logged in.
    LoggedOut,
    /// Logged in, not taking work, holding none.
    NotReady,
    /// Taking work and holding none.
    Ready,
    /// Holding at least one contact that is offered or in service.
    Busy,
    /// Holding only contacts in wrap-up. Such an agent, if ready, may be
    /// offered work on a channel where it has room: wrap-up holds the
    /// contact's slot, not the agent.
    WrapUp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_validation() {
        assert_eq!(
            Agent::builder(AgentId(1))
                .skill(SkillId(1), 11)
                .channel(ChannelId::VOICE, 1)
                .build(),
            Err(ModelError::LevelOutOfRange {
                owner: Owner::Agent(AgentId(1)),
                skill: SkillId(1),
                level: 11
            })
        );
        assert_eq!(
            Agent::builder(AgentId(1))
                .skill(SkillId(1), 0)
                .channel(ChannelId::VOICE, 1)
                .build(),
            Err(ModelError::LevelOutOfRange {
                owner: Owner::Agent(AgentId(1)),
                skill: SkillId(1),
                level: 0
            })
        );
        assert_eq!(
            Agent::builder(AgentId(1))
                .skill(SkillId(1), 3)
                .skill(SkillId(1), 4)
                .channel(ChannelId::VOICE, 1)
                .build(),
            Err(ModelError::DuplicateSkill {
                owner: Owner::Agent(AgentId(1)),
                skill: SkillId(1)
            })
        );
        assert_eq!(
            Agent::builder(AgentId(1)).skill(SkillId(1), 3).build(),
            Err(ModelError::NoCapacity(AgentId(1)))
        );
        assert!(matches!(
            Agent::builder(AgentId(1))
                .channel(ChannelId::VOICE, 1)
                .speed(f64::NAN)
                .build(),
            Err(ModelError::BadNumber { field: "speed", .. })
        ));
        let a = Agent::builder(AgentId(1))
            .skill(SkillId(5), 7)
            .skill(SkillId(2), 3)
            .channel(ChannelId::CHAT, 3)
            .channel(ChannelId::VOICE, 1)
            .build()
            .unwrap();
        assert_eq!(a.total_capacity(), 3);
        assert_eq!(a.level(SkillId(5)), Some(Level::new(7).unwrap()));
        assert_eq!(a.level(SkillId(3)), None);
        assert_eq!(a.capacity(ChannelId::VOICE), 1);
        assert_eq!(a.capacity(ChannelId::EMAIL), 0);
    }

    #[test]
    fn eligibility_and_relaxation() {
        let a = Agent::builder(AgentId(1))
            .skill(SkillId(1), 5)
            .skill(SkillId(2), 9)
            .channel(ChannelId::VOICE, 1)
            .build()
            .unwrap();
        let r = |s, l| Requirement {
            skill: SkillId(s),
            min_level: Level::new(l).unwrap(),
        };
        assert!(a.meets(&[r(1, 5), r(2, 9)], 0));
        assert!(!a.meets(&[r(1, 6)], 0));
        assert!(a.meets(&[r(1, 6)], 1));
        assert!(
            !a.meets(&[r(3, 1)], 9),
            "relaxation never removes the skill itself"
        );
        assert!(a.meets(&[], 0));
    }

    #[test]
    fn contact_validation_and_serde() {
        assert!(matches!(
            Contact::builder(ContactId(1), ChannelId::VOICE, f64::INFINITY).build(),
            Err(ModelError::BadNumber {
                field: "arrival",
                ..
            })
        ));
        let json =
            r#"{"id":7,"channel":1,"arrival":2.5,"requirements":[{"skill":3,"min_level":11}]}"#;
        assert!(serde_json::from_str::<Contact>(json).is_err());
        let json =
            r#"{"id":7,"channel":1,"arrival":2.5,"requirements":[{"skill":3,"min_level":4}]}"#;
        let c: Contact = serde_json::from_str(json).unwrap();
        assert_eq!(c.requirements()[0].min_level.get(), 4);
        let back: Contact = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
        let json =
            r#"{"id":1,"skills":[{"skill":1,"level":4}],"capacity":[{"channel":0,"max":1}]}"#;
        let a: Agent = serde_json::from_str(json).unwrap();
        let back: Agent = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(back, a);
    }
}
