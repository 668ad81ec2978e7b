//! The floor under `mmn`: the same M/M/n (+M) queue written as the smallest
//! simulation loop that can still answer the question, with no router, no
//! scenario and no report. It is not skillroute; it measures what any
//! simulator must pay per contact (two or three exponential draws, a push and
//! a pop of a binary-heap event list, a FIFO queue and a list of idle agents)
//! so that `benches/peers.sh` can say how far above that floor the real
//! engine and router run, and how far below it SimPy's 100× lies.
//!
//! ```text
//! cargo run --release --example mmn_floor -- --arrival-rate 95 --service-rate 1 --agents 100 --horizon 20000 [--abandon-rate 0.5] [--seed 1]
//! ```
//!
//! Same arguments and JSON line as `mmn` (tool `floor`): statistics over the
//! contacts arriving after the first 10% of the horizon, longest-idle agent
//! first, FIFO queue, abandonment by an exponential patience. Its random
//! streams are its own, so its figures agree with `mmn`'s within noise, not
//! bit for bit.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Instant;

use rand::SeedableRng;
use rand_distr::{Distribution, Exp1};
use rand_pcg::Pcg64Mcg;

mod mmn_args;

/// An event: at `time` (its bits: non-negative floats sort like their bits),
/// scheduled `seq`-th, of `kind` (service end of agent `who`, or the patience
/// end of waiting contact `who`, incarnation `generation`).
type Entry = Reverse<(u64, u64, u8, u32, u32)>;
const END: u8 = 0;
const PATIENCE: u8 = 1;

fn main() {
    let a = mmn_args::MmnArgs::parse("mmn_floor");
    let (l, m, n, h, t, seed) = (
        a.arrival_rate,
        a.service_rate,
        a.agents,
        a.horizon,
        a.abandon_rate,
        a.seed,
    );
    let warm = 0.1 * h;
    let stream = |k: u64| Pcg64Mcg::seed_from_u64(seed.wrapping_mul(4).wrapping_add(k));
    let (mut arrivals, mut services, mut patience) = (stream(0), stream(1), stream(2));
    let exp = |r: &mut Pcg64Mcg, rate: f64| -> f64 {
        let e: f64 = Exp1.sample(r);
        e / rate
    };

    let start = Instant::now();
    let mut events: BinaryHeap<Entry> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push =
        |events: &mut BinaryHeap<Entry>, at: f64, kind: u8, who: u32, generation: u32| {
            events.push(Reverse((at.to_bits(), seq, kind, who, generation)));
            seq += 1;
        };
    let mut idle: VecDeque<u32> = (0..n).collect();
    // Waiting contacts by slot: arrival time and incarnation; a slot whose
    // contact abandoned is reused with the next incarnation, and its entry
    // in `queue` is then stale and skipped.
    let (mut arrival, mut generation, mut free) =
        (Vec::<f64>::new(), Vec::<u32>::new(), Vec::<u32>::new());
    let mut queue: VecDeque<(u32, u32)> = VecDeque::new();
    let mut next_arrival = exp(&mut arrivals, l);
    let (mut contacts, mut waited, mut abandoned, mut served) = (0u64, 0u64, 0u64, 0u64);
    let mut wait_served = 0.0;
    loop {
        let first = events
            .peek()
            .map_or(f64::INFINITY, |Reverse(e)| f64::from_bits(e.0));
        if next_arrival <= first {
            let now = next_arrival;
            if now >= h {
                break;
            }
            next_arrival = now + exp(&mut arrivals, l);
            contacts += 1;
            if let Some(agent) = idle.pop_front() {
                served += u64::from(now >= warm);
                push(&mut events, now + exp(&mut services, m), END, agent, 0);
                continue;
            }
            let slot = free.pop().unwrap_or_else(|| {
                arrival.push(0.0);
                generation.push(0);
                arrival.len() as u32 - 1
            });
            arrival[slot as usize] = now;
            queue.push_back((slot, generation[slot as usize]));
            if t > 0.0 {
                let until = now + exp(&mut patience, t);
                push(
                    &mut events,
                    until,
                    PATIENCE,
                    slot,
                    generation[slot as usize],
                );
            }
        } else {
            let Some(Reverse((bits, _, kind, who, incarnation))) = events.pop() else {
                unreachable!("peeked")
            };
            let now = f64::from_bits(bits);
            if now >= h {
                break;
            }
            if kind == PATIENCE {
                if generation[who as usize] == incarnation {
                    // still waiting: it hangs up
                    generation[who as usize] += 1;
                    free.push(who);
                    if arrival[who as usize] >= warm {
                        abandoned += 1;
                        waited += 1;
                    }
                }
                continue;
            }
            // `who` finished: the longest-waiting live contact, or idle.
            let mut next = None;
            while let Some((slot, incarnation)) = queue.pop_front() {
                if generation[slot as usize] == incarnation {
                    next = Some(slot);
                    break;
                }
            }
            match next {
                Some(slot) => {
                    let at = arrival[slot as usize];
                    generation[slot as usize] += 1;
                    free.push(slot);
                    if at >= warm {
                        served += 1;
                        waited += 1;
                        wait_served += now - at;
                    }
                    push(&mut events, now + exp(&mut services, m), END, who, 0);
                }
                None => idle.push_back(who),
            }
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let num = |x: f64| serde_json::to_string(&x).unwrap_or_else(|_| "null".into());
    let handled = (served + abandoned) as f64;
    println!(
        "{{\"tool\": \"floor\", \"contacts\": {contacts}, \"seconds\": {}, \"contacts_per_second\": {}, \"p_wait\": {}, \"p_abandon\": {}, \"mean_wait_served\": {}}}",
        num((seconds * 1e4).round() / 1e4),
        (contacts as f64 / seconds).round() as u64,
        num(waited as f64 / handled),
        num(abandoned as f64 / handled),
        num(wait_served / served as f64),
    );
}
