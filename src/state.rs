//! The router's bookkeeping and the read-only [`RouterView`] that policies see.
//!
//! Indexes are kept so that one event costs O(eligible pairs), not a scan of
//! everything: available agents are bucketed by each skill they have, waiting
//! contacts by their first required skill. An available agent looks for work in
//! the buckets of its own skills; a waiting contact looks for an agent in the
//! bucket of the rarest of its skills among available agents. Everything lives in
//! vectors indexed by dense slots, so iteration order depends only on the events
//! received (determinism), never on hashing.
//!
//! The hot path is a freed agent scanning the waiting buckets of its skills, so
//! a bucket entry ([`Queued`]) carries a copy of what decides eligibility: the
//! contact record (and its requirements, behind another pointer) is read only
//! for the contacts the agent is skilled for. Maps keyed by ids use [`IdHasher`],
//! and nothing is allocated when an agent frees or takes a slot.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Deref;

use crate::model::{
    Agent, AgentId, AgentState, ChannelId, Contact, ContactId, Level, Presence, Requirement,
    SkillId,
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

/// Requirements copied into a [`Queued`] entry; contacts with more are checked
/// against their record.
const INLINE_REQS: usize = 2;

/// A waiting contact as its bucket holds it: its slot, plus a copy of what
/// decides whether an agent is skilled for it (channel, requirements, current
/// relaxation), so that a freed agent's scan reads the contact record only for
/// the contacts it may take. `enqueue` fills it and `set_relax` keeps `relax`
/// in step with the record (the only other field that changes while queued).
#[derive(Debug, Clone, Copy)]
struct Queued {
    ix: u32,
    channel: ChannelId,
    relax: u8,
    /// The contact's number of requirements (saturating); only the first
    /// `INLINE_REQS` are copied.
    n_reqs: u8,
    reqs: [Requirement; INLINE_REQS],
}

impl Queued {
    fn new(ix: u32, rec: &ContactRec) -> Queued {
        let all = rec.contact.requirements();
        let mut reqs = [Requirement {
            skill: SkillId(0),
            min_level: Level::MIN,
        }; INLINE_REQS];
        let n = all.len().min(INLINE_REQS);
        reqs[..n].copy_from_slice(&all[..n]);
        Queued {
            ix,
            channel: rec.contact.channel(),
            relax: rec.relax,
            n_reqs: u8::try_from(all.len()).unwrap_or(u8::MAX),
            reqs,
        }
    }

    /// The contact's requirements, if all of them are copied here.
    fn inline_reqs(&self) -> Option<&[Requirement]> {
        self.reqs.get(..usize::from(self.n_reqs))
    }
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
    /// Position in `free_by_skill[skill]`, parallel to `agent.skills()`; NONE if not in.
    pub free_pos: Vec<u32>,
    /// Position in `free_all`; NONE if not available.
    pub all_pos: u32,
}

impl AgentRec {
    fn available(&self) -> bool {
        self.presence == Presence::Ready
            && self.used_total < self.agent.total_capacity()
            && self
                .used
                .iter()
                .zip(self.agent.capacities())
                .any(|(u, c)| *u < c.max)
    }

    /// Free slots for `channel`, counting the total cap.
    pub fn free_for(&self, channel: ChannelId) -> u16 {
        if self.presence != Presence::Ready {
            return 0;
        }
        let total_free = self.agent.total_capacity().saturating_sub(self.used_total);
        self.agent
            .capacities()
            .iter()
            .position(|c| c.channel == channel)
            .map_or(0, |i| {
                (self.agent.capacities()[i].max.saturating_sub(self.used[i])).min(total_free)
            })
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
    /// Position in its waiting bucket and in `waiting_all`; NONE if not waiting.
    pub bucket_pos: u32,
    pub all_pos: u32,
}

impl ContactRec {
    fn key(&self) -> Option<SkillId> {
        self.contact.requirements().first().map(|r| r.skill)
    }

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
    pub contacts: Vec<Option<ContactRec>>,
    pub free_slots: Vec<u32>,
    pub contact_ix: IdMap<ContactId, u32>,
    free_by_skill: IdMap<SkillId, Vec<u32>>,
    free_all: Vec<u32>,
    waiting_by_skill: IdMap<SkillId, Vec<Queued>>,
    waiting_any: Vec<Queued>,
    waiting_all: Vec<u32>,
    /// Known agents (any presence) able to take each channel.
    pub channel_agents: IdMap<ChannelId, u32>,
    pub next_seq: u64,
    pub counts: Counts,
}

/// How many contacts are in each state. `completed + abandoned` count contacts
/// that have left; the others are in the system now.
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
        self.contacts.get(ix as usize).and_then(Option::as_ref)
    }

    pub fn contact_mut(&mut self, ix: u32) -> Option<&mut ContactRec> {
        self.contacts.get_mut(ix as usize).and_then(Option::as_mut)
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

    /// Puts the agent in or out of the available indexes to match its state.
    pub fn refresh_agent(&mut self, ix: u32) {
        let rec = &self.agents[ix as usize];
        let should = rec.available();
        let is = rec.all_pos != NONE;
        if should == is {
            return;
        }
        // Split the borrows so that nothing is collected (this runs every time
        // an agent frees or takes a slot).
        let State {
            agents,
            free_by_skill,
            free_all,
            ..
        } = self;
        if should {
            let rec = &mut agents[ix as usize];
            rec.free_pos.resize(rec.agent.skills().len(), NONE);
            for (s, pos) in rec.agent.skills().iter().zip(rec.free_pos.iter_mut()) {
                let b = free_by_skill.entry(s.skill).or_default();
                *pos = b.len() as u32;
                b.push(ix);
            }
            rec.all_pos = free_all.len() as u32;
            free_all.push(ix);
        } else {
            let all_pos = agents[ix as usize].all_pos;
            for k in 0..agents[ix as usize].free_pos.len() {
                let rec = &agents[ix as usize];
                let (s, p) = (rec.agent.skills()[k].skill, rec.free_pos[k]);
                if let Some(b) = free_by_skill.get_mut(&s)
                    && let Some(moved) = bucket_remove(b, p)
                {
                    let m = &mut agents[moved as usize];
                    if let Ok(j) = m.agent.skills().binary_search_by_key(&s, |x| x.skill) {
                        m.free_pos[j] = p;
                    }
                }
            }
            if let Some(moved) = bucket_remove(free_all, all_pos) {
                agents[moved as usize].all_pos = all_pos;
            }
            let rec = &mut agents[ix as usize];
            rec.all_pos = NONE;
            rec.free_pos.iter_mut().for_each(|p| *p = NONE);
        }
    }

    /// Stores a new contact (not yet waiting) and returns its slot.
    pub fn insert_contact(&mut self, contact: Contact, relax: u8) -> u32 {
        let rec = ContactRec {
            held: Held::Waiting,
            seq: self.next_seq,
            relax,
            cooldowns: Vec::new(),
            wake_at: None,
            bucket_pos: NONE,
            all_pos: NONE,
            contact,
        };
        self.next_seq += 1;
        let id = rec.contact.id();
        let ix = match self.free_slots.pop() {
            Some(ix) => {
                self.contacts[ix as usize] = Some(rec);
                ix
            }
            None => {
                self.contacts.push(Some(rec));
                (self.contacts.len() - 1) as u32
            }
        };
        self.contact_ix.insert(id, ix);
        self.counts.arrived += 1;
        ix
    }

    /// Drops a contact that has left (completed or abandoned); it must not be waiting.
    pub fn remove_contact(&mut self, ix: u32) {
        if let Some(rec) = self.contacts.get_mut(ix as usize).and_then(Option::take) {
            self.contact_ix.remove(&rec.contact.id());
            self.free_slots.push(ix);
        }
    }

    /// Puts a contact into the waiting indexes.
    pub fn enqueue(&mut self, ix: u32) {
        let Some(rec) = self.contact(ix) else { return };
        if rec.all_pos != NONE {
            return;
        }
        let entry = Queued::new(ix, rec);
        let bucket = match rec.key() {
            Some(s) => self.waiting_by_skill.entry(s).or_default(),
            None => &mut self.waiting_any,
        };
        let bpos = bucket.len() as u32;
        bucket.push(entry);
        let apos = self.waiting_all.len() as u32;
        self.waiting_all.push(ix);
        let rec = self.contacts[ix as usize].as_mut().expect("checked above");
        rec.bucket_pos = bpos;
        rec.all_pos = apos;
    }

    /// Takes a contact out of the waiting indexes.
    pub fn dequeue(&mut self, ix: u32) {
        let Some(rec) = self.contact(ix) else { return };
        if rec.all_pos == NONE {
            return;
        }
        let (key, bpos, apos) = (rec.key(), rec.bucket_pos, rec.all_pos);
        let bucket = match key {
            Some(s) => self.waiting_by_skill.get_mut(&s),
            None => Some(&mut self.waiting_any),
        };
        if let Some(b) = bucket
            && let Some(moved) = bucket_remove(b, bpos)
            && let Some(m) = self.contact_mut(moved.ix)
        {
            m.bucket_pos = bpos;
        }
        if let Some(moved) = bucket_remove(&mut self.waiting_all, apos)
            && let Some(m) = self.contact_mut(moved)
        {
            m.all_pos = apos;
        }
        if let Some(rec) = self.contact_mut(ix) {
            rec.bucket_pos = NONE;
            rec.all_pos = NONE;
        }
    }

    /// Sets a contact's relaxation, in its record and, if it is queued, in its
    /// bucket entry.
    pub fn set_relax(&mut self, ix: u32, relax: u8) {
        let Some(rec) = self.contacts.get_mut(ix as usize).and_then(Option::as_mut) else {
            return;
        };
        rec.relax = relax;
        if rec.all_pos == NONE {
            return;
        }
        let (key, pos) = (rec.key(), rec.bucket_pos);
        let bucket = match key {
            Some(s) => self.waiting_by_skill.get_mut(&s),
            None => Some(&mut self.waiting_any),
        };
        if let Some(q) = bucket.and_then(|b| b.get_mut(pos as usize)) {
            q.relax = relax;
        }
    }

    /// [`State::eligible`] for a queued contact, reading its record only if the
    /// entry's copy says the agent is skilled for it: the record if eligible.
    fn eligible_queued(&self, q: &Queued, a: u32, now: f64) -> Option<&ContactRec> {
        let agent = self.agent(a);
        let verdict = match q.inline_reqs() {
            Some(reqs) => {
                if agent.free_for(q.channel) == 0 || !agent.agent.meets(reqs, q.relax) {
                    None
                } else {
                    let rec = self.contact(q.ix)?;
                    (!rec.cooling(a, now)).then_some(rec)
                }
            }
            None => self.contact(q.ix).filter(|rec| self.eligible(rec, a, now)),
        };
        debug_assert_eq!(
            verdict.is_some(),
            self.contact(q.ix)
                .is_some_and(|rec| self.eligible(rec, a, now)),
            "a queued entry out of step with its contact record"
        );
        verdict
    }

    /// Whether agent `a` may be offered contact `c` now: available with a free slot
    /// on the contact's channel, skilled enough (after relaxation), not cooling down.
    pub fn eligible(&self, c: &ContactRec, a: u32, now: f64) -> bool {
        let rec = self.agent(a);
        rec.free_for(c.contact.channel()) > 0
            && rec.agent.meets(c.contact.requirements(), c.relax)
            && !c.cooling(a, now)
    }

    /// Available agents that may have every requirement of `c`: the smallest
    /// bucket among its required skills (all available agents if it needs none).
    fn agent_candidates(&self, c: &ContactRec) -> &[u32] {
        let reqs = c.contact.requirements();
        if reqs.is_empty() {
            return &self.free_all;
        }
        let mut best: &[u32] = &[];
        for (i, r) in reqs.iter().enumerate() {
            let b = self.free_by_skill.get(&r.skill).map_or(&[][..], |v| &v[..]);
            if i == 0 || b.len() < best.len() {
                best = b;
            }
            if best.is_empty() {
                break;
            }
        }
        best
    }
}

/// A read-only window on the router's state, handed to a [`crate::RoutingPolicy`].
///
/// Iterators visit items in an order that depends only on the events the router
/// received, so policies that break ties by visiting order stay deterministic.
#[derive(Clone, Copy)]
pub struct RouterView<'a> {
    pub(crate) st: &'a State,
    pub(crate) fit: &'a dyn FitModel,
    pub(crate) weights: &'a ScoreWeights,
    pub(crate) now: f64,
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
    /// Seconds waited so far (from its arrival time).
    pub fn waited(&self) -> f64 {
        (self.now - self.rec.contact.arrival()).max(0.0)
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
    pub fn idle_seconds(&self) -> f64 {
        if self.rec.used_total == 0 {
            (self.now - self.rec.idle_since).max(0.0)
        } else {
            0.0
        }
    }
    /// When it last became free of all work (or ready).
    pub fn idle_since(&self) -> f64 {
        self.rec.idle_since
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
        let ix = *self.st.contact_ix.get(&id)?;
        self.cref(ix).filter(|c| c.rec.held == Held::Waiting)
    }

    /// A known agent by id. O(1).
    pub fn agent(&self, id: AgentId) -> Option<AgentRef<'a>> {
        self.st.agent_ix.get(&id).map(|&ix| self.aref(ix))
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

    /// Every available agent (ready, with a free slot). O(available).
    pub fn available_agents(&self) -> impl Iterator<Item = AgentRef<'a>> + 'a {
        let view = *self;
        let st: &'a State = self.st;
        st.free_all.iter().map(move |&ix| view.aref(ix))
    }

    /// Whether `agent` may be offered `contact` now.
    pub fn is_eligible(&self, contact: &ContactRef<'_>, agent: &AgentRef<'_>) -> bool {
        self.st.eligible(contact.rec, agent.ix, self.now)
    }

    /// The available agents eligible for `contact`. O(agents in the smallest
    /// available bucket of its skills).
    pub fn eligible_agents(
        &self,
        contact: ContactRef<'a>,
    ) -> impl Iterator<Item = AgentRef<'a>> + 'a {
        let view = *self;
        let st: &'a State = self.st;
        st.agent_candidates(contact.rec)
            .iter()
            .filter(move |&&a| st.eligible(contact.rec, a, view.now))
            .map(move |&a| view.aref(a))
    }

    /// The waiting contacts `agent` is eligible for (empty if it is not
    /// available). O(waiting contacts keyed by its skills).
    pub fn eligible_contacts(
        &self,
        agent: AgentRef<'a>,
    ) -> impl Iterator<Item = ContactRef<'a>> + 'a {
        let view = *self;
        let st: &'a State = self.st;
        let a = agent.ix;
        let available = agent.rec.all_pos != NONE;
        let buckets = available.then_some(()).into_iter().flat_map(move |_| {
            agent
                .rec
                .agent
                .skills()
                .iter()
                .filter_map(move |s| st.waiting_by_skill.get(&s.skill))
                .chain(std::iter::once(&st.waiting_any))
        });
        buckets.flat_map(|b| b.iter()).filter_map(move |q| {
            let rec = st.eligible_queued(q, a, view.now)?;
            Some(ContactRef { rec, now: view.now })
        })
    }

    /// The pair's score with its breakdown, at the current time.
    pub fn score(&self, contact: &Contact, agent: &AgentRef<'_>) -> ScoreBreakdown {
        let fit = self.fit.fit(contact, agent.agent());
        score::score(
            self.weights,
            contact,
            agent.agent(),
            agent.load(),
            fit,
            self.now,
        )
    }
}
