//! The batch window: a policy that decides only at the periodic re-plans.

use crate::model::{AgentId, Contact, Outcome};
use crate::policy::{
    AgentRef, ContactRef, PolicyError, Proposal, RouterView, RoutingPolicy, Trigger, Urgency,
};
use crate::score::ScoreBreakdown;

/// Wraps the simulated policy. Without a window (the default) it passes
/// every call through. With one (`batch_window = true`, period
/// `rebalance_every`) it holds work: it proposes nothing except at the
/// window instants — the multiples of the period, when the engine sends
/// [`Event::Rebalance`](crate::Event::Rebalance) — and from the horizon on
/// (so that a draining center is served at once). At a window instant every
/// call is passed through: the re-plan itself, the router's repairs of it,
/// and whatever else happens at that instant.
///
/// The instant test is exact: the engine schedules the `k`-th re-plan at
/// `k as f64 * every`, and `(now / every).round() * every` recomputes the
/// same product, bit for bit, for `now` equal to it.
///
/// Every method of [`RoutingPolicy`] is forwarded; one added to the trait
/// with a default must be forwarded here too.
pub(crate) struct Windowed<P> {
    inner: P,
    every: Option<f64>,
    until: f64,
}

impl<P: RoutingPolicy> Windowed<P> {
    /// `inner`, holding work between multiples of `every` before `until`
    /// (or never, if `every` is `None`).
    pub fn new(inner: P, every: Option<f64>, until: f64) -> Self {
        Windowed {
            inner,
            every,
            until,
        }
    }

    /// The wrapped policy.
    pub fn into_inner(self) -> P {
        self.inner
    }

    #[inline]
    fn open(&self, now: f64) -> bool {
        match self.every {
            None => true,
            Some(every) => now >= self.until || (now / every).round() * every == now,
        }
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
    use rand::{Rng, SeedableRng};

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

    /// The window instants the engine schedules (`k as f64 * every`) are
    /// recognised exactly, and instants just beside them are not.
    #[test]
    fn window_instants_are_recognised_exactly() {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(3);
        for _ in 0..100_000 {
            // 0.001 s to 10,000 s, with arbitrary mantissas.
            let every = (1.0 + rng.next_u32() as f64 / 4_294_967_296.0)
                * 10f64.powi((rng.next_u32() % 8) as i32 - 3);
            let k = rng.next_u32() % 1_000_000;
            let w = Windowed::new(LongestIdleAgent, Some(every), f64::INFINITY);
            let at = k as f64 * every;
            assert!(w.open(at), "every {every}, k {k}");
            if k > 0 {
                assert!(!w.open(at + every * 1e-3), "every {every}, k {k}");
                assert!(!w.open(at.next_down()), "every {every}, k {k}");
            }
        }
        let w = Windowed::new(LongestIdleAgent, Some(10.0), 100.0);
        assert!(w.open(0.0) && w.open(30.0) && !w.open(35.0));
        assert!(w.open(100.5), "nothing is held from the horizon on");
        assert!(Windowed::new(LongestIdleAgent, None, 100.0).open(35.0));
    }
}
