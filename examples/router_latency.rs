//! Router latency in a steady-state, overloaded contact center.
//!
//! ```text
//! cargo run --release --example router_latency -- [--agents 10000] [--skills 100]
//!     [--waiting 2000] [--events 200000] [--warmup N] [--runs 1] [--policy NAME|all]
//!     [--seed S] [--skew 0.5]
//! ```
//!
//! Builds a center of `--agents` voice agents (3–5 skills each out of `--skills`,
//! levels 1–10, capacity 1) and an overloaded queue held at about `--waiting`
//! contacts (each needs 1–2 skills at a minimum level of 1–6), then replays a
//! stream of events: contacts arrive (Poisson, 10% above what the agents can
//! serve), offers are answered (5% declined), work completes and wrap-up ends
//! (the agent frees a slot and the policy picks a contact), and whenever the
//! queue is above its target a random waiting contact abandons. Wake-ups the
//! router asks for (relaxation steps, decline cool-downs) are honoured with
//! [`Event::Tick`]. Skill popularity follows a mild power law (`--skew`, 0 for
//! uniform), used both for the agents' skills and for the contacts' needs.
//!
//! Every `router.handle` call of the measured stream is timed on its own with
//! [`Instant`]; one JSON line per policy gives the percentiles (µs) over all
//! events, then over the two kinds that do the routing work: an agent frees a
//! slot (`WrapUpDone`) and a contact arrives. With `--runs R` the stream is
//! replayed R times (same seed, same events) and each figure is the median over
//! the runs, which tames a shared machine's noise; `load_average` tells how
//! shared it was. `digest` fingerprints every offer made (contact, agent,
//! score): a change that keeps behaviour identical keeps it.
//!
//! The same [`Center`] drives `benches/router.rs`.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use skillroute::policy::{LearnedFit, LearnedFitConfig};
use skillroute::{
    Agent, AgentId, CMu, ChannelId, Contact, ContactId, Event, LongestIdleAgent, Offer,
    OptimalAssignment, Outcome, PriorityAging, Router, RoutingPolicy, SkillExpansion, SkillId,
    TierId,
};

/// Mean service time, seconds.
const SERVICE: f64 = 240.0;
/// Mean wrap-up time, seconds.
const WRAP_UP: f64 = 20.0;
/// Mean time to answer an offer, seconds.
const ANSWER: f64 = 3.0;
/// Share of offers declined.
const DECLINE: f64 = 0.05;
/// Arrivals per second, as a multiple of what the agents can serve.
const OVERLOAD: f64 = 1.1;

/// The shape of the center.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Agents, all logged in and ready.
    pub agents: u32,
    /// Distinct skills.
    pub skills: u16,
    /// Target queue length; a random waiting contact abandons while it is above.
    pub waiting: usize,
    /// Skill popularity: skill `k` is drawn with weight `1 / (k + 1)^skew`.
    pub skew: f64,
    /// Seed of every random draw.
    pub seed: u64,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            agents: 10_000,
            skills: 100,
            waiting: 2_000,
            skew: 0.5,
            seed: 1,
        }
    }
}

/// What kind of event a [`Center::step`] handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Wrap-up ended: the agent frees its slot and the policy picks a contact.
    AgentFrees,
    /// A contact arrived: the policy picks a free agent, if one is eligible.
    ContactArrives,
    /// An offer was accepted.
    Accepted,
    /// An offer was declined: the contact is routed again, and the agent too.
    Declined,
    /// Service ended (wrap-up starts).
    WorkCompleted,
    /// A waiting contact left.
    Abandoned,
    /// A wake-up asked for by the router.
    Tick,
}

/// Something scheduled in the center.
#[derive(Debug, Clone, Copy)]
enum Pending {
    Answer(ContactId, AgentId),
    Complete(ContactId),
    WrapUpDone(ContactId),
}

#[derive(Debug, Clone, Copy)]
struct Timed {
    at: f64,
    seq: u64,
    what: Pending,
}

impl PartialEq for Timed {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Timed {}
impl PartialOrd for Timed {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Timed {
    fn cmp(&self, o: &Self) -> Ordering {
        self.at.total_cmp(&o.at).then(self.seq.cmp(&o.seq))
    }
}

/// Draws agents and contacts for a [`Shape`].
pub struct Gen {
    rng: Pcg64,
    skill_cdf: Vec<f64>,
    next_contact: u64,
}

impl Gen {
    /// A generator seeded with `shape.seed`.
    pub fn new(shape: &Shape) -> Gen {
        let mut cdf = Vec::with_capacity(shape.skills as usize);
        let mut sum = 0.0;
        for k in 0..shape.skills {
            sum += 1.0 / (f64::from(k) + 1.0).powf(shape.skew);
            cdf.push(sum);
        }
        cdf.iter_mut().for_each(|w| *w /= sum);
        Gen {
            rng: Pcg64::seed_from_u64(shape.seed),
            skill_cdf: cdf,
            next_contact: 0,
        }
    }

    /// An exponential draw with this mean.
    fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.rng.random::<f64>()).ln()
    }

    fn skill(&mut self) -> SkillId {
        let u: f64 = self.rng.random();
        let k = self.skill_cdf.partition_point(|&w| w < u);
        SkillId(k.min(self.skill_cdf.len() - 1) as u16)
    }

    /// `n` distinct skills, drawn by popularity.
    fn skills(&mut self, n: usize) -> Vec<SkillId> {
        let mut v = Vec::with_capacity(n);
        while v.len() < n.min(self.skill_cdf.len()) {
            let s = self.skill();
            if !v.contains(&s) {
                v.push(s);
            }
        }
        v
    }

    /// A voice agent (capacity 1) with 3–5 skills at levels 1–10.
    pub fn agent(&mut self, id: AgentId) -> Agent {
        let n = self.rng.random_range(3..=5);
        let mut b = Agent::builder(id).channel(ChannelId::VOICE, 1);
        for s in self.skills(n) {
            b = b.skill(s, self.rng.random_range(1..=10));
        }
        b.build().expect("valid agent")
    }

    /// A voice contact arriving at `now`: 1 skill (70%) or 2, each at a minimum
    /// level of 1–6; priority 1 for 10%, tier 1 for 20%.
    pub fn contact(&mut self, now: f64) -> Contact {
        let id = ContactId(self.next_contact);
        self.next_contact += 1;
        let n = if self.rng.random_bool(0.7) { 1 } else { 2 };
        let priority = u8::from(self.rng.random_bool(0.1));
        let tier = TierId(u8::from(self.rng.random_bool(0.2)));
        let mut b = Contact::builder(id, ChannelId::VOICE, now)
            .priority(priority)
            .tier(tier);
        for s in self.skills(n) {
            b = b.requires(s, self.rng.random_range(1..=6));
        }
        b.build().expect("valid contact")
    }
}

/// Start of shift: every agent logs in at time 0, `shape.waiting` contacts
/// arrive during the next 600 s, and every agent becomes ready at 600 s.
/// Returns that time. Meant for a policy that holds its offers until a
/// [`Event::Rebalance`] (otherwise the arrivals and the agents' readiness are
/// matched one by one as they come).
pub fn start_of_shift<P: RoutingPolicy>(router: &mut Router<P>, shape: &Shape) -> f64 {
    let mut g = Gen::new(shape);
    let mut out = Vec::new();
    for id in 0..shape.agents {
        let agent = g.agent(AgentId(id));
        router
            .handle(0.0, Event::AgentLogin { agent }, &mut out)
            .expect("login");
    }
    let step = 600.0 / (shape.waiting.max(1) as f64);
    for i in 0..shape.waiting {
        let now = i as f64 * step;
        let contact = g.contact(now);
        router
            .handle(now, Event::ContactArrived { contact }, &mut out)
            .expect("arrival");
    }
    for id in 0..shape.agents {
        let ready = Event::AgentReady { agent: AgentId(id) };
        router.handle(600.0, ready, &mut out).expect("ready");
    }
    600.0
}

/// A steady-state contact center feeding a [`Router`], one event per [`Center::step`].
pub struct Center<P: RoutingPolicy> {
    /// The router under test.
    pub router: Router<P>,
    shape: Shape,
    draw: Gen,
    now: f64,
    pending: BinaryHeap<Reverse<Timed>>,
    seq: u64,
    next_arrival: f64,
    arrival_rate: f64,
    /// The contacts waiting now, with their positions (for a random abandonment).
    waiting: Vec<ContactId>,
    waiting_pos: HashMap<ContactId, usize>,
    offers: Vec<Offer>,
    /// Offers made so far, and an FNV-1a digest of them (contact, agent, score):
    /// the same seed and policy must give the same digest on any build.
    made: u64,
    digest: u64,
}

impl<P: RoutingPolicy> Center<P> {
    /// Logs every agent in and makes it ready, then lets contacts arrive at
    /// time 0 until the queue holds `shape.waiting` contacts.
    pub fn new(policy: P, shape: Shape) -> Center<P> {
        let mut c = Center {
            router: Router::new(policy),
            shape,
            draw: Gen::new(&shape),
            now: 0.0,
            pending: BinaryHeap::new(),
            seq: 0,
            next_arrival: 0.0,
            arrival_rate: OVERLOAD * f64::from(shape.agents) / (SERVICE + WRAP_UP + ANSWER),
            waiting: Vec::new(),
            waiting_pos: HashMap::new(),
            offers: Vec::with_capacity(64),
            made: 0,
            digest: 0xcbf2_9ce4_8422_2325,
        };
        let mut out = Vec::new();
        for id in 0..shape.agents {
            let agent = c.draw.agent(AgentId(id));
            c.router
                .handle(0.0, Event::AgentLogin { agent }, &mut out)
                .expect("login");
            let ready = Event::AgentReady { agent: AgentId(id) };
            c.router.handle(0.0, ready, &mut out).expect("ready");
        }
        while c.waiting.len() < shape.waiting {
            let contact = c.draw.contact(0.0);
            c.add_waiting(contact.id());
            c.handle(Event::ContactArrived { contact });
        }
        c.next_arrival = c.draw.exp(1.0 / c.arrival_rate);
        c
    }

    /// How many contacts wait now.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// How many offers the router made, and a digest of them.
    pub fn offers_digest(&self) -> (u64, u64) {
        (self.made, self.digest)
    }

    fn schedule(&mut self, at: f64, what: Pending) {
        self.pending.push(Reverse(Timed {
            at,
            seq: self.seq,
            what,
        }));
        self.seq += 1;
    }

    fn add_waiting(&mut self, id: ContactId) {
        self.waiting_pos.insert(id, self.waiting.len());
        self.waiting.push(id);
    }

    fn remove_waiting(&mut self, id: ContactId) {
        if let Some(pos) = self.waiting_pos.remove(&id) {
            self.waiting.swap_remove(pos);
            if let Some(&moved) = self.waiting.get(pos) {
                self.waiting_pos.insert(moved, pos);
            }
        }
    }

    /// Handles `event` at `self.now`, timing only `router.handle`, then takes
    /// the offers out of the queue and schedules their answers.
    fn handle(&mut self, event: Event) -> Duration {
        self.offers.clear();
        let start = Instant::now();
        let r = self.router.handle(self.now, event, &mut self.offers);
        let took = start.elapsed();
        r.expect("the center only sends legal events");
        for i in 0..self.offers.len() {
            let Offer {
                contact,
                agent,
                score,
                ..
            } = self.offers[i];
            for word in [contact.0, u64::from(agent.0), score.total.to_bits()] {
                for byte in word.to_le_bytes() {
                    self.digest = (self.digest ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
                }
            }
            self.made += 1;
            self.remove_waiting(contact);
            let at = self.now + self.draw.exp(ANSWER);
            self.schedule(at, Pending::Answer(contact, agent));
        }
        took
    }

    /// Generates the next event, hands it to the router, and returns its kind
    /// and how long `router.handle` took.
    pub fn step(&mut self) -> (Kind, Duration) {
        // Over target: a random waiting contact gives up, now.
        if self.waiting.len() > self.shape.waiting {
            let id = self.waiting[self.draw.rng.random_range(0..self.waiting.len())];
            self.remove_waiting(id);
            return (
                Kind::Abandoned,
                self.handle(Event::ContactAbandoned { contact: id }),
            );
        }
        let pending = self.pending.peek().map_or(f64::INFINITY, |t| t.0.at);
        let wake = self.router.next_wakeup().unwrap_or(f64::INFINITY);
        if wake <= pending.min(self.next_arrival) {
            self.now = self.now.max(wake);
            return (Kind::Tick, self.handle(Event::Tick));
        }
        if self.next_arrival < pending {
            self.now = self.next_arrival;
            self.next_arrival += self.draw.exp(1.0 / self.arrival_rate);
            let contact = self.draw.contact(self.now);
            self.add_waiting(contact.id());
            return (
                Kind::ContactArrives,
                self.handle(Event::ContactArrived { contact }),
            );
        }
        let Reverse(t) = self.pending.pop().expect("something is always scheduled");
        self.now = t.at;
        match t.what {
            Pending::Answer(contact, agent) => {
                if self.draw.rng.random_bool(DECLINE) {
                    self.add_waiting(contact);
                    (
                        Kind::Declined,
                        self.handle(Event::OfferDeclined { contact, agent }),
                    )
                } else {
                    let done = self.now + self.draw.exp(SERVICE);
                    self.schedule(done, Pending::Complete(contact));
                    (
                        Kind::Accepted,
                        self.handle(Event::OfferAccepted { contact, agent }),
                    )
                }
            }
            Pending::Complete(contact) => {
                let done = self.now + self.draw.exp(WRAP_UP);
                self.schedule(done, Pending::WrapUpDone(contact));
                let outcome = Outcome::default();
                (
                    Kind::WorkCompleted,
                    self.handle(Event::WorkCompleted { contact, outcome }),
                )
            }
            Pending::WrapUpDone(contact) => {
                (Kind::AgentFrees, self.handle(Event::WrapUpDone { contact }))
            }
        }
    }
}

/// The `q`-quantile of sorted nanoseconds, in microseconds.
fn quantile_us(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i] as f64 / 1000.0
}

struct Args {
    shape: Shape,
    events: usize,
    warmup: Option<usize>,
    runs: usize,
    policy: String,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        shape: Shape::default(),
        events: 200_000,
        warmup: None,
        runs: 1,
        policy: "all".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}");
        match flag.as_str() {
            "--agents" => a.shape.agents = value.parse().map_err(|e| bad(&e))?,
            "--skills" => a.shape.skills = value.parse().map_err(|e| bad(&e))?,
            "--waiting" => a.shape.waiting = value.parse().map_err(|e| bad(&e))?,
            "--skew" => a.shape.skew = value.parse().map_err(|e| bad(&e))?,
            "--seed" => a.shape.seed = value.parse().map_err(|e| bad(&e))?,
            "--events" => a.events = value.parse().map_err(|e| bad(&e))?,
            "--warmup" => a.warmup = Some(value.parse().map_err(|e| bad(&e))?),
            "--runs" => a.runs = value.parse().map_err(|e| bad(&e))?,
            "--policy" => a.policy = value,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if a.shape.agents == 0 || a.shape.skills == 0 || a.events == 0 || a.runs == 0 {
        return Err("--agents, --skills, --events and --runs must be at least 1".into());
    }
    Ok(a)
}

/// One run's statistics, in the order of the JSON fields after `events`.
const STATS: [&str; 12] = [
    "p50_us",
    "p90_us",
    "p99_us",
    "p999_us",
    "max_us",
    "events_per_second",
    "agent_frees",
    "agent_frees_p50_us",
    "agent_frees_p99_us",
    "contact_arrives",
    "contact_arrives_p50_us",
    "contact_arrives_p99_us",
];

/// One run: a fresh center, warm-up, then `events` timed events. Returns the
/// mean queue length, the [`STATS`], and the offers' count and digest.
fn run_once<P: RoutingPolicy>(policy: P, args: &Args) -> (f64, [f64; STATS.len()], (u64, u64)) {
    let mut center = Center::new(policy, args.shape);
    for _ in 0..args.warmup.unwrap_or(args.events / 2) {
        center.step();
    }
    let mut all = Vec::with_capacity(args.events);
    let mut frees = Vec::with_capacity(args.events);
    let mut arrivals = Vec::with_capacity(args.events);
    let mut waiting_sum = 0.0;
    let mut busy = Duration::ZERO;
    for _ in 0..args.events {
        waiting_sum += center.waiting() as f64;
        let (kind, took) = center.step();
        busy += took;
        let ns = took.as_nanos() as u64;
        all.push(ns);
        match kind {
            Kind::AgentFrees => frees.push(ns),
            Kind::ContactArrives => arrivals.push(ns),
            _ => {}
        }
    }
    for v in [&mut all, &mut frees, &mut arrivals] {
        v.sort_unstable();
    }
    let q = quantile_us;
    let stats = [
        q(&all, 0.5),
        q(&all, 0.9),
        q(&all, 0.99),
        q(&all, 0.999),
        q(&all, 1.0),
        args.events as f64 / busy.as_secs_f64(),
        frees.len() as f64,
        q(&frees, 0.5),
        q(&frees, 0.99),
        arrivals.len() as f64,
        q(&arrivals, 0.5),
        q(&arrivals, 0.99),
    ];
    (
        waiting_sum / args.events as f64,
        stats,
        center.offers_digest(),
    )
}

/// The 1-minute load average, if the system tells it (timings are noisy when
/// it exceeds the number of cores).
fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Runs one policy `args.runs` times (same seed, so the same events) and prints
/// one JSON line: each statistic is the median over the runs.
fn measure<P: RoutingPolicy>(make: impl Fn() -> P, args: &Args) {
    let name = make().name().to_string();
    let mut runs = Vec::with_capacity(args.runs);
    for _ in 0..args.runs {
        runs.push(run_once(make(), args));
    }
    let (waiting_mean, _, (offers, digest)) = runs[0];
    assert!(
        runs.iter().all(|r| r.2 == (offers, digest)),
        "the same seed gave different offers"
    );
    let mut line = format!(
        "{{\"policy\":\"{name}\",\"agents\":{},\"skills\":{},\"waiting_mean\":{waiting_mean:.1},\"events\":{}",
        args.shape.agents, args.shape.skills, args.events
    );
    for (i, field) in STATS.iter().enumerate() {
        let mut v: Vec<f64> = runs.iter().map(|r| r.1[i]).collect();
        v.sort_by(f64::total_cmp);
        let median = v[(v.len() - 1) / 2];
        let digits = if field.ends_with("_us") { 3 } else { 0 };
        line += &format!(",\"{field}\":{median:.digits$}");
    }
    let load = load_average().map_or("null".to_string(), |l| format!("{l:.2}"));
    line += &format!(
        ",\"runs\":{},\"waiting_target\":{},\"load_average\":{load},\"offers\":{offers},\"digest\":\"{digest:016x}\"}}",
        args.runs, args.shape.waiting
    );
    println!("{line}");
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("router_latency: {e}");
            std::process::exit(2);
        }
    };
    let all = args.policy == "all";
    let mut ran = false;
    let mut run = |name: &str, f: &mut dyn FnMut(&Args)| {
        if all || args.policy == name {
            f(&args);
            ran = true;
        }
    };
    run("longest-idle-agent", &mut |a| {
        measure(|| LongestIdleAgent, a)
    });
    run("priority-aging", &mut |a| {
        measure(PriorityAging::default, a)
    });
    run("skill-expansion", &mut |a| {
        measure(SkillExpansion::default, a)
    });
    run("c-mu", &mut |a| measure(CMu::default, a));
    run("optimal-assignment", &mut |a| {
        measure(OptimalAssignment::default, a)
    });
    // One arm per agent (no pooling): an arriving contact compares every
    // eligible agent rather than each bucket's first.
    run("learned-fit", &mut |a| {
        measure(
            || LearnedFit::new(LearnedFitConfig::default()).expect("default parameters are valid"),
            a,
        )
    });
    if !ran {
        eprintln!(
            "router_latency: unknown policy {}; use longest-idle-agent, priority-aging, \
             skill-expansion, c-mu, optimal-assignment, learned-fit or all",
            args.policy
        );
        std::process::exit(2);
    }
}
