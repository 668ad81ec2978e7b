//! The batch window: a policy that decides only at the periodic re-plans.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::model::{AgentId, Contact, Outcome};
use crate::policy::{
    AgentRef, ContactRef, InFlightProposal, PolicyError, Proposal, RouterView, RoutingPolicy,
    Trigger, Urgency,
};
use crate::score::ScoreBreakdown;

/// Wraps the simulated policy. Without a window (the default) it passes
/// every call through. With one (`batch_window = true`, period
/// `rebalance_every`) it holds work: it proposes nothing except while the
/// engine handles a periodic re-plan ([`Event::Rebalance`](crate::Event::Rebalance),
/// at the multiples of the period: the re-plan itself and the router's
/// repairs of it), at time 0, and after the horizon (so that a draining
/// center is served at once). The horizon itself is a window's instant like
/// the others: a draining run re-plans there to close its last window.
///
/// The engine says when a re-plan is under way through a shared mark
/// ([`replanned_at`](Self::replanned_at), the instant of the latest re-plan
/// it began), not the clock: events at a re-plan's very instant that the
/// event list has before it (an arrival, an agent freed) are held, and the
/// re-plan decides them with the rest. Were they decided alone at that
/// instant, an arrival just before the re-plan in the event list would
/// take a free agent ahead of the contacts that had waited the whole period
/// for it. Events at that instant after the re-plan are decided at once,
/// with what the re-plan left: held, a contact arriving then to an idle
/// agent would wait a whole period only for its place in the event list.
///
/// Every method of [`RoutingPolicy`] is forwarded; one added to the trait
/// with a default must be forwarded here too.
pub(crate) struct Windowed<P> {
    inner: P,
    /// Work is held (`batch_window` with `rebalance_every`).
    windowed: bool,
    until: f64,
    /// The instant of the latest re-plan the engine began (`-inf`: none yet).
    replanned_at: ReplanMark,
}

/// The instant of the latest re-plan the engine began (`-inf`: none yet),
/// written by the engine and read by its [`Windowed`] policy. Atomic only
/// because a policy must be `Send` (an `Rc` is not); the engine and the
/// router run on one thread, so relaxed order is enough.
#[derive(Clone)]
pub(crate) struct ReplanMark(Arc<AtomicU64>);

impl ReplanMark {
    fn new() -> Self {
        ReplanMark(Arc::new(AtomicU64::new(f64::NEG_INFINITY.to_bits())))
    }

    #[inline]
    pub fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }

    #[inline]
    pub fn set(&self, at: f64) {
        self.0.store(at.to_bits(), Ordering::Relaxed);
    }
}

impl<P: RoutingPolicy> Windowed<P> {
    /// `inner`, holding work outside the re-plans before `until` if
    /// `every` (the period) is given, or never if it is `None`.
    pub fn new(inner: P, every: Option<f64>, until: f64) -> Self {
        Windowed {
            inner,
            windowed: every.is_some(),
            until,
            replanned_at: ReplanMark::new(),
        }
    }

    /// The mark on which the engine writes the instant of each re-plan as
    /// it begins it.
    pub fn replanned_at(&self) -> ReplanMark {
        self.replanned_at.clone()
    }

    /// The wrapped policy.
    pub fn into_inner(self) -> P {
        self.inner
    }

    /// Strictly after `until`: events at the horizon that the event list
    /// has before its re-plan join it, as at any other window's instant
    /// (open from the horizon itself, a center freed there took work one
    /// event at a time, ahead of the re-plan's choice).
    #[inline]
    fn open(&self, now: f64) -> bool {
        !self.windowed || now > self.until || now == 0.0 || now == self.replanned_at.get()
    }
}

impl<P: RoutingPolicy> RoutingPolicy for Windowed<P> {
    #[inline]
    fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
        if self.open(view.now()) {
            self.inner.decide(view, trigger, out);
        }
    }
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn validate(&self) -> Result<(), PolicyError> {
        self.inner.validate()
    }
    fn urgency(&self, contact: &ContactRef<'_>) -> Urgency {
        self.inner.urgency(contact)
    }
    fn plans_globally(&self) -> bool {
        self.inner.plans_globally()
    }
    fn arrival_reads_agents_only(&self) -> bool {
        self.inner.arrival_reads_agents_only()
    }
    fn freed_agent_reads_contacts_only(&self) -> bool {
        self.inner.freed_agent_reads_contacts_only()
    }
    fn relaxation(&self, contact: &Contact, waited: f64) -> u8 {
        self.inner.relaxation(contact, waited)
    }
    fn next_relaxation(&self, contact: &Contact, waited: f64) -> Option<f64> {
        self.inner.next_relaxation(contact, waited)
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
    fn explain(
        &self,
        view: &RouterView<'_>,
        contact: &ContactRef<'_>,
        agent: &AgentRef<'_>,
    ) -> Option<ScoreBreakdown> {
        self.inner.explain(view, contact, agent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::LongestIdleAgent;

    /// The window forwards the policy's own check, so that a router built
    /// on it refuses what the policy refuses.
    #[test]
    fn the_window_forwards_validation() {
        let bad = crate::policy::PriorityAging {
            aging_per_second: -1.0,
            ..Default::default()
        };
        assert!(Windowed::new(bad, Some(10.0), 100.0).validate().is_err());
        assert!(
            Windowed::new(LongestIdleAgent, None, 100.0)
                .validate()
                .is_ok()
        );
    }

    /// With a window the policy is asked only from the start of a re-plan
    /// to the end of its instant, at time 0 and from the horizon on; the
    /// clock alone (a multiple of the period) does not open it.
    #[test]
    fn the_window_opens_only_for_a_replan() {
        let w = Windowed::new(LongestIdleAgent, Some(10.0), 100.0);
        assert!(w.open(0.0), "time 0");
        assert!(
            !w.open(30.0) && !w.open(35.0),
            "a multiple of the period is not enough"
        );
        let at = w.replanned_at();
        at.set(30.0);
        assert!(w.open(30.0), "in a re-plan, and after it at its instant");
        assert!(!w.open(30.5) && !w.open(40.0));
        assert!(!w.open(100.0), "the horizon waits for its re-plan");
        at.set(100.0);
        assert!(
            w.open(100.0) && w.open(100.5),
            "nothing is held from the horizon's re-plan on"
        );
        assert!(Windowed::new(LongestIdleAgent, None, 100.0).open(35.0));
    }

    /// A `LearnedFit` behind the window hands its work in flight (in
    /// service and ringing) to a router's snapshot, and a standby behind a
    /// window takes it back: it restores, snapshots the same, and learns
    /// the outcomes that end that work as the primary does. Were either
    /// call left to the trait's default, the snapshot would carry no
    /// proposals, or the standby would refuse them.
    #[test]
    fn the_window_forwards_work_in_flight_to_a_snapshot_and_back() {
        use crate::model::{Agent, ChannelId, ContactId, SegmentId};
        use crate::policy::{Exploration, LearnedFit, LearnedFitConfig};
        use crate::{Event, Offer, Router};

        let config = LearnedFitConfig {
            exploration: Exploration::Greedy,
            ..LearnedFitConfig::default()
        };
        let windowed = |p: LearnedFit| Windowed::new(p, Some(10.0), f64::INFINITY);
        let arrive = |id: u64, t: f64| Event::ContactArrived {
            contact: Contact::builder(ContactId(id), ChannelId::CHAT, t)
                .segment(SegmentId(id as u32 % 2))
                .build()
                .unwrap(),
        };
        let feed = |r: &mut Router<Windowed<LearnedFit>>, events: Vec<(f64, Event)>| {
            let mut out: Vec<Offer> = Vec::new();
            for (t, e) in events {
                r.handle(t, e, &mut out).unwrap();
            }
            out
        };
        let accept = |offers: &[Offer], t: f64| -> Vec<(f64, Event)> {
            offers
                .iter()
                .map(|o| {
                    let (contact, agent) = (o.contact, o.agent);
                    (t, Event::OfferAccepted { contact, agent })
                })
                .collect()
        };

        // Everything at time 0, where the window is open.
        let mut primary = Router::new(windowed(LearnedFit::new(config.clone()).unwrap()));
        let mut staff = Vec::new();
        for id in 1..=2 {
            let agent = Agent::builder(AgentId(id))
                .channel(ChannelId::CHAT, 2)
                .build()
                .unwrap();
            staff.push((0.0, Event::AgentLogin { agent }));
            staff.push((0.0, Event::AgentReady { agent: AgentId(id) }));
        }
        feed(&mut primary, staff);
        let offers = feed(
            &mut primary,
            (1..=3).map(|c| (0.0, arrive(c, 0.0))).collect(),
        );
        feed(&mut primary, accept(&offers, 0.0));
        let ringing = feed(&mut primary, vec![(0.0, arrive(4, 0.0))]);
        assert_eq!(ringing.len(), 1, "a free slot is left for contact 4");

        let snap = primary.snapshot();
        assert_eq!(snap.proposals.len(), 4, "3 in service, 1 ringing");
        // The snapshot lists them by contact, the policy in its own order.
        let by_contact = |mut v: Vec<InFlightProposal>| {
            v.sort_by_key(|p| p.contact);
            v
        };
        assert_eq!(
            by_contact(primary.policy().inner.in_flight()),
            by_contact(snap.proposals.clone())
        );

        let arms = primary.policy().inner.arms();
        let mut standby = Router::new(windowed(LearnedFit::with_arms(config, &arms).unwrap()));
        standby.restore(&snap).unwrap();
        assert_eq!(standby.snapshot(), snap);
        assert_eq!(
            by_contact(standby.policy().inner.in_flight()),
            by_contact(snap.proposals.clone())
        );

        // The outcomes of the work taken over go to the arms that proposed it.
        let done: Vec<(f64, Event)> = (1..=3)
            .map(|c| {
                let outcome = Outcome {
                    resolved: Some(c != 2),
                    ..Outcome::default()
                };
                let contact = ContactId(c);
                (0.0, Event::WorkCompletedNoWrapUp { contact, outcome })
            })
            .collect();
        feed(&mut primary, done.clone());
        feed(&mut standby, done);
        let learned = primary.policy().inner.arms();
        assert_ne!(learned, arms, "the outcomes were learned");
        assert_eq!(standby.policy().inner.arms(), learned);
    }
}
