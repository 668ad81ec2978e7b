//! The per-offer trace: every offer a contact received (answered, timed
//! out, rung while the customer gave up, still ringing at the end), its
//! count in the per-contact trace, and the two CSV traces agreeing with
//! each other, with the records and with the router's ledger.

use std::collections::BTreeMap;

use skillroute::AgentId;
use skillroute::sim::{
    ContactEnd, ContactRecord, OfferEnd, OfferRecord, OfferTraceWriter, PolicySpec, Replication,
    Scenario, SimObserver, Simulation, TraceWriter,
};

/// Offers that ring (exponential, mean 6 s) and time out after 8 s (about
/// a quarter of them), with a not-ready pause after each time-out (RONA),
/// impatient customers (some give up while an offer rings), and a horizon
/// that leaves contacts in the system.
const RINGING: &str = r#"
    name = "ringing"
    seed = 11
    horizon = 7200.0
    replications = 3
    skills = ["billing"]

    [[groups]]
    name = "day, early"
    count = 3
    skills = { billing = 5 }
    capacity = { voice = 1 }

    [[groups]]
    name = "late"
    count = 2
    skills = { billing = 4 }
    capacity = { voice = 1 }

    [[contact_types]]
    name = "billing"
    channel = "voice"
    requires = { billing = 3 }
    arrivals = { kind = "poisson", rate = 0.05 }
    service = { kind = "exponential", mean = 60.0 }
    patience = { kind = "exponential", mean = 40.0 }

    [offers]
    ring_delay = { kind = "exponential", mean = 6.0 }
    timeout = 8.0
    rona_pause = { kind = "constant", value = 30.0 }
"#;

fn sim(text: &str) -> Simulation {
    Simulation::new(Scenario::from_toml_str(text).expect("parses")).expect("valid")
}

#[derive(Default)]
struct Collect {
    contacts: Vec<ContactRecord>,
    offers: Vec<OfferRecord>,
}

impl SimObserver for Collect {
    fn on_contact(&mut self, r: &ContactRecord) {
        // Every offer of a contact is told before the contact leaves.
        assert_eq!(
            self.offers.iter().filter(|o| o.serial == r.serial).count(),
            r.offers as usize,
            "contact {} left before its offers were all told",
            r.serial
        );
        self.contacts.push(*r);
    }
    fn on_offer(&mut self, r: &OfferRecord) {
        self.offers.push(*r);
    }
}

/// Checks one replication's offers against its contacts and the router's
/// ledger; returns how many offers ended each way.
fn check(r: &Replication, c: &Collect, what: &str) -> BTreeMap<OfferEnd, usize> {
    assert_eq!(
        c.contacts.len() as u64,
        r.arrived,
        "{what}: one record per contact"
    );
    let total: u64 = c.contacts.iter().map(|x| u64::from(x.offers)).sum();
    assert_eq!(
        total,
        c.offers.len() as u64,
        "{what}: offers counted = offers told"
    );

    let mut by_serial: BTreeMap<u64, Vec<&OfferRecord>> = BTreeMap::new();
    for o in &c.offers {
        assert!(o.ended >= o.offered, "{what}: {o:?} ends before it starts");
        by_serial.entry(o.serial).or_default().push(o);
    }
    for x in &c.contacts {
        let offers = by_serial.remove(&x.serial).unwrap_or_default();
        assert_eq!(offers.len(), x.offers as usize, "{what}: {x:?}");
        for o in &offers {
            assert_eq!(o.contact_type, x.contact_type, "{what}: {o:?}");
            assert!(
                o.offered >= x.arrival && o.ended <= x.left,
                "{what}: {o:?} of {x:?}"
            );
        }
        // One offer at a time, in the order made; only a time-out sends
        // the contact back to be offered again.
        for w in offers.windows(2) {
            assert_eq!(
                w[0].end,
                OfferEnd::TimedOut,
                "{what}: {:?} then {:?}",
                w[0],
                w[1]
            );
            assert!(
                w[1].offered >= w[0].ended,
                "{what}: {:?} overlaps {:?}",
                w[0],
                w[1]
            );
        }
        let Some(last) = offers.last() else {
            assert_eq!(x.offered, None, "{what}: {x:?} offered, but no offer told");
            assert_ne!(x.end, ContactEnd::Completed, "{what}: {x:?}");
            continue;
        };
        assert_eq!(
            x.offered,
            Some(last.offered),
            "{what}: the record's offer is the last"
        );
        match x.answered {
            // An answered contact's last offer is the one it answered.
            Some(at) => {
                assert_eq!(last.end, OfferEnd::Answered, "{what}: {x:?}");
                assert_eq!(last.ended, at, "{what}: {x:?}");
                assert_eq!(Some(last.agent), x.agent, "{what}: {x:?}");
            }
            None => match last.end {
                OfferEnd::TimedOut => assert!(x.end != ContactEnd::Completed, "{what}"),
                OfferEnd::Abandoned => {
                    assert_eq!(x.end, ContactEnd::Abandoned, "{what}: {x:?}");
                    assert_eq!(last.ended, x.left, "{what}: {x:?}");
                }
                OfferEnd::InSystem => {
                    assert_eq!(x.end, ContactEnd::InSystem, "{what}: {x:?}");
                    assert_eq!(last.ended, x.left, "{what}: {x:?}");
                }
                e => panic!("{what}: {x:?} unanswered, its last offer {e:?}"),
            },
        }
    }
    assert!(
        by_serial.is_empty(),
        "{what}: offers of no contact: {by_serial:?}"
    );

    let mut ends = BTreeMap::new();
    for o in &c.offers {
        *ends.entry(o.end).or_insert(0) += 1;
    }
    let n = |e| ends.get(&e).copied().unwrap_or(0);
    let answered = c.contacts.iter().filter(|x| x.answered.is_some()).count();
    assert_eq!(n(OfferEnd::Answered), answered, "{what}: answered offers");
    assert_eq!(
        r.total.answered, answered as f64,
        "{what}: answered in the report"
    );
    // Still ringing at the end: the router's `offered` count then.
    let k = r.router_counts;
    assert_eq!(
        n(OfferEnd::InSystem) as u64,
        k.offered,
        "{what}: ringing at the end"
    );
    assert!(n(OfferEnd::Abandoned) as u64 <= k.abandoned, "{what}");
    ends
}

#[test]
fn every_offer_is_told_and_counted() {
    let sim = sim(RINGING);
    let mut seen = BTreeMap::new();
    let mut reoffered = 0;
    for spec in [
        PolicySpec::LongestIdleAgent,
        PolicySpec::OptimalAssignment { non_idling: true },
    ] {
        for rep in 0..3 {
            let what = format!("{} replication {rep}", spec.name());
            let mut c = Collect::default();
            let r = sim.replicate_policy_observed(&spec, rep, &mut c).unwrap();
            // Watching changes nothing.
            let plain = sim.replicate_policy_observed(&spec, rep, &mut ()).unwrap();
            assert_eq!(
                serde_json::to_string(&r).unwrap(),
                serde_json::to_string(&plain).unwrap(),
                "{what}"
            );
            for (e, n) in check(&r, &c, &what) {
                *seen.entry(e).or_insert(0) += n;
            }
            reoffered += c.contacts.iter().filter(|x| x.offers > 1).count();
        }
    }
    // The scenario does exercise what is checked.
    assert!(seen[&OfferEnd::Answered] > 1000, "{seen:?}");
    assert!(seen[&OfferEnd::TimedOut] > 100, "{seen:?}");
    assert!(seen[&OfferEnd::Abandoned] > 10, "{seen:?}");
    assert!(reoffered > 100, "{reoffered} contacts offered again");
}

/// Without a ring every offer is answered the instant it is made: one
/// offer per answered contact, none for the others.
#[test]
fn offers_that_do_not_ring_are_answered_at_once() {
    let text = RINGING.split("[offers]").next().unwrap();
    let sim = sim(text);
    let mut c = Collect::default();
    let r = sim
        .replicate_policy_observed(&PolicySpec::LongestIdleAgent, 0, &mut c)
        .unwrap();
    let ends = check(&r, &c, "no ring");
    assert_eq!(
        ends.keys().copied().collect::<Vec<_>>(),
        [OfferEnd::Answered]
    );
    for x in &c.contacts {
        assert_eq!(x.offers, u32::from(x.answered.is_some()), "{x:?}");
        assert_eq!(x.offered, x.answered, "{x:?}");
    }
}

/// Splits a CSV line written by the trace writers (quoted names allowed).
fn fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            _ => out.last_mut().unwrap().push(ch),
        }
    }
    out
}

/// The two CSV traces of one replication, as `simulate --trace` writes
/// them: the contact trace's `offers` column (last, so the columns before
/// it keep their places) counts the offer trace's lines of that serial,
/// and every answered contact's last offer line is `answered` at its
/// `offered` time, by its agent of its group.
#[test]
fn csv_traces_agree() {
    let sim = sim(RINGING);
    let spec = PolicySpec::LongestIdleAgent;
    let both = (
        TraceWriter::named(Vec::new(), &sim).unwrap(),
        OfferTraceWriter::named(Vec::new(), &sim).unwrap(),
    );
    let mut both = both;
    let r = sim.replicate_policy_observed(&spec, 0, &mut both).unwrap();
    let contacts = String::from_utf8(both.0.finish().unwrap()).unwrap();
    let offers = String::from_utf8(both.1.finish().unwrap()).unwrap();

    let mut lines = contacts.lines();
    assert_eq!(
        lines.next(),
        Some(
            "serial,contact_type,segment,arrival,work,offered,answered,agent,group,end,left,resolved,offers"
        )
    );
    let contacts: Vec<Vec<String>> = lines.map(fields).collect();
    assert_eq!(contacts.len() as u64, r.arrived);
    let mut lines = offers.lines();
    assert_eq!(
        lines.next(),
        Some("serial,contact_type,agent,group,offered,end,ended")
    );
    let offers: Vec<Vec<String>> = lines.map(fields).collect();
    assert!(offers.iter().all(|o| o.len() == 7), "{offers:?}");
    assert!(offers.iter().all(|o| o[1] == "billing"));

    let mut per_serial: BTreeMap<&str, Vec<&Vec<String>>> = BTreeMap::new();
    for o in &offers {
        per_serial.entry(o[0].as_str()).or_default().push(o);
    }
    let group = |agent: &str| {
        let a = AgentId(agent.parse().unwrap());
        if a.0 < 3 { "day, early" } else { "late" }
    };
    let mut total = 0;
    for x in &contacts {
        assert_eq!(x.len(), 13, "{x:?}");
        let n: usize = x[12].parse().unwrap();
        total += n;
        let mine = per_serial.get(x[0].as_str()).map_or(&[][..], |v| &v[..]);
        assert_eq!(mine.len(), n, "{x:?}: {mine:?}");
        for o in mine {
            assert_eq!(o[3], group(&o[2]), "{o:?}");
        }
        if !x[6].is_empty() {
            let last = mine.last().unwrap();
            assert_eq!(
                (last[5].as_str(), &last[4], &last[6], &last[2]),
                ("answered", &x[5], &x[6], &x[7]),
                "{x:?}: {last:?}"
            );
        }
    }
    assert_eq!(total, offers.len());
    let count = |e: &str| offers.iter().filter(|o| o[5] == e).count();
    assert!(
        count("timed-out") > 0 && count("abandoned") > 0,
        "{offers:?}"
    );
    assert_eq!(
        count("answered") + count("timed-out") + count("abandoned") + count("in-system"),
        offers.len()
    );
}

/// The indexed contact trace, the one a script reads by position: the
/// columns it had keep their places and `offers` comes last; a contact
/// whose offer timed out and which was offered again counts both.
#[test]
fn contact_trace_counts_offers_last() {
    let sim = sim(RINGING);
    let mut w = TraceWriter::new(Vec::new()).unwrap();
    sim.replicate_policy_observed(&PolicySpec::LongestIdleAgent, 0, &mut w)
        .unwrap();
    let text = String::from_utf8(w.finish().unwrap()).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "serial,contact_type,segment,arrival,work,offered,answered,agent,end,left,resolved,offers"
        )
    );
    let counts: Vec<u32> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 12, "{l}");
            assert!(
                ["completed", "abandoned", "in-system"].contains(&f[8]),
                "{l}"
            );
            f[11].parse().unwrap()
        })
        .collect();
    assert!(counts.iter().any(|&n| n > 1), "no contact offered twice");
    assert!(counts.contains(&0), "no contact left unoffered");
}
