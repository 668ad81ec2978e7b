//! The router's bookkeeping and the read-only [`RouterView`] that policies see.
//!
//! Indexes are kept so that one event costs O(eligible pairs) or less, not a
//! scan of everything. Available agents are kept in *buckets* of agents no
//! contact can tell apart (same profile — skills, capacities, speed,
//! attributes, fit class — and the same load on each channel), each ordered
//! longest idle first; non-empty buckets are indexed by each skill of their
//! profile. An arriving contact looks in the buckets listed under the rarest
//! of its skills, decides eligibility once per bucket, and — for the
//! policies whose ranking favours the longer idle among alike agents — looks
//! only at each bucket's first member not cooling down
//! ([`RouterView::eligible_agent_heads`]). Waiting contacts are kept in *groups* of
//! contacts no agent can tell apart (same channel, requirements, relaxation,
//! priority, tier, segment, preferred agent, attributes), each a FIFO list;
//! non-empty groups are indexed by their first required skill and by their
//! whole set of required skills. A freed agent reaches the groups it may
//! serve either by scanning those keyed by its skills or by listing the
//! subsets of its skills (whichever visits fewer), decides eligibility once
//! per group, and — for the policies whose ranking favours the longer wait
//! among identical contacts — looks only at each group's first member
//! ([`RouterView::eligible_heads`]), so its cost follows the variety of the
//! queue, not its length.
//!
//! Everything lives in vectors indexed by dense slots, so iteration order
//! depends only on the events received (determinism), never on hashing. Maps
//! keyed by ids use [`IdHasher`], and nothing is allocated when an agent frees
//! or takes a slot, or when a contact joins an existing group.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use smallvec::SmallVec;

use crate::model::{
    Agent, AgentId, AgentState, ChannelId, Contact, ContactId, Level, Presence, Requirement,
    SegmentId, SkillId, TierId,
};
use crate::score::{self, AgentLoad, FitModel, ScoreBreakdown, ScoreWeights};

const NONE: u32 = u32::MAX;

/// A fast hasher for the small integer ids the router uses as keys (FxHash's
/// multiply-rotate; the default SipHash costs more than the rest of a lookup).
/// Not DoS-resistant: ids are chosen by the embedding system, not by customers.
/// Iteration order of these maps is never relied on.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct IdHasher(u64);

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(u64::from(b));
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }
    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by an id, hashed with [`IdHasher`].
pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// A set of channels, a bit each: a test is a shift and a mask, without the
/// loop and the branches a list would take for every bucket a contact looks at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct ChannelSet([u64; 4]);

impl ChannelSet {
    #[inline]
    fn contains(&self, c: ChannelId) -> bool {
        self.0[usize::from(c.0 >> 6)] >> (c.0 & 63) & 1 != 0
    }
}

impl FromIterator<ChannelId> for ChannelSet {
    fn from_iter<I: IntoIterator<Item = ChannelId>>(iter: I) -> ChannelSet {
        let mut set = ChannelSet::default();
        for c in iter {
            set.0[usize::from(c.0 >> 6)] |= 1 << (c.0 & 63);
        }
        set
    }
}

/// Skills numbered below this have their level kept in [`LowLevels`].
const LOW_SKILLS: usize = 16;

/// A profile's levels in the skills numbered below [`LOW_SKILLS`], by
/// number (0 where it lacks the skill): whether an agent or a bucket meets
/// a contact's requirements is asked for every bucket an arriving contact
/// looks at and every offer, and this answers it by indexing an array held
/// in the record rather than searching the profile's skills on the heap.
#[derive(Debug, Clone, Copy, Default)]
struct LowLevels([u8; LOW_SKILLS]);

impl LowLevels {
    fn of(agent: &Agent) -> LowLevels {
        let mut low = LowLevels::default();
        for sk in agent.skills() {
            if let Some(l) = low.0.get_mut(sk.skill.0 as usize) {
                *l = sk.level.get();
            }
        }
        low
    }

    /// `agent.level(skill)` as a number (0 if it lacks it), `agent` being
    /// the profile these levels were made from.
    #[inline]
    fn level(&self, agent: &Agent, skill: SkillId) -> u8 {
        match self.0.get(skill.0 as usize) {
            Some(&l) => l,
            None => agent.level(skill).map_or(0, Level::get),
        }
    }

    /// `agent.meets(requirements, relax)`, `agent` being the profile these
    /// levels were made from.
    #[inline]
    fn meets(&self, agent: &Agent, requirements: &[Requirement], relax: u8) -> bool {
        requirements
            .iter()
            .all(|r| self.level(agent, r.skill) >= r.min_level.relaxed(relax).get())
    }
}

/// What a bucket must offer a contact ([`State::bucket_meets`]), worked out
/// once for all the buckets the contact looks at.
struct Need<'c> {
    channel: ChannelId,
    reqs: &'c [Requirement],
    relax: u8,
    /// Its one requirement, if it has exactly one in a skill numbered below
    /// [`LOW_SKILLS`]: (skill, level after relaxation).
    one: Option<(usize, u8)>,
}

impl<'c> Need<'c> {
    #[inline]
    fn of(c: &'c ContactRec) -> Need<'c> {
        let reqs = c.contact.requirements();
        Need {
            channel: c.contact.channel(),
            reqs,
            relax: c.relax,
            one: match reqs {
                [r] if (r.skill.0 as usize) < LOW_SKILLS => {
                    Some((r.skill.0 as usize, r.min_level.relaxed(c.relax).get()))
                }
                _ => None,
            },
        }
    }
}

/// Skill ids below this are looked up by indexing a vector.
const DENSE_SKILLS: usize = 1024;

/// A map keyed by skill: a vector for the small ids that deployments number
/// their skills with, found by indexing rather than hashing (these lookups
/// run for every arriving contact and freed agent), a hash map above. An id
/// never set reads as `V::default()` below [`DENSE_SKILLS`] and as absent
/// above: callers treat the two alike.
#[derive(Debug, Clone, Default)]
pub(crate) struct SkillTable<V> {
    dense: Vec<V>,
    sparse: IdMap<SkillId, V>,
}

impl<V: Default> SkillTable<V> {
    #[inline]
    fn get(&self, s: SkillId) -> Option<&V> {
        let i = s.0 as usize;
        if i < DENSE_SKILLS {
            self.dense.get(i)
        } else {
            self.sparse.get(&s)
        }
    }

    fn get_mut(&mut self, s: SkillId) -> &mut V {
        let i = s.0 as usize;
        if i < DENSE_SKILLS {
            if self.dense.len() <= i {
                self.dense.resize_with(i + 1, V::default);
            }
            &mut self.dense[i]
        } else {
            self.sparse.entry(s).or_default()
        }
    }

    fn clear(&mut self) {
        self.dense.clear();
        self.sparse.clear();
    }

    fn values(&self) -> impl Iterator<Item = &V> {
        self.dense.iter().chain(self.sparse.values())
    }
}

/// A group of waiting contacts that no agent can tell apart: the same channel,
/// requirements, relaxation, priority, tier, segment, preferred agent and
/// attributes. Its members form a linked list in FIFO order (arrival time,
/// then order of first arrival at the router), so whichever agent looks at a
/// group decides eligibility once for all of them, and a policy that prefers
/// the longer-waiting of two otherwise identical contacts need only look at
/// the first eligible member ([`RouterView::eligible_heads`]).
#[derive(Debug, Clone)]
struct Group {
    hash: u64,
    /// Next group with the same hash; NONE ends the chain.
    chain: u32,
    channel: ChannelId,
    reqs: SmallVec<[Requirement; 4]>,
    relax: u8,
    priority: u8,
    tier: TierId,
    segment: SegmentId,
    preferred: Option<AgentId>,
    attributes: BTreeMap<String, String>,
    head: u32,
    tail: u32,
    len: u32,
    /// Position in its active list (`active_by_skill[first skill]` or
    /// `active_any`); NONE while empty.
    active_pos: u32,
    /// Hash of its set of required skills, and its position in
    /// `active_by_set[set_hash]` while non-empty (groups with requirements).
    set_hash: u64,
    set_pos: u32,
    /// The wait of the last member answered after waiting (NaN: none yet),
    /// for [`State::expected_wait`].
    last_wait: f64,
}

impl Group {
    fn key(&self) -> Option<SkillId> {
        self.reqs.first().map(|r| r.skill)
    }

    /// Whether its required skills are exactly `skills` (both in skill order).
    fn needs_exactly(&self, skills: impl ExactSizeIterator<Item = SkillId>) -> bool {
        self.reqs.len() == skills.len() && self.reqs.iter().zip(skills).all(|(r, s)| r.skill == s)
    }

    #[inline]
    fn matches(&self, hash: u64, c: &Contact, relax: u8) -> bool {
        self.hash == hash && self.describes(c, relax)
    }

    /// Whether `c` at relaxation `relax` belongs here (its hash aside).
    #[inline(always)]
    fn describes(&self, c: &Contact, relax: u8) -> bool {
        self.channel == c.channel()
            && self.relax == relax
            && self.priority == c.priority()
            && self.tier == c.tier()
            && self.segment == c.segment()
            && self.preferred == c.preferred_agent()
            && self.reqs[..] == *c.requirements()
            && (self.attributes.is_empty() && c.attributes().is_empty()
                || &self.attributes == c.attributes())
    }

    /// Whether an agent may take a member of this group, cool-downs aside.
    fn open_to(&self, a: &AgentRec) -> bool {
        a.free_for(self.channel) > 0 && a.low.meets(&a.agent, &self.reqs, self.relax)
    }
}

/// Hash of a set of skills given in skill order.
fn skill_set_hash(skills: impl Iterator<Item = SkillId>) -> u64 {
    let mut h = IdHasher::default();
    for s in skills {
        h.add(u64::from(s.0));
    }
    h.finish()
}

/// Largest requirement set reached by listing subsets of an agent's skills;
/// bigger ones are found by the scan of first skills.
const MAX_SUBSET: usize = 6;

fn signature_hash(c: &Contact, relax: u8) -> u64 {
    let mut h = IdHasher::default();
    h.add(u64::from(c.channel().0));
    h.add(u64::from(relax));
    h.add(u64::from(c.priority()));
    h.add(u64::from(c.tier().0));
    h.add(u64::from(c.segment().0));
    h.add(c.preferred_agent().map_or(u64::MAX, |a| u64::from(a.0)));
    for r in c.requirements() {
        h.add(u64::from(r.skill.0) << 8 | u64::from(r.min_level.get()));
    }
    if !c.attributes().is_empty() {
        c.attributes().hash(&mut h);
    }
    h.finish()
}

/// Where a contact held by the router is (internal form of [`crate::model::ContactState`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Held {
    Waiting,
    Offered(u32),
    InService(u32),
    WrapUp(u32),
}

#[derive(Debug, Clone)]
pub(crate) struct AgentRec {
    pub agent: Agent,
    pub presence: Presence,
    /// Contacts held per channel, parallel to `agent.capacities()`.
    pub used: Vec<u16>,
    pub used_total: u16,
    /// Contacts in wrap-up (a subset of `used_total`).
    pub wrapping: u16,
    /// When the agent last became free of all work (or ready).
    pub idle_since: f64,
    /// Its profile (see [`Profile`]); set at login, while it is in no list.
    pub profile: u32,
    /// Its fit class ([`FitModel::agent_class`]), part of the profile.
    class: u64,
    /// This login's key ([`AgentRef::login`]).
    login: u64,
    /// Its [`Bucket`] while available (NONE otherwise), and its neighbours there.
    bucket: u32,
    b_prev: u32,
    b_next: u32,
    /// Its levels, for the eligibility tests of offers and freed agents and
    /// the skill term of optimal-assignment's scores.
    low: LowLevels,
}

/// The last login key handed out, by any router in the process: keys are
/// never reused, so that a policy moved from one router to another
/// ([`Router::into_policy`](crate::Router::into_policy)) cannot mistake an
/// agent of the new router for one it cached from the old.
static LOGINS: AtomicU64 = AtomicU64::new(0);

fn next_login() -> u64 {
    LOGINS.fetch_add(1, AtomicOrdering::Relaxed) + 1
}

impl AgentRec {
    /// A record for a newly logged-in agent of profile `profile`.
    pub fn new(agent: Agent, profile: u32, class: u64, now: f64) -> AgentRec {
        AgentRec {
            login: next_login(),
            used: vec![0; agent.capacities().len()],
            used_total: 0,
            wrapping: 0,
            idle_since: now,
            presence: Presence::NotReady,
            profile,
            class,
            bucket: NONE,
            b_prev: NONE,
            b_next: NONE,
            low: LowLevels::of(&agent),
            agent,
        }
    }
}

impl AgentRec {
    /// One contact more on `channel`, in its channel's count and the total.
    #[inline]
    pub fn take_slot(&mut self, channel: ChannelId) {
        if let Some(k) = self.slot_of(channel) {
            self.used[k] = self.used[k].saturating_add(1);
        }
        self.used_total = self.used_total.saturating_add(1);
    }

    /// One contact fewer on `channel`.
    #[inline]
    pub fn release_slot(&mut self, channel: ChannelId) {
        if let Some(k) = self.slot_of(channel) {
            self.used[k] = self.used[k].saturating_sub(1);
        }
        self.used_total = self.used_total.saturating_sub(1);
    }

    /// The index of `channel` in its capacities (and `used`).
    #[inline]
    fn slot_of(&self, channel: ChannelId) -> Option<usize> {
        self.agent
            .capacities()
            .iter()
            .position(|c| c.channel == channel)
    }

    /// Gives a logged-in agent that is in no index a new profile: its held
    /// work per channel follows the channels (none held on a dropped one,
    /// which the caller checked), and it gets a new login key, since what
    /// policies derived from the old profile no longer holds.
    pub fn reprofile(&mut self, agent: Agent, profile: u32, class: u64) {
        debug_assert!(self.bucket == NONE);
        let used = agent
            .capacities()
            .iter()
            .map(|c| self.slot_of(c.channel).map_or(0, |k| self.used[k]))
            .collect();
        self.used = used;
        self.login = next_login();
        self.profile = profile;
        self.class = class;
        self.low = LowLevels::of(&agent);
        self.agent = agent;
    }
}

/// Free slots for `channel` of an agent of profile `agent` holding `used`
/// per channel (parallel to its capacities), `used_total` in all.
fn free_slots(agent: &Agent, used: &[u16], used_total: u16, channel: ChannelId) -> u16 {
    let total_free = agent.total_capacity().saturating_sub(used_total);
    agent
        .capacities()
        .iter()
        .position(|c| c.channel == channel)
        .map_or(0, |i| {
            (agent.capacities()[i].max.saturating_sub(used[i])).min(total_free)
        })
}

/// Agents no policy can tell apart: the same skills and levels, channel
/// capacities, speed, attributes and fit class ([`FitModel::agent_class`]).
#[derive(Debug, Clone)]
struct Profile {
    hash: u64,
    chain: u32,
    template: Agent,
    class: u64,
    /// Its bucket of idle agents, once made.
    idle_bucket: u32,
    /// For each of its skills, the index of that skill's list in
    /// `active_buckets_by_skill`: a bucket joins and leaves those lists
    /// every time it fills or empties, without hashing the skills.
    lists: SmallVec<[u32; 4]>,
}

/// The available agents of one profile holding the same contacts per
/// channel: alike in everything a contact can see but their id and, when
/// they hold nothing, their idle time. Listed longest-idle first (only idle
/// agents have an idle time), then by id, so that for a contact the first
/// member not cooling down is the best of the bucket under any ranking that
/// favours the longer idle, then the smaller id, among agents alike in all
/// of these (see [`RouterView::eligible_agent_heads`]).
#[derive(Debug, Clone)]
struct Bucket {
    hash: u64,
    chain: u32,
    profile: u32,
    used: SmallVec<[u16; 4]>,
    used_total: u16,
    /// The channels its members have room on: fixed by the profile and the
    /// load, so worked out once rather than per contact looking.
    open_channels: ChannelSet,
    /// The profile's levels, beside the channels for the same reason.
    low: LowLevels,
    head: u32,
    tail: u32,
    len: u32,
    /// Position in `active_buckets_by_skill[skill]`, parallel to the
    /// profile's skills, and in `active_buckets_all`; NONE if empty.
    active_pos: SmallVec<[u32; 4]>,
    all_pos: u32,
    /// The buckets of one contact less (`2k`) and one more (`2k + 1`) on
    /// channel `k` of the profile, once looked up (NONE before): an agent
    /// taking or freeing a slot moves along these without hashing its load.
    steps: SmallVec<[u32; 8]>,
}

/// The step from bucket load `from` to agent load `to` when they differ by
/// one contact on one channel: `2k` for one less on channel `k`, `2k + 1`
/// for one more ([`Bucket::steps`]).
fn load_step(from: &[u16], to: &[u16]) -> Option<usize> {
    let mut step = None;
    for (k, (&f, &t)) in from.iter().zip(to).enumerate() {
        if f != t {
            if step.is_some() {
                return None;
            }
            step = Some(match t.checked_sub(f) {
                Some(1) => 2 * k + 1,
                None if f - t == 1 => 2 * k,
                _ => return None,
            });
        }
    }
    step
}

fn bucket_hash(profile: u32, used: &[u16]) -> u64 {
    let mut h = IdHasher::default();
    h.add(u64::from(profile));
    for &u in used {
        h.add(u64::from(u));
    }
    h.finish()
}

fn profile_hash(a: &Agent, class: u64) -> u64 {
    let mut h = IdHasher::default();
    h.add(class);
    h.add(a.speed().to_bits());
    h.add(u64::from(a.total_capacity()));
    for s in a.skills() {
        h.add(u64::from(s.skill.0) << 8 | u64::from(s.level.get()));
    }
    for c in a.capacities() {
        h.add(u64::from(c.channel.0) << 16 | u64::from(c.max));
    }
    if !a.attributes().is_empty() {
        a.attributes().hash(&mut h);
    }
    h.finish()
}

fn same_profile(a: &Agent, b: &Agent) -> bool {
    a.skills() == b.skills()
        && a.capacities() == b.capacities()
        && a.total_capacity() == b.total_capacity()
        && a.speed().to_bits() == b.speed().to_bits()
        && a.attributes() == b.attributes()
}

impl AgentRec {
    /// Ready, with a free slot: what the available-agent indexes list.
    pub fn available(&self) -> bool {
        self.presence == Presence::Ready
            && self.used_total < self.agent.total_capacity()
            && self
                .used
                .iter()
                .zip(self.agent.capacities())
                .any(|(u, c)| *u < c.max)
    }

    /// Free slots for `channel`, counting the total cap.
    #[inline]
    pub fn free_for(&self, channel: ChannelId) -> u16 {
        if self.presence != Presence::Ready {
            return 0;
        }
        free_slots(&self.agent, &self.used, self.used_total, channel)
    }

    pub fn state(&self) -> AgentState {
        match self.presence {
            Presence::LoggedOut => AgentState::LoggedOut,
            _ if self.used_total > self.wrapping => AgentState::Busy,
            _ if self.wrapping > 0 => AgentState::WrapUp,
            Presence::NotReady => AgentState::NotReady,
            Presence::Ready => AgentState::Ready,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ContactRec {
    pub contact: Contact,
    pub held: Held,
    /// Order of first arrival at the router: breaks ties between equal times.
    pub seq: u64,
    /// Levels by which the requirements are currently relaxed. Change it only
    /// through [`State::set_relax`], which also updates the queued copy.
    pub relax: u8,
    /// Agents that declined or missed this contact, with the end of their cool-down.
    pub cooldowns: Vec<(u32, f64)>,
    /// The time of this contact's one live wake-up in the router's queue (the
    /// next relaxation step or cool-down end); queued entries at other times
    /// are stale and ignored.
    pub wake_at: Option<f64>,
    /// Its group while waiting, and its neighbours in the group's FIFO list
    /// (NONE at the ends, or if not waiting).
    group: u32,
    prev: u32,
    next: u32,
    /// Position in `waiting_all`; NONE if not waiting.
    pub all_pos: u32,
    /// Offered after waiting (queued — not offered while the router handled
    /// its arrival — and some time passed between its arrival and the
    /// offer): its answer counts for [`State::expected_wait`].
    pub delayed: bool,
    /// In the system. A slot whose contact left keeps its record, dead,
    /// until the next arrival overwrites it field by field: cheaper than
    /// dropping a whole record and moving a new one in (see
    /// [`State::insert_contact`]).
    pub live: bool,
}

impl ContactRec {
    /// The FIFO order of a group: arrival time, then order of first arrival
    /// at the router.
    fn fifo_before(&self, other: &ContactRec) -> bool {
        self.contact
            .arrival()
            .total_cmp(&other.contact.arrival())
            .then(self.seq.cmp(&other.seq))
            .is_lt()
    }

    #[inline]
    pub fn cooling(&self, agent: u32, now: f64) -> bool {
        self.cooldowns
            .iter()
            .any(|&(a, until)| a == agent && until > now)
    }
}

/// All the router's state. Mutated only by the router; read by policies via views.
#[derive(Debug, Clone, Default)]
pub(crate) struct State {
    pub agents: Vec<AgentRec>,
    pub agent_ix: IdMap<AgentId, u32>,
    /// By slot; only live records are contacts (see [`ContactRec`]'s `live`).
    pub contacts: Vec<ContactRec>,
    pub free_slots: Vec<u32>,
    pub contact_ix: IdMap<ContactId, u32>,
    profiles: Vec<Profile>,
    profile_by_hash: IdMap<u64, u32>,
    buckets: Vec<Bucket>,
    bucket_by_hash: IdMap<u64, u32>,
    /// Non-empty buckets, by each skill of their profile (the list of
    /// skill `s` at `bucket_list_of[s]`), and all.
    active_buckets_by_skill: Vec<Vec<u32>>,
    bucket_list_of: SkillTable<Option<u32>>,
    active_buckets_all: Vec<u32>,
    groups: Vec<Group>,
    /// First group of each hash chain.
    group_by_hash: IdMap<u64, u32>,
    /// Non-empty groups by their first required skill.
    active_by_skill: SkillTable<Vec<u32>>,
    /// Non-empty groups with no requirement.
    active_any: Vec<u32>,
    /// Non-empty groups by the hash of their set of required skills.
    active_by_set: IdMap<u64, Vec<u32>>,
    /// How many non-empty groups need exactly `i` skills.
    active_by_len: Vec<u32>,
    /// Non-empty groups.
    live_groups: usize,
    waiting_all: Vec<u32>,
    /// The group the last contact queued went to (a hint, checked before use).
    last_group: u32,
    /// Known agents (any presence) able to take each channel, indexed by
    /// channel id (8 bits): read for every arriving contact.
    pub channel_agents: Vec<u32>,
    pub next_seq: u64,
    pub counts: Counts,
}

/// How many contacts are in each state. `completed + abandoned + withdrawn`
/// count contacts that have left; the others are in the system now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    /// Contacts accepted by the router so far.
    pub arrived: u64,
    /// Waiting in queue.
    pub waiting: u64,
    /// Offered, not yet answered.
    pub offered: u64,
    /// Being handled.
    pub in_service: u64,
    /// In after-contact work.
    pub wrap_up: u64,
    /// Finished.
    pub completed: u64,
    /// Left before being served.
    pub abandoned: u64,
    /// Taken out of the queue unserved by the ACD ([`Event::ContactWithdrawn`](crate::Event::ContactWithdrawn)).
    #[serde(default)]
    pub withdrawn: u64,
}

/// One line for a log or a supervisor's screen: `arrived 5, waiting 1,
/// offered 1, in service 3, wrap-up 0, completed 0, abandoned 0,
/// withdrawn 0`.
impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "arrived {}, waiting {}, offered {}, in service {}, wrap-up {}, completed {}, \
             abandoned {}, withdrawn {}",
            self.arrived,
            self.waiting,
            self.offered,
            self.in_service,
            self.wrap_up,
            self.completed,
            self.abandoned,
            self.withdrawn
        )
    }
}

/// How many non-empty subsets of at most `r` out of `k` items there are,
/// saturating.
fn subsets_up_to(k: usize, r: usize) -> usize {
    let (mut total, mut c) = (0usize, 1usize);
    for i in 1..=r.min(k) {
        // C(k, i) = C(k, i-1) · (k-i+1) / i, exact at each step
        c = c.saturating_mul(k - i + 1) / i;
        total = total.saturating_add(c);
    }
    total
}

/// The subsets of `0..k` of sizes `1..=max` (at most [`MAX_SUBSET`]), as
/// sorted index arrays, by size then lexicographically.
struct Subsets {
    k: usize,
    max: usize,
    size: usize,
    idx: [usize; MAX_SUBSET],
}

impl Subsets {
    fn new<T>(items: &[T], max: usize) -> Subsets {
        Subsets {
            k: items.len(),
            max: max.min(MAX_SUBSET).min(items.len()),
            size: 0,
            idx: [0; MAX_SUBSET],
        }
    }
}

impl Iterator for Subsets {
    type Item = ([usize; MAX_SUBSET], usize);

    fn next(&mut self) -> Option<Self::Item> {
        let (k, r) = (self.k, self.size);
        // The rightmost index that can still move right.
        let movable = (0..r).rev().find(|&i| self.idx[i] < k - r + i);
        match movable {
            Some(i) => {
                self.idx[i] += 1;
                for j in i + 1..r {
                    self.idx[j] = self.idx[j - 1] + 1;
                }
            }
            None => {
                if r >= self.max {
                    return None;
                }
                self.size = r + 1;
                for (j, x) in self.idx[..=r].iter_mut().enumerate() {
                    *x = j;
                }
            }
        }
        Some((self.idx, self.size))
    }
}

/// The smallest of the lists keyed by `reqs`' skills (`all` if there is no
/// requirement): every item with all the skills is in each of them.
fn smallest_list<'s>(
    reqs: &[Requirement],
    all: &'s [u32],
    by_skill: impl Fn(SkillId) -> &'s [u32],
) -> &'s [u32] {
    if reqs.is_empty() {
        return all;
    }
    let mut best: &[u32] = &[];
    for (i, r) in reqs.iter().enumerate() {
        let b = by_skill(r.skill);
        if i == 0 || b.len() < best.len() {
            best = b;
        }
        if best.is_empty() {
            break;
        }
    }
    best
}

/// The slot a contact id names: its low 32 bits. A contact stored there is
/// found without the id map, and only contacts stored elsewhere are in it
/// ([`State::contact_slot`]).
#[inline]
fn named_slot(id: ContactId) -> u32 {
    id.0 as u32
}

/// Swap-removes the entry at `pos` and returns the entry moved into its place.
fn bucket_remove<T: Copy>(bucket: &mut Vec<T>, pos: u32) -> Option<T> {
    let pos = pos as usize;
    if pos >= bucket.len() {
        return None;
    }
    bucket.swap_remove(pos);
    bucket.get(pos).copied()
}

impl State {
    pub fn agent(&self, ix: u32) -> &AgentRec {
        &self.agents[ix as usize]
    }

    pub fn contact(&self, ix: u32) -> Option<&ContactRec> {
        self.contacts.get(ix as usize).filter(|r| r.live)
    }

    pub fn contact_mut(&mut self, ix: u32) -> Option<&mut ContactRec> {
        self.contacts.get_mut(ix as usize).filter(|r| r.live)
    }

    /// The slot of agent `id`, if it is known. Agents numbered from 0 in
    /// login order (as the simulator numbers them) sit at the slot their id
    /// names and are found there without hashing; others through the map.
    #[inline]
    pub fn agent_slot(&self, id: AgentId) -> Option<u32> {
        match self.agents.get(id.0 as usize) {
            Some(r) if r.agent.id() == id => Some(id.0),
            _ => self.agent_ix.get(&id).copied(),
        }
    }

    /// The slot of contact `id`, if it is in the system. A contact whose
    /// slot equals the low 32 bits of its id is found there without
    /// hashing and is not in the map (an embedding system that numbers
    /// contacts by a recycled slot of its own, reused last-freed first as
    /// the router reuses its slots, as the simulator does, never hashes);
    /// any other is in the map.
    #[inline]
    pub fn contact_slot(&self, id: ContactId) -> Option<u32> {
        let direct = named_slot(id);
        match self.contact(direct) {
            Some(r) if r.contact.id() == id => Some(direct),
            _ if self.contact_ix.is_empty() => None,
            _ => self.contact_ix.get(&id).copied(),
        }
    }

    pub fn count_held(&mut self, held: Held, delta: i64) {
        let c = match held {
            Held::Waiting => &mut self.counts.waiting,
            Held::Offered(_) => &mut self.counts.offered,
            Held::InService(_) => &mut self.counts.in_service,
            Held::WrapUp(_) => &mut self.counts.wrap_up,
        };
        *c = c.wrapping_add_signed(delta);
    }

    /// The profile of agents like `agent` in fit class `class`, made if it
    /// does not exist. A profile outlives its agents (one that logs in again
    /// with other attributes leaves its old profile behind) until
    /// [`sweep_profiles`](State::sweep_profiles) drops the unused ones.
    pub fn profile_for(&mut self, agent: &Agent, class: u64) -> u32 {
        let hash = profile_hash(agent, class);
        let first = self.profile_by_hash.get(&hash).copied().unwrap_or(NONE);
        let mut p = first;
        while p != NONE {
            let prof = &self.profiles[p as usize];
            if prof.hash == hash && prof.class == class && same_profile(&prof.template, agent) {
                return p;
            }
            p = prof.chain;
        }
        let id = self.profiles.len() as u32;
        let lists = agent
            .skills()
            .iter()
            .map(|sk| {
                let next = self.active_buckets_by_skill.len() as u32;
                let l = *self.bucket_list_of.get_mut(sk.skill).get_or_insert(next);
                if l == next {
                    self.active_buckets_by_skill.push(Vec::new());
                }
                l
            })
            .collect();
        self.profiles.push(Profile {
            hash,
            chain: first,
            template: agent.clone(),
            class,
            idle_bucket: NONE,
            lists,
        });
        self.profile_by_hash.insert(hash, id);
        id
    }

    /// Once profiles outnumber agent records two to one (agents logging in
    /// again with other attributes), rebuilds the profiles and buckets from
    /// the agent records. O(agents log agents), after at least as many
    /// logins: memory stays bounded by the agents, not by their logins.
    pub fn sweep_profiles(&mut self) {
        if self.profiles.len() <= 64 || self.profiles.len() <= 2 * self.agents.len() {
            return;
        }
        self.profiles.clear();
        self.profile_by_hash.clear();
        self.buckets.clear();
        self.bucket_by_hash.clear();
        self.active_buckets_by_skill.iter_mut().for_each(Vec::clear);
        self.active_buckets_all.clear();
        for a in 0..self.agents.len() {
            let (agent, class) = (self.agents[a].agent.clone(), self.agents[a].class);
            let p = self.profile_for(&agent, class);
            let rec = &mut self.agents[a];
            rec.profile = p;
            rec.bucket = NONE;
            rec.b_prev = NONE;
            rec.b_next = NONE;
        }
        // In bucket order, so that each goes last in its bucket, in O(1).
        let mut available: Vec<u32> = (0..self.agents.len() as u32)
            .filter(|&a| self.agent(a).available())
            .collect();
        available.sort_by(|&x, &y| self.bucket_order(x, y));
        for a in available {
            let b = self.bucket_for(a);
            self.bucket_insert_agent(a, b);
        }
    }

    /// The bucket for agent `ix`'s profile and load, made if it does not
    /// exist. A profile has at most one per combination of its channel
    /// loads; buckets go with their profile in
    /// [`sweep_profiles`](State::sweep_profiles).
    #[inline(always)]
    fn bucket_for(&mut self, ix: u32) -> u32 {
        let rec = &self.agents[ix as usize];
        let idle = self.profiles[rec.profile as usize].idle_bucket;
        if rec.used_total == 0 && idle != NONE {
            return idle; // an agent freed of all work: the common case
        }
        self.bucket_for_load(ix)
    }

    /// [`bucket_for`](State::bucket_for) for an agent holding work, or the
    /// first idle one of its profile.
    #[inline(never)]
    fn bucket_for_load(&mut self, ix: u32) -> u32 {
        let rec = &self.agents[ix as usize];
        // One contact more or less on one channel than in the bucket it is
        // still in: a step taken before, most likely. An agent in no bucket
        // (full until now) holding one contact is one step from its idle
        // bucket.
        let from = match rec.bucket {
            NONE if rec.used_total == 1 => self.profiles[rec.profile as usize].idle_bucket,
            h => h,
        };
        let step = match from {
            NONE => None,
            h => load_step(&self.buckets[h as usize].used, &rec.used).map(|k| (h, k)),
        };
        if let Some((h, k)) = step {
            let to = self.buckets[h as usize].steps[k];
            if to != NONE {
                return to;
            }
        }
        let b = self.bucket_by_load(ix);
        if let Some((h, k)) = step {
            self.buckets[h as usize].steps[k] = b;
        }
        b
    }

    /// The bucket for agent `ix`'s profile and load, found by hashing the
    /// load, made if it does not exist.
    fn bucket_by_load(&mut self, ix: u32) -> u32 {
        let rec = &self.agents[ix as usize];
        let p = rec.profile;
        let hash = bucket_hash(p, &rec.used);
        let first = self.bucket_by_hash.get(&hash).copied().unwrap_or(NONE);
        let mut b = first;
        while b != NONE {
            let bk = &self.buckets[b as usize];
            if bk.hash == hash && bk.profile == p && bk.used[..] == rec.used[..] {
                return b;
            }
            b = bk.chain;
        }
        let id = self.buckets.len() as u32;
        let template = &self.profiles[p as usize].template;
        let skills = template.skills().len();
        let open_channels = template
            .capacities()
            .iter()
            .map(|c| c.channel)
            .filter(|&ch| free_slots(template, &rec.used, rec.used_total, ch) > 0)
            .collect();
        self.buckets.push(Bucket {
            hash,
            chain: first,
            profile: p,
            used: SmallVec::from_slice(&rec.used),
            used_total: rec.used_total,
            open_channels,
            low: LowLevels::of(template),
            head: NONE,
            tail: NONE,
            len: 0,
            active_pos: SmallVec::from_elem(NONE, skills),
            all_pos: NONE,
            steps: SmallVec::from_elem(NONE, 2 * rec.used.len()),
        });
        if rec.used_total == 0 {
            self.profiles[p as usize].idle_bucket = id;
        }
        self.bucket_by_hash.insert(hash, id);
        id
    }

    /// Forgets agent `a`, which must be logged out (so holding nothing and in
    /// no bucket), and returns the contacts that were cooling down for it.
    /// The agents after it move down a slot, keeping their order, and every
    /// slot number kept of them moves with them: in the id map, the bucket
    /// links, the contacts held and the cool-downs. O(agents, contact slots
    /// and buckets), for an event as rare as a removal, so that nothing on an
    /// event's path checks for a hole in the slots; and since the order is
    /// kept, a restored router, which numbers the agents it is given in
    /// order, numbers them as this one does.
    pub fn remove_agent(&mut self, a: u32) -> Vec<u32> {
        debug_assert!(self.agents[a as usize].presence == Presence::LoggedOut);
        debug_assert!(self.agents[a as usize].used_total == 0);
        debug_assert!(self.agents[a as usize].bucket == NONE);
        let shift = |x: &mut u32| {
            if *x != NONE && *x > a {
                *x -= 1;
            }
        };
        let gone = self.agents.remove(a as usize);
        self.agent_ix.remove(&gone.agent.id());
        for (i, rec) in self.agents.iter_mut().enumerate() {
            shift(&mut rec.b_prev);
            shift(&mut rec.b_next);
            if i >= a as usize {
                self.agent_ix.insert(rec.agent.id(), i as u32);
            }
        }
        for bk in &mut self.buckets {
            shift(&mut bk.head);
            shift(&mut bk.tail);
        }
        let mut cooled = Vec::new();
        for (ix, rec) in self.contacts.iter_mut().enumerate() {
            // A dead record's agent and cool-downs are rewritten before use.
            if !rec.live {
                continue;
            }
            if let Held::Offered(x) | Held::InService(x) | Held::WrapUp(x) = &mut rec.held {
                debug_assert!(*x != a, "a logged-out agent holds work");
                shift(x);
            }
            if rec.cooldowns.is_empty() {
                continue;
            }
            let before = rec.cooldowns.len();
            rec.cooldowns.retain(|&(x, _)| x != a);
            if rec.cooldowns.len() != before {
                cooled.push(ix as u32);
            }
            for (x, _) in &mut rec.cooldowns {
                shift(x);
            }
        }
        // Its profile may be the last of its kind: profiles stay bounded by
        // the agents known now.
        self.sweep_profiles();
        cooled
    }

    /// Puts the agent in or out of the available indexes to match its state.
    /// Whether some contact is queued (a newcomer not queued yet during its
    /// own decision, see [`crate::RoutingPolicy::arrival_reads_agents_only`],
    /// is not counted). O(1).
    #[inline]
    pub fn any_waiting(&self) -> bool {
        !self.waiting_all.is_empty()
    }

    /// Whether some agent is listed as available (a freed agent whose
    /// listing is deferred, see
    /// [`crate::RoutingPolicy::freed_agent_reads_contacts_only`], is not
    /// counted). O(1).
    #[inline]
    pub fn any_available(&self) -> bool {
        !self.active_buckets_all.is_empty()
    }

    /// How many agents are listed as available. O(non-empty buckets).
    fn available_len(&self) -> usize {
        self.active_buckets_all
            .iter()
            .map(|&b| self.buckets[b as usize].len as usize)
            .sum()
    }

    /// The agents listed as available, bucket by bucket, each bucket in its
    /// order. O(available): every listed bucket holds an agent.
    fn available(&self) -> impl Iterator<Item = u32> + '_ {
        self.active_buckets_all.iter().flat_map(move |&b| {
            let head = self.buckets[b as usize].head;
            std::iter::successors((head != NONE).then_some(head), move |&a| {
                let next = self.agents[a as usize].b_next;
                (next != NONE).then_some(next)
            })
        })
    }

    /// The buckets are the one list of available agents (an agent is in a
    /// bucket exactly while available): a second list kept beside them cost
    /// every agent's every change of availability a push or a swap-remove.
    pub fn refresh_agent(&mut self, ix: u32) {
        let available = self.agents[ix as usize].available();
        let want = if available { self.bucket_for(ix) } else { NONE };
        let have = self.agents[ix as usize].bucket;
        if want != have {
            if have != NONE {
                self.bucket_remove_agent(ix);
            }
            if want != NONE {
                self.bucket_insert_agent(ix, want);
            }
        }
    }

    /// Whether agent `x` goes before agent `y` of the same bucket: idle since
    /// earlier (agents holding work have no idle time), then the smaller id.
    fn bucket_before(&self, x: u32, y: u32) -> bool {
        self.bucket_order(x, y).is_lt()
    }

    fn bucket_order(&self, x: u32, y: u32) -> std::cmp::Ordering {
        let since = |r: &AgentRec| if r.used_total == 0 { r.idle_since } else { 0.0 };
        let (x, y) = (self.agent(x), self.agent(y));
        since(x)
            .total_cmp(&since(y))
            .then(x.agent.id().cmp(&y.agent.id()))
    }

    /// Adds agent `ix` to bucket `b`, in order. An agent that became idle now
    /// goes last, in O(1); it walks back past agents idle since the same
    /// instant with a larger id (and, in a bucket of busy agents, past those
    /// with a larger id).
    fn bucket_insert_agent(&mut self, ix: u32, b: u32) {
        let bu = b as usize;
        let mut after = self.buckets[bu].tail;
        while after != NONE && self.bucket_before(ix, after) {
            after = self.agents[after as usize].b_prev;
        }
        let before = match after {
            NONE => self.buckets[bu].head,
            _ => self.agents[after as usize].b_next,
        };
        match after {
            NONE => self.buckets[bu].head = ix,
            _ => self.agents[after as usize].b_next = ix,
        }
        match before {
            NONE => self.buckets[bu].tail = ix,
            _ => self.agents[before as usize].b_prev = ix,
        }
        let rec = &mut self.agents[ix as usize];
        rec.b_prev = after;
        rec.b_next = before;
        rec.bucket = b;
        self.buckets[bu].len += 1;
        if self.buckets[bu].len == 1 {
            let State {
                profiles,
                buckets,
                active_buckets_by_skill,
                active_buckets_all,
                ..
            } = self;
            let bk = &mut buckets[bu];
            for (&l, pos) in profiles[bk.profile as usize]
                .lists
                .iter()
                .zip(bk.active_pos.iter_mut())
            {
                let list = &mut active_buckets_by_skill[l as usize];
                *pos = list.len() as u32;
                list.push(b);
            }
            bk.all_pos = active_buckets_all.len() as u32;
            active_buckets_all.push(b);
        }
    }

    fn bucket_remove_agent(&mut self, ix: u32) {
        let rec = &mut self.agents[ix as usize];
        let (b, prev, next) = (rec.bucket as usize, rec.b_prev, rec.b_next);
        rec.b_prev = NONE;
        rec.b_next = NONE;
        rec.bucket = NONE;
        match prev {
            NONE => self.buckets[b].head = next,
            _ => self.agents[prev as usize].b_next = next,
        }
        match next {
            NONE => self.buckets[b].tail = prev,
            _ => self.agents[next as usize].b_prev = prev,
        }
        self.buckets[b].len -= 1;
        if self.buckets[b].len == 0 {
            let State {
                profiles,
                buckets,
                active_buckets_by_skill,
                active_buckets_all,
                ..
            } = self;
            let lists = &profiles[buckets[b].profile as usize].lists;
            for (k, &l) in lists.iter().enumerate() {
                let pos = buckets[b].active_pos[k];
                if let Some(moved) = bucket_remove(&mut active_buckets_by_skill[l as usize], pos) {
                    // the skill's place among the moved bucket's skills
                    let m = &mut buckets[moved as usize];
                    if let Some(j) = profiles[m.profile as usize]
                        .lists
                        .iter()
                        .position(|&x| x == l)
                    {
                        m.active_pos[j] = pos;
                    }
                }
                buckets[b].active_pos[k] = NONE;
            }
            let all_pos = buckets[b].all_pos;
            if let Some(moved) = bucket_remove(active_buckets_all, all_pos) {
                buckets[moved as usize].all_pos = all_pos;
            }
            buckets[b].all_pos = NONE;
        }
    }

    /// For contact `c`: the first member not cooling down of each bucket of
    /// available agents that can take it, its preferred agent aside, and
    /// its preferred agent if eligible. The preferred agent scores apart
    /// from the agents alike to it (by the preference weight, which may be
    /// negative), so it never stands for its bucket: the member after it is
    /// listed too. Each eligible agent at most once; O(non-empty buckets
    /// with the skill), however many agents are in them.
    pub fn for_each_agent_head(&self, c: &ContactRec, now: f64, mut f: impl FnMut(u32)) {
        let preferred = c
            .contact
            .preferred_agent()
            .and_then(|id| self.agent_slot(id));
        let need = Need::of(c);
        for &b in self.bucket_candidates(c) {
            let bk = &self.buckets[b as usize];
            if !self.bucket_meets(bk, &need) {
                continue;
            }
            let mut a = bk.head;
            while a != NONE {
                if preferred != Some(a) && !c.cooling(a, now) {
                    debug_assert!(self.eligible(c, a, now), "a bucket out of step");
                    f(a);
                    break;
                }
                a = self.agents[a as usize].b_next;
            }
        }
        if let Some(a) = preferred
            && self.agents[a as usize].bucket != NONE
            && self.eligible(c, a, now)
        {
            f(a);
        }
    }

    /// Stores a new contact (not yet waiting) and returns its slot.
    pub fn insert_contact(&mut self, contact: Contact, relax: u8) -> u32 {
        let id = contact.id();
        let seq = self.next_seq;
        self.next_seq += 1;
        let ix = match self.free_slots.pop() {
            Some(ix) => {
                // A dead record, rewritten field by field: a whole record
                // made and moved in would cost a copy of it per arrival.
                let rec = &mut self.contacts[ix as usize];
                rec.contact = contact;
                rec.held = Held::Waiting;
                rec.seq = seq;
                rec.relax = relax;
                rec.cooldowns.clear();
                rec.wake_at = None;
                rec.group = NONE;
                rec.prev = NONE;
                rec.next = NONE;
                rec.all_pos = NONE;
                rec.delayed = false;
                rec.live = true;
                ix
            }
            None => {
                self.contacts.push(ContactRec {
                    held: Held::Waiting,
                    seq,
                    relax,
                    cooldowns: Vec::new(),
                    wake_at: None,
                    group: NONE,
                    prev: NONE,
                    next: NONE,
                    all_pos: NONE,
                    delayed: false,
                    live: true,
                    contact,
                });
                (self.contacts.len() - 1) as u32
            }
        };
        if ix != named_slot(id) {
            self.contact_ix.insert(id, ix);
        }
        self.counts.arrived += 1;
        ix
    }

    /// Removes a contact that has left (completed, abandoned or withdrawn); it must not
    /// be waiting. Its record stays in the slot, dead, until the next
    /// arrival there rewrites it.
    pub fn remove_contact(&mut self, ix: u32) {
        let Some(rec) = self.contact_mut(ix) else {
            return;
        };
        let id = rec.contact.id();
        // Left dead for the next arrival to rewrite (its contact's memory is
        // freed then; the slots are bounded by the contacts in the system).
        rec.live = false;
        if ix != named_slot(id) {
            self.contact_ix.remove(&id);
        }
        self.free_slots.push(ix);
    }

    /// The group of contacts like `c` at relaxation `relax` (whose
    /// signature hash is `hash`), if there is one (else NONE).
    #[inline]
    fn find_group(
        groups: &[Group],
        group_by_hash: &IdMap<u64, u32>,
        hash: u64,
        c: &Contact,
        relax: u8,
    ) -> u32 {
        let mut g = group_by_hash.get(&hash).copied().unwrap_or(NONE);
        while g != NONE {
            let grp = &groups[g as usize];
            if grp.matches(hash, c, relax) {
                return g;
            }
            g = grp.chain;
        }
        NONE
    }

    /// The group for a contact at relaxation `relax`, made if it does not
    /// exist. (Takes the two tables it changes, so that the contact can stay
    /// borrowed from the contact table meanwhile.)
    fn group_for(
        groups: &mut Vec<Group>,
        group_by_hash: &mut IdMap<u64, u32>,
        c: &Contact,
        relax: u8,
        hint: u32,
    ) -> u32 {
        // Contacts of one kind tend to come in runs: the group of the last
        // one queued, if it is this one's, saves the hash and the lookup.
        // (A group is unique to its kind, so any group that describes the
        // contact is the one.)
        if groups
            .get(hint as usize)
            .is_some_and(|g| g.describes(c, relax))
        {
            return hint;
        }
        let hash = signature_hash(c, relax);
        let found = Self::find_group(groups, group_by_hash, hash, c, relax);
        if found != NONE {
            return found;
        }
        let first = group_by_hash.get(&hash).copied().unwrap_or(NONE);
        let id = groups.len() as u32;
        groups.push(Group {
            hash,
            chain: first,
            channel: c.channel(),
            reqs: SmallVec::from_slice(c.requirements()),
            relax,
            priority: c.priority(),
            tier: c.tier(),
            segment: c.segment(),
            preferred: c.preferred_agent(),
            attributes: c.attributes().clone(),
            head: NONE,
            tail: NONE,
            len: 0,
            active_pos: NONE,
            set_hash: skill_set_hash(c.requirements().iter().map(|r| r.skill)),
            set_pos: NONE,
            last_wait: f64::NAN,
        });
        group_by_hash.insert(hash, id);
        id
    }

    fn active_list(&mut self, key: Option<SkillId>) -> &mut Vec<u32> {
        match key {
            Some(s) => self.active_by_skill.get_mut(s),
            None => &mut self.active_any,
        }
    }

    /// Puts a contact into the waiting indexes, at its FIFO place in its group.
    pub fn enqueue(&mut self, ix: u32) {
        let Some(rec) = self.contacts.get(ix as usize).filter(|r| r.live) else {
            return;
        };
        if rec.all_pos != NONE {
            return;
        }
        let g = Self::group_for(
            &mut self.groups,
            &mut self.group_by_hash,
            &rec.contact,
            rec.relax,
            self.last_group,
        );
        self.last_group = g;
        // Find the member it goes after (NONE: first). A new arrival goes
        // last, in O(1). A contact coming back to the queue (declined, timed
        // out) is usually among the oldest, often older than all: it is placed
        // by walking forward from the head, so that its return costs O(1) in
        // the common case even in a long queue.
        let (head, tail) = (self.groups[g as usize].head, self.groups[g as usize].tail);
        let before_me = |st: &State, other: u32| match (st.contact(other), st.contact(ix)) {
            (Some(o), Some(me)) => o.fifo_before(me),
            _ => false,
        };
        let after = if tail == NONE || before_me(self, tail) {
            tail
        } else {
            let mut after = NONE;
            let mut c = head;
            while c != NONE && before_me(self, c) {
                after = c;
                c = self.contact(c).map_or(NONE, |r| r.next);
            }
            after
        };
        let before = match after {
            NONE => self.groups[g as usize].head,
            _ => self.contact(after).map_or(NONE, |r| r.next),
        };
        match after {
            NONE => self.groups[g as usize].head = ix,
            _ => {
                if let Some(r) = self.contact_mut(after) {
                    r.next = ix;
                }
            }
        }
        match before {
            NONE => self.groups[g as usize].tail = ix,
            _ => {
                if let Some(r) = self.contact_mut(before) {
                    r.prev = ix;
                }
            }
        }
        let grp = &mut self.groups[g as usize];
        grp.len += 1;
        if grp.len == 1 {
            self.activate(g);
        }
        let apos = self.waiting_all.len() as u32;
        self.waiting_all.push(ix);
        let rec = &mut self.contacts[ix as usize]; // live: checked above
        rec.group = g;
        rec.prev = after;
        rec.next = before;
        rec.all_pos = apos;
    }

    /// The "last to enter service" estimate of waiting contact `ix`'s wait:
    /// the wait of the last contact of its group answered after waiting.
    #[inline]
    pub fn expected_wait(&self, ix: u32) -> Option<f64> {
        let rec = self.contact(ix)?;
        if rec.all_pos == NONE {
            return None;
        }
        let w = self.groups.get(rec.group as usize)?.last_wait;
        w.is_finite().then_some(w)
    }

    /// Contact `ix`, offered after waiting, is answered at `now` (it rang):
    /// its wait is its kind's last. It has left its group, so its kind is
    /// looked up.
    #[inline]
    pub fn note_answer(&mut self, ix: u32, now: f64) {
        let Some(rec) = self.contacts.get(ix as usize).filter(|r| r.live) else {
            return;
        };
        if !rec.delayed {
            return;
        }
        // Looked up, not created: the indexes stay as the events made them.
        let hash = signature_hash(&rec.contact, rec.relax);
        let g = Self::find_group(
            &self.groups,
            &self.group_by_hash,
            hash,
            &rec.contact,
            rec.relax,
        );
        if let Some(grp) = self.groups.get_mut(g as usize) {
            grp.last_wait = now - rec.contact.arrival();
        }
    }

    /// Contact `ix`, offered at `now`, is now `held`: it leaves the waiting
    /// indexes (if it was queued: a newcomer offered during its own decision
    /// may not be), and notes whether it waited for the offer — it did not
    /// if it is offered `on_arrival` (while the router handles its arrival,
    /// whether or not it was queued by then, and even if its arrival time
    /// is earlier). If it is `answered` now (no ringing) after waiting, its
    /// wait is its kind's last. One look-up of the record for all of it:
    /// this runs for every offer.
    #[inline]
    pub fn take_offered(
        &mut self,
        ix: u32,
        now: f64,
        on_arrival: bool,
        answered: bool,
        held: Held,
    ) {
        let Some(rec) = self.contacts.get_mut(ix as usize).filter(|r| r.live) else {
            return;
        };
        let wait = now - rec.contact.arrival();
        rec.delayed = !on_arrival && wait > 0.0;
        let old = std::mem::replace(&mut rec.held, held);
        let queued = rec.all_pos != NONE;
        if answered && rec.delayed && queued {
            let g = rec.group as usize;
            self.groups[g].last_wait = wait;
        }
        self.count_held(old, -1);
        self.count_held(held, 1);
        if queued {
            self.dequeue(ix);
        }
    }

    /// Takes a contact out of the waiting indexes.
    pub fn dequeue(&mut self, ix: u32) {
        let Some(rec) = self.contact(ix) else { return };
        if rec.all_pos == NONE {
            return;
        }
        let (g, prev, next, apos) = (rec.group, rec.prev, rec.next, rec.all_pos);
        match prev {
            NONE => self.groups[g as usize].head = next,
            _ => {
                if let Some(r) = self.contact_mut(prev) {
                    r.next = next;
                }
            }
        }
        match next {
            NONE => self.groups[g as usize].tail = prev,
            _ => {
                if let Some(r) = self.contact_mut(next) {
                    r.prev = prev;
                }
            }
        }
        let grp = &mut self.groups[g as usize];
        grp.len -= 1;
        if grp.len == 0 {
            self.deactivate(g);
        }
        if let Some(moved) = bucket_remove(&mut self.waiting_all, apos)
            && let Some(m) = self.contact_mut(moved)
        {
            m.all_pos = apos;
        }
        if let Some(rec) = self.contact_mut(ix) {
            rec.group = NONE;
            rec.prev = NONE;
            rec.next = NONE;
            rec.all_pos = NONE;
        }
        // Groups are kept while empty so that the next contact of the same
        // kind finds its group without allocating; they are swept once the
        // empty ones outnumber the live ones, which bounds memory by the
        // contacts waiting, not by the variety of contacts ever seen.
        if self.groups.len() > 64 && self.groups.len() > 4 * self.live_groups {
            self.sweep_groups();
        }
    }

    /// Lists a group that just became non-empty in the active indexes.
    fn activate(&mut self, g: u32) {
        let grp = &self.groups[g as usize];
        let (key, set_hash, n) = (grp.key(), grp.set_hash, grp.reqs.len());
        let list = self.active_list(key);
        let pos = list.len() as u32;
        list.push(g);
        let set_pos = if n > 0 {
            let list = self.active_by_set.entry(set_hash).or_default();
            list.push(g);
            list.len() as u32 - 1
        } else {
            NONE
        };
        if self.active_by_len.len() <= n {
            self.active_by_len.resize(n + 1, 0);
        }
        self.active_by_len[n] += 1;
        let grp = &mut self.groups[g as usize];
        grp.active_pos = pos;
        grp.set_pos = set_pos;
        self.live_groups += 1;
    }

    /// Takes a group that just became empty out of the active indexes.
    fn deactivate(&mut self, g: u32) {
        let grp = &mut self.groups[g as usize];
        let (key, pos, set_hash, set_pos, n) = (
            grp.key(),
            grp.active_pos,
            grp.set_hash,
            grp.set_pos,
            grp.reqs.len(),
        );
        grp.active_pos = NONE;
        grp.set_pos = NONE;
        let list = self.active_list(key);
        if let Some(moved) = bucket_remove(list, pos) {
            self.groups[moved as usize].active_pos = pos;
        }
        if n > 0
            && let Some(list) = self.active_by_set.get_mut(&set_hash)
            && let Some(moved) = bucket_remove(list, set_pos)
        {
            self.groups[moved as usize].set_pos = set_pos;
        }
        self.active_by_len[n] -= 1;
        self.live_groups -= 1;
    }

    /// Drops the empty groups and renumbers the others. O(groups + waiting).
    fn sweep_groups(&mut self) {
        let old = std::mem::take(&mut self.groups);
        self.group_by_hash.clear();
        self.active_by_skill.clear();
        self.active_by_set.clear();
        self.active_any.clear();
        self.active_by_len.iter_mut().for_each(|n| *n = 0);
        self.live_groups = 0;
        for mut grp in old.into_iter().filter(|g| g.len > 0) {
            let id = self.groups.len() as u32;
            let mut c = grp.head;
            while let Some(rec) = self.contact_mut(c) {
                rec.group = id;
                c = rec.next;
            }
            grp.chain = self.group_by_hash.insert(grp.hash, id).unwrap_or(NONE);
            self.groups.push(grp);
            self.activate(id);
        }
    }

    /// Sets a contact's relaxation; a queued contact moves to the group of
    /// its new relaxation, keeping its FIFO place.
    pub fn set_relax(&mut self, ix: u32, relax: u8) {
        let Some(rec) = self.contact(ix) else {
            return;
        };
        if rec.relax == relax {
            return;
        }
        let queued = rec.all_pos != NONE;
        if queued {
            self.dequeue(ix);
        }
        if let Some(rec) = self.contact_mut(ix) {
            rec.relax = relax;
        }
        if queued {
            self.enqueue(ix);
        }
    }

    /// The non-empty groups an available agent may find work in: those with
    /// no requirement, and those whose required skills it all has. Found
    /// whichever way visits fewer groups: listing the subsets of its skills
    /// (up to the largest requirement set waiting) and looking each up by
    /// skill set, which visits no group that needs a skill it lacks; or
    /// scanning the groups keyed by each of its skills (their first required
    /// skill). Either way each group is visited once, and the choice depends
    /// only on the state, so the order is deterministic.
    fn for_each_group_of<'s>(&'s self, agent: &AgentRec, mut f: impl FnMut(&'s Group)) {
        let skills = agent.agent.skills();
        let largest = self.active_by_len.iter().rposition(|&n| n > 0).unwrap_or(0);
        let by_subsets = largest <= MAX_SUBSET && {
            let scan: usize = skills
                .iter()
                .filter_map(|s| self.active_by_skill.get(s.skill))
                .map(Vec::len)
                .sum();
            // There are at least as many subsets as skills (largest >= 1
            // when any group waits): a scan of no more groups than that wins
            // without counting the subsets, whose count takes divisions.
            scan > skills.len() && subsets_up_to(skills.len(), largest) < scan
        };
        // Plain loops rather than a chain of adapters: this runs for every
        // freed agent, and a nested iterator's state is copied as it goes.
        if by_subsets {
            for (idx, size) in Subsets::new(skills, largest) {
                let set = || idx[..size].iter().map(|&i| skills[i].skill);
                let Some(list) = self.active_by_set.get(&skill_set_hash(set())) else {
                    continue;
                };
                for &g in list {
                    let grp = &self.groups[g as usize];
                    // a hash shared by two sets must not list a group twice
                    if grp.needs_exactly(set()) {
                        f(grp);
                    }
                }
            }
        } else {
            for s in skills {
                if let Some(list) = self.active_by_skill.get(s.skill) {
                    for &g in list {
                        f(&self.groups[g as usize]);
                    }
                }
            }
        }
        for &g in &self.active_any {
            f(&self.groups[g as usize]);
        }
    }

    /// Calls `f` with the waiting contacts agent `a` may be offered, group by
    /// group, each group in FIFO order; with `heads`, only the first eligible
    /// of each group.
    fn for_each_eligible<'s>(
        &'s self,
        a: u32,
        now: f64,
        heads: bool,
        mut f: impl FnMut(&'s ContactRec),
    ) {
        let agent = self.agent(a);
        // From the record: a freed agent may not be listed yet
        // (`RoutingPolicy::freed_agent_reads_contacts_only`).
        if !agent.available() {
            return;
        }
        self.for_each_group_of(agent, |g| {
            if !g.open_to(agent) {
                return;
            }
            let mut c = g.head;
            while let Some(rec) = self.contact(c) {
                c = rec.next;
                if rec.cooling(a, now) {
                    continue;
                }
                debug_assert!(
                    self.eligible(rec, a, now),
                    "a waiting group out of step with its members"
                );
                f(rec);
                if heads {
                    break;
                }
            }
        });
    }

    /// Checks every index against the records it indexes: the waiting groups
    /// (membership, links, FIFO order, signatures, counts) and their active
    /// lists, the list of all waiting contacts, and the free-agent buckets.
    /// O(everything); for tests.
    pub fn check_indexes(&self) -> Result<(), String> {
        // Ids: every contact found at its slot, the map holding exactly
        // those whose slot is not the one their id names; every agent too.
        let mut mapped = 0usize;
        for (ix, rec) in self.contacts.iter().enumerate() {
            if !rec.live {
                continue;
            }
            let id = rec.contact.id();
            if self.contact_slot(id) != Some(ix as u32) {
                return Err(format!("{id} not found at its slot {ix}"));
            }
            if named_slot(id) != ix as u32 {
                mapped += 1;
            } else if self.contact_ix.contains_key(&id) {
                return Err(format!("{id} at its own slot is also mapped"));
            }
        }
        if mapped != self.contact_ix.len() {
            return Err(format!(
                "contact map holds {} ids, {mapped} contacts need it",
                self.contact_ix.len()
            ));
        }
        let mut channels = vec![0u32; self.channel_agents.len()];
        for (ix, rec) in self.agents.iter().enumerate() {
            if self.agent_slot(rec.agent.id()) != Some(ix as u32) {
                return Err(format!("{} not found at its slot {ix}", rec.agent.id()));
            }
            for c in rec.agent.capacities() {
                let i = usize::from(c.channel.0);
                if channels.len() <= i {
                    return Err(format!("{}: {} not counted", rec.agent.id(), c.channel));
                }
                channels[i] += 1;
            }
        }
        // Every agent is in the map: ids no agent has any more must not be.
        if self.agent_ix.len() != self.agents.len() {
            return Err(format!(
                "agent map holds {} ids for {} agents",
                self.agent_ix.len(),
                self.agents.len()
            ));
        }
        if channels != self.channel_agents {
            return Err(format!(
                "agents per channel counted {:?}, known agents give {channels:?}",
                self.channel_agents
            ));
        }
        let mut in_groups = 0usize;
        let mut live = 0usize;
        let mut by_len = vec![0u32; self.active_by_len.len().max(1)];
        for (g, grp) in self.groups.iter().enumerate() {
            let g = g as u32;
            let (mut c, mut prev, mut n) = (grp.head, NONE, 0u32);
            let mut last: Option<&ContactRec> = None;
            while c != NONE {
                let rec = self
                    .contact(c)
                    .ok_or(format!("group {g}: dangling member {c}"))?;
                if rec.group != g || rec.prev != prev || rec.held != Held::Waiting {
                    return Err(format!("group {g}: member {c} out of step"));
                }
                if rec.all_pos == NONE || self.waiting_all.get(rec.all_pos as usize) != Some(&c) {
                    return Err(format!("group {g}: member {c} not in the waiting list"));
                }
                let hash = signature_hash(&rec.contact, rec.relax);
                if !grp.matches(hash, &rec.contact, rec.relax) {
                    return Err(format!("group {g}: member {c} of another signature"));
                }
                if last.is_some_and(|l| !l.fifo_before(rec)) {
                    return Err(format!("group {g}: member {c} out of FIFO order"));
                }
                last = Some(rec);
                prev = c;
                c = rec.next;
                n += 1;
            }
            if n != grp.len || grp.tail != prev {
                return Err(format!("group {g}: {n} members listed, len {}", grp.len));
            }
            in_groups += n as usize;
            let key_list = match grp.key() {
                Some(s) => self.active_by_skill.get(s).map(|v| &v[..]),
                None => Some(&self.active_any[..]),
            };
            let listed = key_list.and_then(|l| l.get(grp.active_pos as usize)) == Some(&g);
            let set_listed = grp.reqs.is_empty()
                || self
                    .active_by_set
                    .get(&grp.set_hash)
                    .and_then(|l| l.get(grp.set_pos as usize))
                    == Some(&g);
            if n > 0 {
                if !listed || !set_listed {
                    return Err(format!("group {g}: non-empty but not listed as active"));
                }
                live += 1;
                by_len[grp.reqs.len()] += 1;
            } else if grp.active_pos != NONE || grp.set_pos != NONE {
                return Err(format!("group {g}: empty but listed as active"));
            }
        }
        let active: usize =
            self.active_by_skill.values().map(Vec::len).sum::<usize>() + self.active_any.len();
        let by_set: usize = self.active_by_set.values().map(Vec::len).sum();
        let with_reqs = live - self.active_any.len();
        if active != live || live != self.live_groups || by_set != with_reqs {
            return Err(format!(
                "{live} live groups, {active} active entries, {by_set} by skill set, {} counted",
                self.live_groups
            ));
        }
        if by_len[..self.active_by_len.len()] != self.active_by_len[..] {
            return Err("active groups by requirement count out of step".into());
        }
        let waiting = self
            .contacts
            .iter()
            .filter(|r| r.live && r.held == Held::Waiting)
            .count();
        if in_groups != self.waiting_all.len() || waiting != in_groups {
            return Err(format!(
                "{waiting} waiting, {in_groups} in groups, {} listed",
                self.waiting_all.len()
            ));
        }
        self.check_buckets()?;
        for (a, rec) in self.agents.iter().enumerate() {
            let a = a as u32;
            if rec.available() != (rec.bucket != NONE) {
                return Err(format!("agent slot {a}: availability out of step"));
            }
        }
        Ok(())
    }

    /// The buckets of available agents against the agent records.
    fn check_buckets(&self) -> Result<(), String> {
        let mut listed = 0usize;
        for (b, bk) in self.buckets.iter().enumerate() {
            let b = b as u32;
            for (k, &to) in bk.steps.iter().enumerate() {
                let ok = to == NONE
                    || self.buckets.get(to as usize).is_some_and(|t| {
                        t.profile == bk.profile && load_step(&bk.used, &t.used) == Some(k)
                    });
                if !ok {
                    return Err(format!(
                        "bucket {b}: step {k} leads to the wrong bucket {to}"
                    ));
                }
            }
            let template = &self.profiles[bk.profile as usize].template;
            let (mut a, mut prev, mut n) = (bk.head, NONE, 0u32);
            while a != NONE {
                let rec = self
                    .agents
                    .get(a as usize)
                    .ok_or(format!("bucket {b}: dangling member {a}"))?;
                if rec.bucket != b || rec.b_prev != prev {
                    return Err(format!("bucket {b}: member {a} out of step"));
                }
                let alike = rec.profile == bk.profile
                    && same_profile(&rec.agent, template)
                    && rec.used[..] == bk.used[..]
                    && rec.used_total == bk.used_total;
                if !rec.available() || !alike {
                    return Err(format!(
                        "bucket {b}: member {a} is not an available agent like it"
                    ));
                }
                if prev != NONE && !self.bucket_before(prev, a) {
                    return Err(format!("bucket {b}: member {a} out of order"));
                }
                prev = a;
                a = rec.b_next;
                n += 1;
            }
            if n != bk.len || bk.tail != prev {
                return Err(format!("bucket {b}: {n} members listed, len {}", bk.len));
            }
            listed += n as usize;
            for c in template.capacities() {
                let open = free_slots(template, &bk.used, bk.used_total, c.channel) > 0;
                if open != bk.open_channels.contains(c.channel) {
                    return Err(format!("bucket {b}: room on {} out of step", c.channel));
                }
            }
            let active =
                bk.all_pos != NONE && self.active_buckets_all.get(bk.all_pos as usize) == Some(&b);
            if active != (n > 0) {
                return Err(format!("bucket {b}: active {active} with {n} members"));
            }
            let lists = &self.profiles[bk.profile as usize].lists;
            for ((sk, &pos), &l) in template.skills().iter().zip(&bk.active_pos).zip(lists) {
                if self.bucket_list_of.get(sk.skill).copied().flatten() != Some(l) {
                    return Err(format!("bucket {b}: list index of {} wrong", sk.skill));
                }
                let here = self.active_buckets_by_skill[l as usize].get(pos as usize);
                if active != (here == Some(&b)) {
                    return Err(format!("bucket {b}: list of {} out of step", sk.skill));
                }
            }
        }
        if self.profiles.len() > 64 && self.profiles.len() > 2 * self.agents.len() {
            return Err(format!(
                "{} profiles for {} agents: not swept",
                self.profiles.len(),
                self.agents.len()
            ));
        }
        for (a, rec) in self.agents.iter().enumerate() {
            let prof = self.profiles.get(rec.profile as usize);
            if !prof.is_some_and(|p| p.class == rec.class && same_profile(&p.template, &rec.agent))
            {
                return Err(format!("agent slot {a}: profile out of step"));
            }
        }
        if self.active_buckets_all.len() != self.buckets.iter().filter(|b| b.len > 0).count() {
            return Err("active bucket list out of step".into());
        }
        let available = self.agents.iter().filter(|r| r.available()).count();
        let flagged = self.agents.iter().filter(|r| r.bucket != NONE).count();
        if listed != available || flagged != available {
            return Err(format!(
                "{available} agents available, {listed} in buckets, {flagged} flagged"
            ));
        }
        Ok(())
    }

    /// Whether agent `a` has every skill contact `c` needs, at the levels
    /// its current relaxation asks.
    pub fn skilled(&self, c: &ContactRec, a: u32) -> bool {
        let rec = self.agent(a);
        rec.low.meets(&rec.agent, c.contact.requirements(), c.relax)
    }

    /// Whether agent `a` may be offered contact `c` now: available with a free slot
    /// on the contact's channel, skilled enough (after relaxation), not cooling down.
    #[inline]
    pub fn eligible(&self, c: &ContactRec, a: u32, now: f64) -> bool {
        let rec = self.agent(a);
        rec.free_for(c.contact.channel()) > 0
            && rec.low.meets(&rec.agent, c.contact.requirements(), c.relax)
            && !c.cooling(a, now)
    }

    /// Whether the agents of bucket `bk` may take the contact whose `need`
    /// it is (skills after relaxation, a free slot on its channel),
    /// cool-downs aside.
    #[inline(always)]
    fn bucket_meets(&self, bk: &Bucket, need: &Need<'_>) -> bool {
        bk.open_channels.contains(need.channel)
            && match need.one {
                Some((s, level)) => bk.low.0[s] >= level,
                None => bk.low.meets(
                    &self.profiles[bk.profile as usize].template,
                    need.reqs,
                    need.relax,
                ),
            }
    }

    /// The non-empty buckets that may hold agents with every skill `c`
    /// needs: the smallest list among its required skills.
    fn bucket_candidates(&self, c: &ContactRec) -> &[u32] {
        match c.contact.requirements() {
            [r] => self.bucket_list(r.skill),
            reqs => smallest_list(reqs, &self.active_buckets_all, |s| self.bucket_list(s)),
        }
    }

    /// The non-empty buckets whose profile has skill `s`.
    #[inline]
    fn bucket_list(&self, s: SkillId) -> &[u32] {
        match self.bucket_list_of.get(s) {
            Some(&Some(l)) => &self.active_buckets_by_skill[l as usize][..],
            _ => &[][..],
        }
    }
}

/// A read-only window on the router's state, handed to a [`crate::RoutingPolicy`].
///
/// Iterators visit items in an order that depends only on the events the router
/// received, so policies that break ties by visiting order stay deterministic:
/// a replayed log gives the same decisions. A router restored from a snapshot
/// ([`Router::restore`](crate::Router::restore)) lists them in an order of its
/// own, though; a policy that must decide the same across a restore breaks
/// ties by something in the state (an id, [`ContactRef::sequence`], idle
/// time), as the built-ins do.
#[derive(Clone, Copy)]
pub struct RouterView<'a> {
    pub(crate) st: &'a State,
    pub(crate) fit: &'a dyn FitModel,
    pub(crate) weights: &'a ScoreWeights,
    pub(crate) now: f64,
    /// Set while a policy decides, if offers are explained: keeps the best
    /// score it computed.
    pub(crate) memo: Option<&'a ScoreMemo>,
    /// Set while a policy decides: the pairs its iterators listed.
    pub(crate) vouched: Option<&'a Vouched>,
}

/// The highest-scoring pair a policy computed during one decision, so that
/// the offer's explanation need not compute it again: a scoring policy
/// proposes that very pair, most of the time. Keyed by the contact record's
/// address (a policy may score a contact of its own making) and the agent's
/// slot; valid only until the state changes, so the router clears it as soon
/// as it applies a proposal. The address is kept as a number, only ever
/// compared: a raw pointer would make the router neither `Send` nor movable
/// to another thread.
#[derive(Debug)]
pub(crate) struct ScoreMemo {
    best: Cell<f64>,
    pair: Cell<(usize, u32)>,
    score: Cell<ScoreBreakdown>,
}

impl Default for ScoreMemo {
    fn default() -> Self {
        ScoreMemo {
            best: Cell::new(f64::NEG_INFINITY),
            pair: Cell::new((0, NONE)),
            score: Cell::new(ScoreBreakdown::default()),
        }
    }
}

impl ScoreMemo {
    /// Forgets the pair (the state is about to change, or a decision starts).
    pub fn clear(&self) {
        self.best.set(f64::NEG_INFINITY);
    }

    #[inline]
    fn offer(&self, contact: &Contact, agent: u32, score: &ScoreBreakdown) {
        if score.total > self.best.get() {
            self.best.set(score.total);
            self.pair.set((address(contact), agent));
            self.score.set(*score);
        }
    }

    /// The kept score of `contact` with agent slot `agent`, if that is the pair.
    #[inline]
    pub fn take(&self, contact: &Contact, agent: u32) -> Option<ScoreBreakdown> {
        let hit =
            self.best.get() > f64::NEG_INFINITY && self.pair.get() == (address(contact), agent);
        self.clear();
        hit.then(|| self.score.get())
    }
}

/// The first [`VOUCHED`] pairs the view's eligibility iterators handed a
/// policy during one decision (the contact's record, the agent's slot). In
/// each the agent was eligible for the contact as the state stands, checked
/// on the way (bucket and group membership, cool-downs), so the router need
/// not check again the one it is proposed, only that the contact still
/// waits; a proposal of any other pair is checked in full. Valid only until
/// the state changes, so the router clears it as soon as it applies a
/// proposal. Records are told apart by address, kept as a number as in
/// [`ScoreMemo`].
#[derive(Debug)]
pub(crate) struct Vouched {
    pairs: [Cell<(usize, u32)>; VOUCHED],
    len: Cell<usize>,
}

/// Pairs a [`Vouched`] holds: the pairwise policies see one or a few per
/// decision (a bucket or a group each).
const VOUCHED: usize = 8;

impl Default for Vouched {
    fn default() -> Self {
        Vouched {
            pairs: std::array::from_fn(|_| Cell::new((0, NONE))),
            len: Cell::new(0),
        }
    }
}

impl Vouched {
    /// Forgets every pair (the state is about to change, or a decision starts).
    #[inline]
    pub fn clear(&self) {
        self.len.set(0);
    }

    /// An iterator handed the policy contact `c` with agent slot `a`, having
    /// found the agent eligible for it (whether `c` waits is checked apart).
    #[inline]
    fn vouch(&self, c: &ContactRec, a: u32) {
        let n = self.len.get();
        if let Some(slot) = self.pairs.get(n) {
            slot.set((address(c), a));
            self.len.set(n + 1);
        }
    }

    /// Whether the pair was listed since the state last changed.
    #[inline]
    pub fn holds(&self, c: &ContactRec, a: u32) -> bool {
        let pair = (address(c), a);
        self.pairs[..self.len.get()].iter().any(|v| v.get() == pair)
    }
}

/// Where `r` lives, to tell records apart while none moves (a cache's
/// decision); never turned back into a reference.
#[inline(always)]
fn address<T>(r: &T) -> usize {
    std::ptr::from_ref(r).addr()
}

/// One contact's scores with agents ([`RouterView::contact_scorer`]): the
/// terms that depend on the contact alone computed once; a pair's breakdown
/// goes to the memo, as [`RouterView::score`]'s does, when offers are
/// explained.
pub(crate) struct ContactScorer<'a> {
    view: RouterView<'a>,
    contact: &'a Contact,
    /// The skill of its requirement, if it has exactly one, numbered below
    /// [`LOW_SKILLS`]: the skill term is then that level over 10.
    one_low: Option<usize>,
    /// What [`score::skill_match`] divides the levels' sum by.
    skill_div: f64,
    terms: score::ContactTerms,
}

impl ContactScorer<'_> {
    /// The pair's total, as [`score::score`] computes it (both assemble it
    /// with [`score::ContactTerms`]), the skill term read from the agent's
    /// level array. `free_share` is the agent's [`AgentRef::free_share`],
    /// which the caller needs too.
    #[inline]
    pub fn total(&self, agent: &AgentRef<'_>, free_share: f64) -> f64 {
        let (w, c) = (self.view.weights, self.contact);
        let fit = self.view.fit.fit(c, agent.agent());
        let rec = agent.rec;
        let skill = if let Some(s) = self.one_low {
            f64::from(rec.low.0[s]) / self.skill_div
        } else {
            let reqs = c.requirements();
            if reqs.is_empty() {
                1.0
            } else {
                let sum: u32 = reqs
                    .iter()
                    .map(|r| u32::from(rec.low.level(&rec.agent, r.skill)))
                    .sum();
                sum as f64 / self.skill_div
            }
        };
        let load = AgentLoad {
            idle_seconds: agent.idle_seconds(),
            free_share,
        };
        let b = self.terms.with(w, agent.id(), skill, load, fit);
        debug_assert_eq!(
            b.total.to_bits(),
            score::score(w, c, agent.agent(), agent.load(), fit, self.view.now)
                .total
                .to_bits()
        );
        if let Some(m) = self.view.memo {
            m.offer(c, agent.ix, &b);
        }
        b.total
    }
}

/// A contact as a policy sees it: the [`Contact`] (via `Deref`) plus its waiting state.
#[derive(Clone, Copy)]
pub struct ContactRef<'a> {
    rec: &'a ContactRec,
    now: f64,
}

impl<'a> ContactRef<'a> {
    /// The contact.
    pub fn contact(&self) -> &'a Contact {
        &self.rec.contact
    }
    /// Seconds waited so far: the longest wait `w` with `arrival + w <= now`
    /// in floating point, which is `now - arrival` or a few ulps more. So
    /// `waited() >= n` exactly when `now` has reached
    /// the instant `arrival + n`, the time of the wake-up a policy asked
    /// for with [`next_relaxation`](crate::RoutingPolicy::next_relaxation)
    /// (where `now - arrival` may read just below `n`).
    pub fn waited(&self) -> f64 {
        waited_at(self.rec.contact.arrival(), self.now)
    }
    /// Levels by which its requirements are relaxed now (see [`crate::RoutingPolicy::relaxation`]).
    pub fn relaxation(&self) -> u8 {
        self.rec.relax
    }
    /// Order of first arrival at the router (smaller = earlier), for FIFO tie-breaks.
    pub fn sequence(&self) -> u64 {
        self.rec.seq
    }
}

impl Deref for ContactRef<'_> {
    type Target = Contact;
    fn deref(&self) -> &Contact {
        &self.rec.contact
    }
}

/// The contact's id and where it stands in the queue; its whole profile is
/// [`ContactRef::contact`]'s.
impl std::fmt::Debug for ContactRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContactRef")
            .field("id", &self.rec.contact.id())
            .field("waited", &self.waited())
            .field("relaxation", &self.rec.relax)
            .field("sequence", &self.rec.seq)
            .finish_non_exhaustive()
    }
}

/// An agent as a policy sees it: the [`Agent`] profile (via `Deref`) plus its load.
#[derive(Clone, Copy)]
pub struct AgentRef<'a> {
    rec: &'a AgentRec,
    ix: u32,
    now: f64,
}

impl<'a> AgentRef<'a> {
    /// The profile.
    pub fn agent(&self) -> &'a Agent {
        &self.rec.agent
    }
    /// Seconds since it last became free of all work; 0 while it holds any.
    /// Computed from [`idle_since`](AgentRef::idle_since) and the view's
    /// time, so ties among idle agents are better broken by
    /// `idle_since` (exact) or [`longest_idle_cmp`](AgentRef::longest_idle_cmp).
    pub fn idle_seconds(&self) -> f64 {
        if self.rec.used_total == 0 {
            (self.now - self.rec.idle_since).max(0.0)
        } else {
            0.0
        }
    }
    /// Contacts it holds now (offered, in service or in wrap-up).
    pub fn held(&self) -> u16 {
        self.rec.used_total
    }
    /// When it last became free of all work, or ready (the login time
    /// before either). It does not change while the agent holds work: a
    /// chat agent serving one chat of three keeps the instant it was last
    /// completely free, often earlier than an idle agent's. So sorting
    /// agents by it alone puts busy agents before idle ones; the built-ins'
    /// "longest idle" is [`longest_idle_cmp`](AgentRef::longest_idle_cmp).
    pub fn idle_since(&self) -> f64 {
        self.rec.idle_since
    }
    /// The order in which [`LongestIdleAgent`](crate::LongestIdleAgent)
    /// (and every built-in, after its own criterion) ranks agents for a
    /// contact: `Less` if `self` goes first. An agent holding no work
    /// ([`held`](AgentRef::held) 0) before one holding some; among idle
    /// agents the longer idle first (the earlier
    /// [`idle_since`](AgentRef::idle_since), compared exactly); agents
    /// holding work are not told apart by it; then the larger
    /// [`free_share`](AgentRef::free_share); then the smaller id. For a
    /// policy of one's own breaking its ties as the built-ins do:
    /// `view.eligible_agents(c).min_by(|x, y| mine(x).cmp(&mine(y)).then(x.longest_idle_cmp(y)))`.
    pub fn longest_idle_cmp(&self, other: &AgentRef<'_>) -> std::cmp::Ordering {
        let key = |a: &AgentRef<'_>| {
            let idle = a.held() == 0;
            (idle, if idle { a.idle_since() } else { 0.0 })
        };
        let ((x_idle, x_since), (y_idle, y_since)) = (key(self), key(other));
        y_idle
            .cmp(&x_idle)
            .then(x_since.total_cmp(&y_since))
            .then(other.free_share().total_cmp(&self.free_share()))
            .then(self.id().cmp(&other.id()))
    }
    /// Free slots for `channel` now (0 if not ready).
    pub fn free_capacity(&self, channel: ChannelId) -> u16 {
        self.rec.free_for(channel)
    }
    /// Free slots over all channels (0 if not ready).
    pub fn free_total(&self) -> u16 {
        if self.rec.presence == Presence::Ready {
            self.rec
                .agent
                .total_capacity()
                .saturating_sub(self.rec.used_total)
        } else {
            0
        }
    }
    /// Free share of its total capacity, `0..=1`.
    pub fn free_share(&self) -> f64 {
        let t = self.rec.agent.total_capacity() as f64;
        (t - self.rec.used_total as f64).max(0.0) / t
    }
    /// Its state.
    pub fn state(&self) -> AgentState {
        self.rec.state()
    }
    /// Its index in this router: agents are numbered 0, 1, 2… in the order
    /// they first logged in, and keep their number until an agent numbered
    /// before them is removed ([`Event::AgentRemoved`](crate::Event::AgentRemoved)),
    /// which moves each of them down by one, in the same order. With
    /// [`login`](AgentRef::login), the key of a policy's per-agent cache
    /// held in a plain `Vec`: an entry whose login key is not the agent's
    /// was another agent's (logins are never given twice).
    pub fn index(&self) -> usize {
        self.ix as usize
    }
    /// This login's key: a number that changes exactly when the agent's
    /// profile (skills, capacities, attributes) may have changed — when it
    /// logs in again or is updated ([`Event::AgentUpdated`](crate::Event::AgentUpdated)),
    /// and for every agent on [`Router::restore`](crate::Router::restore)
    /// — and is never given to another login, by this router or
    /// another in the process. What a policy derives from the profile stays
    /// valid while the key does. The numbers depend on the process's other
    /// routers: a key for equality, not for decisions.
    pub fn login(&self) -> u64 {
        self.rec.login
    }
    fn load(&self) -> AgentLoad {
        AgentLoad {
            idle_seconds: self.idle_seconds(),
            free_share: self.free_share(),
        }
    }
}

impl Deref for AgentRef<'_> {
    type Target = Agent;
    fn deref(&self) -> &Agent {
        &self.rec.agent
    }
}

/// The agent's id, state and load; its whole profile is
/// [`AgentRef::agent`]'s.
impl std::fmt::Debug for AgentRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentRef")
            .field("id", &self.rec.agent.id())
            .field("index", &self.ix)
            .field("state", &self.state())
            .field("held", &self.rec.used_total)
            .field("free_total", &self.free_total())
            .finish_non_exhaustive()
    }
}

/// The time and a few counts, not the state behind them (which can hold
/// thousands of agents and contacts).
impl std::fmt::Debug for RouterView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouterView")
            .field("now", &self.now)
            .field("waiting", &self.st.waiting_all.len())
            .field("available_agents", &self.st.available_len())
            .field("known_agents", &self.st.agents.len())
            .finish_non_exhaustive()
    }
}

impl<'a> RouterView<'a> {
    /// The router's current time.
    pub fn now(&self) -> f64 {
        self.now
    }

    /// The configured score weights.
    pub fn weights(&self) -> &'a ScoreWeights {
        self.weights
    }

    fn cref(&self, ix: u32) -> Option<ContactRef<'a>> {
        let st: &'a State = self.st;
        st.contact(ix).map(|rec| ContactRef { rec, now: self.now })
    }

    fn aref(&self, ix: u32) -> AgentRef<'a> {
        let st: &'a State = self.st;
        AgentRef {
            rec: st.agent(ix),
            ix,
            now: self.now,
        }
    }

    /// A waiting contact by id (`None` if it is not waiting). O(1).
    pub fn waiting_contact(&self, id: ContactId) -> Option<ContactRef<'a>> {
        let ix = self.st.contact_slot(id)?;
        self.cref(ix).filter(|c| c.rec.held == Held::Waiting)
    }

    /// A known agent by id. O(1).
    pub fn agent(&self, id: AgentId) -> Option<AgentRef<'a>> {
        self.st.agent_slot(id).map(|ix| self.aref(ix))
    }

    /// Every waiting contact. O(waiting).
    pub fn waiting(&self) -> impl Iterator<Item = ContactRef<'a>> + 'a {
        let view = *self;
        let st: &'a State = self.st;
        st.waiting_all.iter().filter_map(move |&ix| view.cref(ix))
    }

    /// How many contacts wait.
    pub fn waiting_len(&self) -> usize {
        self.st.waiting_all.len()
    }

    /// Every available agent (ready, with a free slot), in no promised
    /// order (sort them, e.g. by [`AgentRef::index`], for one). O(available).
    pub fn available_agents(&self) -> impl Iterator<Item = AgentRef<'a>> + 'a {
        let view = *self;
        let st: &'a State = self.st;
        st.available().map(move |ix| view.aref(ix))
    }

    /// Whether `agent` may be offered `contact` now.
    pub fn is_eligible(&self, contact: &ContactRef<'_>, agent: &AgentRef<'_>) -> bool {
        self.st.eligible(contact.rec, agent.ix, self.now)
    }

    /// The available agents eligible for `contact`, bucket by bucket (see
    /// [`eligible_agent_heads`](RouterView::eligible_agent_heads)), each
    /// bucket longest-idle first. O(buckets with its skills + eligible
    /// agents): a whole bucket of alike agents is ruled in or out at once.
    pub fn eligible_agents(
        &self,
        contact: ContactRef<'a>,
    ) -> impl Iterator<Item = AgentRef<'a>> + 'a {
        let view = *self;
        let st: &'a State = self.st;
        let (c, now) = (contact.rec, self.now);
        let mut buckets = st.bucket_candidates(c).iter();
        let need = Need::of(c);
        let mut a = NONE;
        std::iter::from_fn(move || {
            loop {
                while a != NONE {
                    let cur = a;
                    a = st.agents[cur as usize].b_next;
                    if !c.cooling(cur, now) {
                        debug_assert!(st.eligible(c, cur, now), "a bucket out of step");
                        if let Some(v) = view.vouched {
                            v.vouch(c, cur);
                        }
                        return Some(view.aref(cur));
                    }
                }
                let &b = buckets.next()?;
                let bk = &st.buckets[b as usize];
                if st.bucket_meets(bk, &need) {
                    a = bk.head;
                }
            }
        })
    }

    /// Among the agents eligible for `contact`, those that can be its best
    /// under a ranking that favours the longer idle: for each *bucket* of
    /// available agents that can take it, the first not cooling down other
    /// than the contact's preferred agent, and the contact's preferred
    /// agent (whose preference term, of either sign, sets it apart from its
    /// bucket). O(buckets with its skills), however many agents are
    /// available.
    ///
    /// A bucket holds the available agents that no contact can tell apart:
    /// the same skills and levels, channel capacities, speed, attributes and
    /// [`FitModel::agent_class`], holding the same number of contacts on each
    /// channel; they differ only in id and, if they hold nothing, in idle
    /// time. Each bucket is kept longest-idle first, then by id. So a policy
    /// whose ranking of an agent for a contact depends on the agent only
    /// through these, never favouring the shorter idle (the preferred agent
    /// is listed apart), and that breaks ties by the longer idle, then the
    /// smaller id, finds its best agent here: the best of
    /// [`eligible_agents`](RouterView::eligible_agents) is always listed.
    /// The built-ins do (the optimal-assignment score when its `idle` weight
    /// is not negative). A [`FitModel`] whose class is each agent's own id
    /// makes every agent its own bucket: correct, without the saving.
    pub fn eligible_agent_heads(
        &self,
        contact: ContactRef<'a>,
    ) -> impl Iterator<Item = AgentRef<'a>> + 'a {
        let mut heads: SmallVec<[AgentRef<'a>; 16]> = SmallVec::new();
        self.for_each_eligible_agent_head(contact, |a| heads.push(a));
        heads.into_iter()
    }

    /// What [`eligible_agent_heads`](RouterView::eligible_agent_heads) lists,
    /// in the same order, handed to `f` without collecting them.
    pub(crate) fn for_each_eligible_agent_head(
        &self,
        contact: ContactRef<'a>,
        mut f: impl FnMut(AgentRef<'a>),
    ) {
        let view = *self;
        self.st.for_each_agent_head(contact.rec, self.now, |a| {
            if let Some(v) = view.vouched {
                v.vouch(contact.rec, a);
            }
            f(view.aref(a))
        });
    }

    /// The waiting contacts `agent` is eligible for (empty if it is not
    /// available). O(groups of waiting contacts keyed by its skills + eligible
    /// contacts): a whole group of identical contacts (see
    /// [`eligible_heads`](RouterView::eligible_heads)) is ruled in or out at once.
    pub fn eligible_contacts(
        &self,
        agent: AgentRef<'a>,
    ) -> impl Iterator<Item = ContactRef<'a>> + 'a {
        let mut all = Vec::new();
        self.for_each_eligible(agent, false, |c| all.push(c));
        all.into_iter()
    }

    /// For each group of waiting contacts `agent` may take, the longest-waiting
    /// member it is eligible for. O(groups keyed by its skills), whatever the
    /// queue length.
    ///
    /// A group holds the waiting contacts that no agent can tell apart: the
    /// same channel, requirements, current relaxation, priority, tier, segment,
    /// preferred agent and attributes; they differ only in id and arrival time.
    /// So a policy that, for a given agent, ranks the longer-waiting of two such
    /// contacts at least as high (FIFO, priority with aging, cμ, a score with a
    /// non-negative wait weight, a [`FitModel`] that ignores ids and arrival
    /// times), and breaks ties by earlier arrival, finds its best contact among
    /// these heads: the best of `eligible_contacts` is always a head.
    pub fn eligible_heads(&self, agent: AgentRef<'a>) -> impl Iterator<Item = ContactRef<'a>> + 'a {
        let mut heads: SmallVec<[ContactRef<'a>; 16]> = SmallVec::new();
        self.for_each_eligible(agent, true, |c| heads.push(c));
        heads.into_iter()
    }

    /// What [`eligible_contacts`](RouterView::eligible_contacts) (`heads`
    /// false) or [`eligible_heads`](RouterView::eligible_heads) (true) list,
    /// in the same order, handed to `f` without collecting them.
    pub(crate) fn for_each_eligible(
        &self,
        agent: AgentRef<'a>,
        heads: bool,
        mut f: impl FnMut(ContactRef<'a>),
    ) {
        let st: &'a State = self.st;
        let (now, vouched) = (self.now, self.vouched);
        st.for_each_eligible(agent.ix, now, heads, |rec| {
            if let Some(v) = vouched {
                v.vouch(rec, agent.ix);
            }
            f(ContactRef { rec, now })
        });
    }

    /// The score of the contact and agent in these slots (the router's own
    /// ids), for an offer's explanation: `explain`'s, else [`score`](Self::score)'s.
    pub(crate) fn score_slots(
        &self,
        c: u32,
        a: u32,
        explain: impl FnOnce(&Self, &ContactRef<'_>, &AgentRef<'_>) -> Option<ScoreBreakdown>,
    ) -> ScoreBreakdown {
        match self.cref(c) {
            Some(c) => {
                let a = self.aref(a);
                explain(self, &c, &a).unwrap_or_else(|| self.score(&c, &a))
            }
            None => ScoreBreakdown::default(),
        }
    }

    /// `contact`'s side of its scores, worked out once for a decision that
    /// scores it with many agents: [`ContactScorer::total`] is
    /// [`score`](Self::score)'s total, bit for bit.
    pub(crate) fn contact_scorer(&self, contact: ContactRef<'a>) -> ContactScorer<'a> {
        let c = contact.contact();
        let reqs = c.requirements();
        ContactScorer {
            view: *self,
            contact: c,
            one_low: match reqs {
                [r] if (r.skill.0 as usize) < LOW_SKILLS => Some(r.skill.0 as usize),
                _ => None,
            },
            skill_div: 10.0 * reqs.len() as f64,
            terms: score::ContactTerms::new(self.weights, c, self.now),
        }
    }

    /// The pair's score with its breakdown, at the current time.
    pub fn score(&self, contact: &Contact, agent: &AgentRef<'_>) -> ScoreBreakdown {
        self.score_with_fit(contact, agent, self.fit.fit(contact, agent.agent()))
    }

    /// The pair's score with `fit` in place of the router's [`FitModel`]'s
    /// value, for a policy that brings its own estimate of the fit (such as
    /// [`LearnedFit`](crate::policy::LearnedFit)): the offer's explanation
    /// then shows the fit the policy used.
    pub fn score_with_fit(
        &self,
        contact: &Contact,
        agent: &AgentRef<'_>,
        fit: f64,
    ) -> ScoreBreakdown {
        let b = score::score(
            self.weights,
            contact,
            agent.agent(),
            agent.load(),
            fit,
            self.now,
        );
        if let Some(m) = self.memo {
            m.offer(contact, agent.ix, &b);
        }
        b
    }
}

/// The longest wait `w ≥ 0` with `arrival + w <= now` in floating point (0
/// if `now` is before `arrival`): `now - arrival` or a few ulps more, so
/// that `waited_at(a, t) >= n` exactly when `a + n <= t` (floating-point
/// addition is monotone in `w`). The instant-based reading of a wait, as
/// the router schedules wake-ups (`a + n`) and the simulator judges a
/// service-level threshold (by the instant `a + threshold`).
#[inline]
pub(crate) fn waited_at(arrival: f64, now: f64) -> f64 {
    let w = now - arrival;
    // Comparisons only: this runs at every enqueue, mostly with `w` 0.
    if w > 0.0 {
        // The common case, inline: `w` itself fits and the next float up
        // does not.
        if arrival + w <= now && arrival + w.next_up() > now {
            return w;
        }
        return waited_at_rounded(arrival, now, w);
    }
    // Before its arrival, or NaN: no wait.
    0.0
}

/// [`waited_at`] where `now - arrival` (`w`) rounded away from the
/// instant: found by bisection.
#[cold]
#[inline(never)]
fn waited_at_rounded(arrival: f64, now: f64, w: f64) -> f64 {
    if !w.is_finite() {
        return w;
    }
    let fits = |w: f64| arrival + w <= now;
    // Bisect over the bit patterns (ordered like the values for
    // positive floats) between a wait that fits and one that does not: the
    // rounding of `now - arrival` and of `arrival + w` is each within half
    // an ulp of the larger of `arrival`, `now` and `w`.
    let ulp = |x: f64| {
        let x = x.abs();
        x.next_up() - x
    };
    let u = 4.0 * ulp(arrival).max(ulp(now)).max(ulp(w));
    let mut lo = (w - u).max(0.0);
    if !fits(lo) {
        lo = 0.0;
    }
    let mut hi = w + u;
    if fits(hi) {
        // Not expected; grow until it does not fit (bounded: doubling).
        let mut step = u;
        while fits(hi) && hi.is_finite() {
            lo = hi;
            step *= 2.0;
            hi = w + step;
        }
    }
    let (mut l, mut h) = (lo.to_bits(), hi.to_bits());
    while h - l > 1 {
        let m = l + (h - l) / 2;
        if fits(f64::from_bits(m)) {
            l = m;
        } else {
            h = m;
        }
    }
    f64::from_bits(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Membership against a list, for channels at the edges of each word.
    #[test]
    fn channel_sets_hold_exactly_their_members() {
        let members = [0u8, 1, 63, 64, 127, 128, 200, 255];
        for k in 0..members.len() {
            let chosen: Vec<ChannelId> = members
                .iter()
                .skip(k)
                .step_by(2)
                .map(|&c| ChannelId(c))
                .collect();
            let set: ChannelSet = chosen.iter().copied().collect();
            for c in 0..=255u8 {
                assert_eq!(
                    set.contains(ChannelId(c)),
                    chosen.contains(&ChannelId(c)),
                    "{c}"
                );
            }
        }
    }

    /// The levels kept by number answer as the profile does, for skills
    /// below and above [`LOW_SKILLS`] and ones it lacks.
    #[test]
    fn low_levels_meet_as_the_profile() {
        let agent = Agent::builder(AgentId(1))
            .skill(SkillId(0), 3)
            .skill(SkillId(15), 7)
            .skill(SkillId(16), 5)
            .skill(SkillId(900), 9)
            .channel(ChannelId::VOICE, 1)
            .build()
            .unwrap();
        let low = LowLevels::of(&agent);
        for skill in [0, 1, 15, 16, 17, 900, 5000] {
            for min in 1..=10 {
                for relax in [0, 2, 9] {
                    let reqs = [
                        Requirement {
                            skill: SkillId(skill),
                            min_level: Level::new(min).unwrap(),
                        },
                        Requirement {
                            skill: SkillId(0),
                            min_level: Level::new(2).unwrap(),
                        },
                    ];
                    for reqs in [&reqs[..1], &reqs[..], &[]] {
                        assert_eq!(
                            low.meets(&agent, reqs, relax),
                            agent.meets(reqs, relax),
                            "{skill} {min} {relax}"
                        );
                    }
                }
            }
        }
    }

    /// Every subset of sizes 1..=max, once each, in order, against the
    /// bitmask enumeration; and the count formula against the same.
    #[test]
    fn subsets_are_listed_once_each() {
        for k in 0..=8usize {
            for max in 0..=MAX_SUBSET + 1 {
                let listed: Vec<Vec<usize>> = Subsets::new(&vec![(); k], max)
                    .map(|(idx, size)| idx[..size].to_vec())
                    .collect();
                let mut want: Vec<Vec<usize>> = (1u32..1 << k)
                    .map(|m| (0..k).filter(|&i| m >> i & 1 == 1).collect::<Vec<_>>())
                    .filter(|s| s.len() <= max.min(MAX_SUBSET))
                    .collect();
                want.sort_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
                assert_eq!(listed, want, "k {k}, max {max}");
                let all = (1u32..1 << k)
                    .filter(|m| m.count_ones() as usize <= max)
                    .count();
                assert_eq!(subsets_up_to(k, max), all, "k {k}, max {max}");
            }
        }
    }

    /// `waited_at` against its definition, by brute force over neighbours:
    /// the wait fits (`arrival + w <= now`) and the next float up does not,
    /// so a step `n` reads as reached exactly at the instant `arrival + n`
    /// (where `now - arrival` can read below it), including arrivals far
    /// larger than the wait (`1e9` and a wait of 1 s: ulps 2e-16 against
    /// 1.2e-7).
    #[test]
    fn a_wait_is_read_by_the_instant() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut short = 0;
        for k in 0..20_000 {
            let scale = [1.0, 100.0, 1e5, 1e9, 1e12][k % 5];
            let arrival = (next() - 0.2) * scale;
            let n = [10.0, 20.0, 0.1, 1.0, next() * 100.0][k / 5 % 5];
            let now = arrival + n;
            let w = waited_at(arrival, now);
            assert!(w >= n, "arrival {arrival}, step {n}: waited {w}");
            assert!(
                arrival + w <= now && arrival + w.next_up() > now,
                "{arrival} {now} {w}"
            );
            short += usize::from(now - arrival < n);
            // Just before the instant, the step is not reached.
            let before = now.next_down();
            assert!(waited_at(arrival, before) < n || arrival + n <= before);
        }
        assert!(short > 100, "the rounding case never came up: {short}");
        let a = std::hint::black_box(30.827849402204);
        assert_eq!(waited_at(a, a + 10.0), 10.0);
        assert!(a + 10.0 - a < 10.0);
        assert_eq!(waited_at(5.0, 4.0), 0.0);
        assert_eq!(waited_at(5.0, 5.0), 0.0);
        assert_eq!(waited_at(5.0, f64::NAN), 0.0);
    }
}
