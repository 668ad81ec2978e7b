//! `Router::expected_wait`, the "last to enter service" estimate, and the
//! simulator's calibration of it (`Scenario::expected_wait`): the router's
//! answers by hand, and the report's figures recomputed from the
//! per-contact trace by the definition.

use skillroute::sim::{ContactRecord, Scenario, SimObserver, Simulation};
use skillroute::{
    Agent, AgentId, ChannelId, Contact, ContactId, Event, LongestIdleAgent, Offer, Outcome,
    Proposal, Router, RouterView, RoutingPolicy, SegmentId, SkillId, Trigger,
};

/// Longest idle agent without the arrival shortcut: the router queues each
/// arrival before the policy decides, so a contact answered on arrival has
/// been in the queue (for no time) and must still not count.
struct Queued;

impl RoutingPolicy for Queued {
    fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
        LongestIdleAgent.decide(view, trigger, out)
    }
}

const BILLING: SkillId = SkillId(0);

/// Offers ringing or accepted automatically, under a policy that takes the
/// arrival shortcut or one that does not (`Queued`).
const MODES: [(bool, bool); 4] = [(false, false), (true, false), (false, true), (true, true)];

fn router(auto_accept: bool, queued: bool) -> Router<Box<dyn RoutingPolicy>> {
    let policy: Box<dyn RoutingPolicy> = if queued {
        Box::new(Queued)
    } else {
        Box::new(LongestIdleAgent)
    };
    Router::builder(policy)
        .auto_accept(auto_accept)
        .build()
        .unwrap()
}

fn agent(id: u32) -> Agent {
    Agent::builder(AgentId(id))
        .skill(BILLING, 5)
        .channel(ChannelId::VOICE, 1)
        .build()
        .unwrap()
}

fn call(id: u64, at: f64, segment: u32) -> Contact {
    Contact::builder(ContactId(id), ChannelId::VOICE, at)
        .requires(BILLING, 1)
        .segment(SegmentId(segment))
        .build()
        .unwrap()
}

/// One agent; `arrive` and `finish` drive it. With ringing offers (the
/// router's default) the answer is the acceptance.
#[test]
fn the_last_answered_wait_of_the_same_kind() {
    for (auto, queued) in MODES {
        let mut r = router(auto, queued);
        let mut out: Vec<Offer> = Vec::new();
        let mut ev = |r: &mut Router, t: f64, e: Event| {
            out.clear();
            r.handle(t, e, &mut out).unwrap();
            let offers: Vec<_> = out.iter().map(|o| o.contact).collect();
            for &c in &offers {
                if !auto {
                    // rings for 2 s
                    r.handle(
                        t + 2.0,
                        Event::OfferAccepted {
                            contact: c,
                            agent: AgentId(1),
                        },
                        &mut Vec::new(),
                    )
                    .unwrap();
                }
            }
            offers
        };
        let ring = if auto { 0.0 } else { 2.0 };
        ev(&mut r, 0.0, Event::AgentLogin { agent: agent(1) });
        ev(&mut r, 0.0, Event::AgentReady { agent: AgentId(1) });
        assert_eq!(r.expected_wait(ContactId(1)), None, "unknown contact");
        // 1 is answered on arrival: it does not count.
        ev(
            &mut r,
            1.0,
            Event::ContactArrived {
                contact: call(1, 1.0, 0),
            },
        );
        assert_eq!(r.expected_wait(ContactId(1)), None, "not waiting");
        // 2 waits; nobody of its kind has waited yet.
        ev(
            &mut r,
            5.0,
            Event::ContactArrived {
                contact: call(2, 5.0, 0),
            },
        );
        assert_eq!(r.expected_wait(ContactId(2)), None, "no history");
        // 1 ends at 20: 2 is offered after waiting 15 s (answered at 15 + ring).
        let done = |c| Event::WorkCompletedNoWrapUp {
            contact: ContactId(c),
            outcome: Outcome::default(),
        };
        assert_eq!(ev(&mut r, 20.0, done(1)), vec![ContactId(2)]);
        // 3 (same kind) is told 2's wait; 4 (another segment) nothing.
        ev(
            &mut r,
            30.0,
            Event::ContactArrived {
                contact: call(3, 30.0, 0),
            },
        );
        ev(
            &mut r,
            31.0,
            Event::ContactArrived {
                contact: call(4, 31.0, 1),
            },
        );
        assert_eq!(
            r.expected_wait(ContactId(3)),
            Some(15.0 + ring),
            "auto {auto}"
        );
        assert_eq!(r.expected_wait(ContactId(4)), None);
        // 2 ends at 40: 3 goes after 10 s; 4, still waiting, is told nothing
        // new, and the next of 3's kind hears 3's wait.
        assert_eq!(ev(&mut r, 40.0, done(2)), vec![ContactId(3)]);
        assert_eq!(r.expected_wait(ContactId(3)), None, "answered");
        assert_eq!(r.expected_wait(ContactId(4)), None);
        ev(
            &mut r,
            45.0,
            Event::ContactArrived {
                contact: call(5, 45.0, 0),
            },
        );
        assert_eq!(r.expected_wait(ContactId(5)), Some(10.0 + ring));
    }
}

/// A contact that kept an earlier arrival time (escalated from an IVR) and
/// is offered while the router handles its arrival was not queued: its
/// answer does not count, whether offers ring or are accepted automatically
/// and whether or not the policy takes the arrival shortcut. Once queued,
/// even an offer at the same instant counts, from its arrival time.
#[test]
fn an_offer_on_arrival_does_not_count_even_with_an_earlier_arrival_time() {
    for (auto, queued) in MODES {
        let mut r = router(auto, queued);
        // Offers are accepted at once (no ring time), so that the answer is
        // at the offer's instant in every mode.
        let ev = |r: &mut Router, t: f64, e: Event| {
            let mut out: Vec<Offer> = Vec::new();
            r.handle(t, e, &mut out).unwrap();
            let offers: Vec<_> = out.iter().map(|o| o.contact).collect();
            if !auto {
                for &c in &offers {
                    let accept = Event::OfferAccepted {
                        contact: c,
                        agent: AgentId(1),
                    };
                    r.handle(t, accept, &mut Vec::new()).unwrap();
                }
            }
            offers
        };
        let arrive = |c: u64, at: f64| Event::ContactArrived {
            contact: call(c, at, 0),
        };
        let done = |c| Event::WorkCompletedNoWrapUp {
            contact: ContactId(c),
            outcome: Outcome::default(),
        };
        let mode = format!("auto_accept {auto}, policy without the hint {queued}");
        ev(&mut r, 0.0, Event::AgentLogin { agent: agent(1) });
        ev(&mut r, 0.0, Event::AgentReady { agent: AgentId(1) });
        assert_eq!(ev(&mut r, 0.0, arrive(1, 0.0)), vec![ContactId(1)]);
        assert_eq!(ev(&mut r, 0.0, arrive(2, 0.0)), vec![]);
        // 2 is answered after waiting 10 s.
        assert_eq!(ev(&mut r, 10.0, done(1)), vec![ContactId(2)]);
        ev(&mut r, 20.0, done(2));
        // 3 reaches the router at 30 with its arrival at 25, and is offered
        // on arrival: not queued, so its 5 s do not count.
        assert_eq!(
            ev(&mut r, 30.0, arrive(3, 25.0)),
            vec![ContactId(3)],
            "{mode}"
        );
        assert_eq!(ev(&mut r, 40.0, arrive(4, 40.0)), vec![], "{mode}");
        assert_eq!(r.expected_wait(ContactId(4)), Some(10.0), "{mode}");
        // 5 reaches the router at 50 (arrival 44) and is queued behind 4;
        // 3 ends at 50: 4 goes (10 s). 4 ends at 50 too: 5, queued, goes at
        // the instant it reached the router, and its 6 s count.
        assert_eq!(ev(&mut r, 50.0, arrive(5, 44.0)), vec![], "{mode}");
        assert_eq!(ev(&mut r, 50.0, done(3)), vec![ContactId(4)], "{mode}");
        assert_eq!(ev(&mut r, 50.0, done(4)), vec![ContactId(5)], "{mode}");
        assert_eq!(ev(&mut r, 51.0, arrive(6, 51.0)), vec![], "{mode}");
        assert_eq!(r.expected_wait(ContactId(6)), Some(6.0), "{mode}");
    }
}

#[derive(Default)]
struct Collect(Vec<ContactRecord>);

impl SimObserver for Collect {
    fn on_contact(&mut self, r: &ContactRecord) {
        self.0.push(*r);
    }
}

/// M/M/20+M with announcements: the report's count, bias and mean absolute
/// error are those of the definition applied to the trace — each contact
/// left waiting is told the wait of the last contact answered after waiting
/// before it arrived.
#[test]
fn calibration_is_the_definition_applied_to_the_trace() {
    let text = r#"
        name = "mmn-ewt"
        seed = 5
        horizon = 20000.0
        warm_up = 2000.0
        expected_wait = true
        skills = ["s"]
        [[groups]]
        name = "agents"
        count = 20
        skills = { s = 1 }
        capacity = { voice = 1 }
        [[contact_types]]
        name = "calls"
        channel = "voice"
        requires = { s = 1 }
        arrivals = { kind = "poisson", rate = 0.19 }
        service = { kind = "exponential", mean = 100.0 }
        patience = { kind = "exponential", mean = 300.0 }
    "#;
    let sim = Simulation::new(Scenario::from_toml_str(text).unwrap()).unwrap();
    for queued in [false, true] {
        let mut c = Collect::default();
        let rep = if queued {
            sim.replicate_observed(Queued, 0, &mut c).unwrap()
        } else {
            sim.replicate_observed(LongestIdleAgent, 0, &mut c).unwrap()
        };
        check_calibration(c.0, &rep.total);
    }
    // Without announcements, no figures.
    let off = Simulation::new(
        Scenario::from_toml_str(&text.replace("expected_wait = true", "")).unwrap(),
    )
    .unwrap();
    let r = off.replicate(LongestIdleAgent, 0).unwrap();
    assert!(r.total.ewt_count.is_nan() && r.total.ewt_bias.is_nan());
    let on = sim.replicate(LongestIdleAgent, 0).unwrap();
    assert_eq!(r.total.asa, on.total.asa, "announcing changes nothing else");
}

fn check_calibration(mut recs: Vec<ContactRecord>, t: &skillroute::sim::Metrics<f64>) {
    recs.sort_by_key(|r| r.serial);
    // Answers after a positive wait, in answer order.
    let mut answers: Vec<(f64, f64)> = recs
        .iter()
        .filter_map(|r| r.answered.map(|a| (a, a - r.arrival)))
        .filter(|&(_, w)| w > 0.0)
        .collect();
    answers.sort_by(|x, y| x.0.total_cmp(&y.0));
    let (mut n, mut err, mut abs) = (0u64, 0.0, 0.0);
    for r in &recs {
        let Some(a) = r.answered else { continue };
        if r.arrival < 2000.0 || a <= r.arrival {
            continue;
        }
        let k = answers.partition_point(|&(t, _)| t < r.arrival);
        if k == 0 {
            continue;
        }
        let predicted = answers[k - 1].1;
        n += 1;
        err += predicted - (a - r.arrival);
        abs += (predicted - (a - r.arrival)).abs();
    }
    assert!(n > 1000, "enough predictions: {n}");
    assert_eq!(t.ewt_count, n as f64);
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * y.abs().max(1.0);
    assert!(
        close(t.ewt_bias, err / n as f64),
        "{} vs {}",
        t.ewt_bias,
        err / n as f64
    );
    assert!(
        close(t.ewt_mae, abs / n as f64),
        "{} vs {}",
        t.ewt_mae,
        abs / n as f64
    );
    assert!(t.ewt_bias.abs() < t.ewt_mae);
}
