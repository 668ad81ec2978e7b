//! Router benchmarks at 10,000 agents, 100 skills and 2,000 waiting contacts.
//!
//! * `event/agent_frees/*`, `event/contact_arrives/*`: the cost of one
//!   `Router::handle` for that kind of event, in the steady-state overloaded
//!   center of `examples/router_latency.rs` (shared through `#[path]`); only the
//!   measured kind is timed, the events in between are replayed untimed.
//! * `rebalance/*`: start of shift: 2,000 contacts wait, 10,000 agents have just
//!   become ready, and one `Event::Rebalance` plans them all.
//!
//! `cargo bench --bench router` (about two minutes).

use std::cell::Cell;
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, criterion_group, criterion_main};
use skillroute::policy::{InFlightProposal, PolicyError};
use skillroute::{
    AgentId, Contact, Event, LongestIdleAgent, OptimalAssignment, Outcome, Proposal, Router,
    RouterView, RoutingPolicy, Trigger, Urgency,
};

#[allow(dead_code)]
#[path = "../examples/router_latency.rs"]
mod latency;

use latency::{Center, Kind, Shape};

/// Times `kind` events of a warmed-up steady-state center.
fn event_bench<P: RoutingPolicy>(c: &mut Criterion, kind: Kind, label: &str, policy: P) {
    let name = policy.name().to_string();
    let mut center = Center::new(policy, Shape::default());
    for _ in 0..100_000 {
        center.step();
    }
    let mut g = c.benchmark_group("event");
    g.sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    g.bench_function(format!("{label}/{name}"), |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            let mut n = 0;
            while n < iters {
                let (k, took) = center.step();
                if k == kind {
                    timed += took;
                    n += 1;
                }
            }
            timed
        })
    });
    g.finish();
}

fn events(c: &mut Criterion) {
    event_bench(c, Kind::AgentFrees, "agent_frees", LongestIdleAgent);
    event_bench(
        c,
        Kind::AgentFrees,
        "agent_frees",
        OptimalAssignment::default(),
    );
    event_bench(c, Kind::ContactArrives, "contact_arrives", LongestIdleAgent);
    event_bench(
        c,
        Kind::ContactArrives,
        "contact_arrives",
        OptimalAssignment::default(),
    );
}

/// A policy that offers nothing until it is opened: lets contacts and ready
/// agents pile up, as at the start of a shift, for one [`Event::Rebalance`].
/// Every other method is the wrapped policy's (a wrapper forwards them all;
/// `skillroute`'s unit tests check that it does).
struct Hold<P> {
    inner: P,
    open: Cell<bool>,
}

impl<P: RoutingPolicy> RoutingPolicy for Hold<P> {
    fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
        if self.open.get() {
            self.inner.decide(view, trigger, out);
        }
    }
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn urgency(&self, contact: &skillroute::ContactRef<'_>) -> Urgency {
        self.inner.urgency(contact)
    }
    fn plans_globally(&self) -> bool {
        self.inner.plans_globally()
    }
    fn relaxation(&self, contact: &Contact, waited: f64) -> u8 {
        self.inner.relaxation(contact, waited)
    }
    fn next_relaxation(&self, contact: &Contact, waited: f64) -> Option<f64> {
        self.inner.next_relaxation(contact, waited)
    }
    // Proposing nothing while closed reads nothing, so the shortcuts hold.
    fn arrival_reads_agents_only(&self) -> bool {
        self.inner.arrival_reads_agents_only()
    }
    fn freed_agent_reads_contacts_only(&self) -> bool {
        self.inner.freed_agent_reads_contacts_only()
    }
    fn observe_outcome(&mut self, contact: &Contact, agent: AgentId, outcome: &Outcome) {
        self.inner.observe_outcome(contact, agent, outcome)
    }
    fn agent_removed(&mut self, agent: AgentId, index: usize) {
        self.inner.agent_removed(agent, index)
    }
    fn in_flight(&self) -> Vec<InFlightProposal> {
        self.inner.in_flight()
    }
    fn restore_in_flight(&mut self, records: &[InFlightProposal]) -> Result<(), PolicyError> {
        self.inner.restore_in_flight(records)
    }
    fn state(&self) -> Option<serde_json::Value> {
        self.inner.state()
    }
    fn restore_state(&mut self, state: &serde_json::Value) -> Result<(), PolicyError> {
        self.inner.restore_state(state)
    }
    fn validate(&self) -> Result<(), PolicyError> {
        self.inner.validate()
    }
    fn explain(
        &self,
        view: &RouterView<'_>,
        contact: &skillroute::ContactRef<'_>,
        agent: &skillroute::AgentRef<'_>,
    ) -> Option<skillroute::ScoreBreakdown> {
        self.inner.explain(view, contact, agent)
    }
}

fn rebalance_bench<P: RoutingPolicy>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    make: impl Fn() -> P,
) {
    let name = make().name().to_string();
    let shape = Shape::default();
    g.bench_function(name, |b| {
        b.iter_batched(
            || {
                let mut router = Router::new(Hold {
                    inner: make(),
                    open: Cell::new(false),
                });
                let now = latency::start_of_shift(&mut router, &shape);
                router.policy().open.set(true);
                (router, now, Vec::with_capacity(shape.waiting))
            },
            |(mut router, now, mut out)| {
                router
                    .handle(now, Event::Rebalance, &mut out)
                    .expect("rebalance");
                (router, out)
            },
            BatchSize::PerIteration,
        )
    });
}

fn rebalance(c: &mut Criterion) {
    let mut g = c.benchmark_group("rebalance");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    rebalance_bench(&mut g, OptimalAssignment::default);
    rebalance_bench(&mut g, || LongestIdleAgent);
    g.finish();
}

criterion_group!(benches, events, rebalance);
criterion_main!(benches);
