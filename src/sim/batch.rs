//! The batch window: a policy that decides only at the periodic re-plans.

use std::cell::Cell;
use std::rc::Rc;

use crate::model::{AgentId, Contact, Outcome};
use crate::policy::{
    AgentRef, ContactRef, PolicyError, Proposal, RouterView, RoutingPolicy, Trigger, Urgency,
};
use crate::score::ScoreBreakdown;

/// Wraps the simulated policy. Without a window (the default) it passes
/// every call through. With one (`batch_window = true`, period
/// `rebalance_every`) it holds work: it proposes nothing except while the
/// engine handles a periodic re-plan ([`Event::Rebalance`](crate::Event::Rebalance),
/// at the multiples of the period: the re-plan itself and the router's
/// repairs of it), at time 0, and from the horizon on (so that a draining
/// center is served at once).
///
/// The engine says when a re-plan is under way through the shared flag
/// ([`replanning`](Self::replanning)), not the clock: other events at a
/// re-plan's very instant (an arrival, an agent freed) are held too, and
/// the re-plan (or the next one) decides them with the rest. Were they
/// decided alone at that instant, an arrival just before the re-plan in
/// the event list would take a free agent ahead of the contacts that had
/// waited the whole period for it.
///
/// Every method of [`RoutingPolicy`] is forwarded; one added to the trait
/// with a default must be forwarded here too.
pub(crate) struct Windowed<P> {
    inner: P,
    /// Work is held (`batch_window` with `rebalance_every`).
    windowed: bool,
    until: f64,
    /// Set by the engine while it handles a re-plan.
    replanning: Rc<Cell<bool>>,
}

impl<P: RoutingPolicy> Windowed<P> {
    /// `inner`, holding work outside the re-plans before `until` if
    /// `every` (the period) is given, or never if it is `None`.
    pub fn new(inner: P, every: Option<f64>, until: f64) -> Self {
        Windowed {
            inner,
            windowed: every.is_some(),
            until,
            replanning: Rc::new(Cell::new(false)),
        }
    }

    /// The flag the engine sets while it handles a re-plan.
    pub fn replanning(&self) -> Rc<Cell<bool>> {
        Rc::clone(&self.replanning)
    }

    /// The wrapped policy.
    pub fn into_inner(self) -> P {
        self.inner
    }

    #[inline]
    fn open(&self, now: f64) -> bool {
        !self.windowed || now >= self.until || now == 0.0 || self.replanning.get()
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

    /// With a window the policy is asked only while a re-plan is under
    /// way, at time 0 and from the horizon on; the clock alone (a multiple
    /// of the period) does not open it.
    #[test]
    fn the_window_opens_only_for_a_replan() {
        let w = Windowed::new(LongestIdleAgent, Some(10.0), 100.0);
        assert!(w.open(0.0), "time 0");
        assert!(
            !w.open(30.0) && !w.open(35.0),
            "a multiple of the period is not enough"
        );
        let flag = w.replanning();
        flag.set(true);
        assert!(w.open(30.0), "in a re-plan");
        flag.set(false);
        assert!(!w.open(30.0));
        assert!(
            w.open(100.0) && w.open(100.5),
            "nothing is held from the horizon on"
        );
        assert!(Windowed::new(LongestIdleAgent, None, 100.0).open(35.0));
    }
}
