//! Random streams: one independent generator per (seed, replication, purpose, index).
//!
//! Every random number the simulator draws comes from a stream named by
//!
//! * the scenario's `seed`,
//! * the replication index,
//! * a [`Purpose`] (arrivals, service times, patience, …), and
//! * an index within the purpose (the contact type's position in the scenario).
//!
//! and from nothing else: never from the policy, the worker thread or the order
//! in which replications run. Two policies simulated on the same replication
//! therefore see the same customers (common random numbers), and a replication
//! gives the same numbers in series, in parallel, or on another machine. A
//! policy that draws numbers of its own (a [`LearnedFit`](crate::policy::LearnedFit)
//! exploring) is seeded from its replication's [`Purpose::Policy`] stream,
//! which nothing else reads; a policy of one's own, from its replication's
//! [`Purpose::CustomPolicy`] stream ([`PolicySeed`](super::PolicySeed)).
//!
//! # The mix
//!
//! The four keys are folded with SplitMix64's finaliser `f` (Steele, Lea &
//! Flood 2014; the output function of `java.util.SplittableRandom`):
//!
//! ```text
//! h = f(seed)
//! h = f(h ^ replication)
//! h = f(h ^ (purpose << 32 | index))
//! state = f(h ^ 0x5851_f42d_4c95_7f2d) << 64 | f(h ^ 0x1405_7b7e_f767_814f)
//! ```
//!
//! and `state` seeds a [`Pcg64Mcg`] (O'Neill's 128-bit multiplicative PCG with
//! the XSL-RR output, `pcg64_fast`). Changing this mix changes every simulated
//! number: it is part of the reproducibility contract and may only change in a
//! release that says so.

use rand_pcg::Pcg64Mcg;

/// What a stream is used for. The discriminant is part of the seed mix, so the
/// values are fixed forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Purpose {
    /// Inter-arrival times of one contact type.
    Arrivals = 1,
    /// Service requirements (work before the agent's speed) of one contact type.
    Service = 2,
    /// Patience (time until abandonment) of one contact type.
    Patience = 3,
    /// Wrap-up times of one contact type.
    WrapUp = 4,
    /// Customer attributes (the segment) of one contact type.
    Attributes = 5,
    /// Ring delays of offers (depend on the policy's decisions, so kept apart).
    Ring = 6,
    /// The uniform number that decides a served contact's ground-truth
    /// outcome (see [`Scenario`](super::Scenario)'s `outcomes`), one per contact of a type.
    Outcome = 7,
    /// The policy's own draws (a [`LearnedFit`](crate::policy::LearnedFit)
    /// exploring): consumed as the policy decides, so kept apart.
    Policy = 8,
    /// Not-ready pauses after a timed-out offer (the scenario's
    /// `offers.rona_pause`): they follow the policy's decisions, so kept apart.
    NotReady = 9,
    /// The seed handed to a policy of one's own
    /// ([`PolicySeed`](super::PolicySeed), through
    /// [`Simulation::replications_seeded`](super::Simulation::replications_seeded)),
    /// apart from the built-ins' [`Purpose::Policy`].
    CustomPolicy = 10,
    /// The self-service tier of one contact type (the scenario's
    /// `self_service`): whether each contact is contained there, and its
    /// time there. Apart from the other purposes, so that a self-service
    /// tier added to a scenario leaves every other stream as it was.
    SelfService = 11,
    /// The dialer of one contact type (the scenario's `dialer`): its
    /// items' segments, service and wrap-up times, drawn as the dialer
    /// releases them. Apart from the other purposes, so that a dialer type
    /// added to a scenario leaves every other type's draws as they were.
    Dialer = 12,
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's finaliser: a bijective 64-bit mixer with full avalanche.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(GOLDEN);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The 128-bit generator state for a stream (see the module docs for the mix).
pub fn stream_state(seed: u64, replication: u32, purpose: Purpose, index: u32) -> u128 {
    let mut h = splitmix64(seed);
    h = splitmix64(h ^ replication as u64);
    h = splitmix64(h ^ ((purpose as u64) << 32 | index as u64));
    let hi = splitmix64(h ^ 0x5851_f42d_4c95_7f2d) as u128;
    let lo = splitmix64(h ^ 0x1405_7b7e_f767_814f) as u128;
    hi << 64 | lo
}

/// The generator of one stream.
pub fn stream(seed: u64, replication: u32, purpose: Purpose, index: u32) -> Pcg64Mcg {
    Pcg64Mcg::new(stream_state(seed, replication, purpose, index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_differ_by_every_key_and_are_stable() {
        let base = stream_state(1, 0, Purpose::Arrivals, 0);
        assert_ne!(base, stream_state(2, 0, Purpose::Arrivals, 0));
        assert_ne!(base, stream_state(1, 1, Purpose::Arrivals, 0));
        assert_ne!(base, stream_state(1, 0, Purpose::Service, 0));
        assert_ne!(base, stream_state(1, 0, Purpose::Arrivals, 1));
        let mut a = stream(7, 3, Purpose::Patience, 2);
        let mut b = stream(7, 3, Purpose::Patience, 2);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn mix_is_pinned() {
        // Value stability: changing the mix changes every simulated number.
        assert_eq!(splitmix64(0), 0xe220_a839_7b1d_cdaf);
        let mut r = stream(1, 0, Purpose::Arrivals, 0);
        let first = r.next_u64();
        let mut r2 = Pcg64Mcg::new(stream_state(1, 0, Purpose::Arrivals, 0));
        assert_eq!(first, r2.next_u64());
    }
}
