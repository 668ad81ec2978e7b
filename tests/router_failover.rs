//! Failover as an ACD does it: the primary's snapshot saved as JSON, a
//! standby in another process built from scratch with the same
//! configuration (never handed the primary's policy object), restored, and
//! fed the same events: it must make exactly the primary's offers, under
//! every built-in policy, learning ones included, typed or behind a
//! `Box<dyn RoutingPolicy>`.

use std::collections::BTreeMap;

use skillroute::policy::{Exploration, LearnedFitConfig};
use skillroute::sim::PolicySpec;
use skillroute::{
    Agent, AgentId, ChannelId, Contact, ContactId, Event, LearnedFit, LongestIdleAgent, Offer,
    Outcome, Router, RouterError, RouterSnapshot, RoutingPolicy, SNAPSHOT_FORMAT, SegmentId,
    SkillId,
};

/// A small deterministic stream (the test's own, apart from the policies').
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

const HOUR: f64 = 3600.0;

/// The primary and, after the takeover, its standby, fed the same events.
struct Pair<P: RoutingPolicy> {
    primary: Router<P>,
    standby: Option<Router<P>>,
    /// Offers the standby made, each compared with the primary's.
    compared: usize,
}

impl<P: RoutingPolicy> Pair<P> {
    /// Handles `event` on both; the standby must give the same result and
    /// the same offers (pairs, scores and triggers). Returns the primary's.
    fn handle(&mut self, t: f64, event: Event, label: &str) -> Vec<Offer> {
        let mut out = Vec::new();
        let got = self.primary.handle(t, event.clone(), &mut out);
        if let Some(s) = self.standby.as_mut() {
            let mut theirs = Vec::new();
            let them = s.handle(t, event.clone(), &mut theirs);
            assert_eq!(
                got.as_ref().map_err(ToString::to_string),
                them.as_ref().map_err(ToString::to_string),
                "{label}: at {t}, {event:?}"
            );
            assert_eq!(out, theirs, "{label}: at {t}, {event:?}");
            self.compared += out.len();
        }
        got.unwrap_or_else(|e| panic!("{label}: at {t}, {event:?}: {e}"));
        out
    }
}

/// Twelve agents in three groups (an attribute `group`, which the
/// built-in `LearnedFit` pools by), voice and chat, two skills; contacts of
/// four segments. An hour of arrivals (one every 4 s or so), offers
/// accepted or now and then declined, abandons, breaks, and completions
/// whose outcome depends on the segment and the group, so that a learning
/// policy learns. At half an hour the primary's snapshot goes through a
/// JSON string to a standby made by `make` and restored there; from then on
/// both get every event. Returns the offers compared.
fn failover<P: RoutingPolicy>(make: &dyn Fn() -> P, label: &str) -> usize {
    let mut pair = Pair {
        primary: Router::new(make()),
        standby: None,
        compared: 0,
    };
    let mut rng = Lcg(0x5eed);
    let groups = ["a", "b", "c"];
    for id in 0..12u32 {
        let mut b = Agent::builder(AgentId(id))
            .skill(SkillId(1), 3 + (id % 7) as u8)
            .attribute("group", groups[id as usize % 3]);
        if id % 2 == 0 {
            b = b.skill(SkillId(2), 4 + (id % 5) as u8);
        }
        b = if id % 4 == 3 {
            b.channel(ChannelId::CHAT, 2)
        } else {
            b.channel(ChannelId::VOICE, 1)
        };
        let agent = b.build().unwrap();
        pair.handle(0.0, Event::AgentLogin { agent }, label);
        pair.handle(0.0, Event::AgentReady { agent: AgentId(id) }, label);
    }
    // Contacts in service, with when they end; contacts waiting.
    let mut busy: BTreeMap<ContactId, (f64, SegmentId, AgentId)> = BTreeMap::new();
    let mut waiting: Vec<ContactId> = Vec::new();
    let mut on_break: Vec<AgentId> = Vec::new();
    let mut t = 0.0;
    let mut next_id = 0u64;
    let mut segments: BTreeMap<ContactId, SegmentId> = BTreeMap::new();
    let mut taken_over = false;
    while t < HOUR {
        t += 1.0 + 6.0 * rng.next();
        if !taken_over && t >= HOUR / 2.0 {
            let json = serde_json::to_string(&pair.primary.snapshot()).unwrap();
            // Another process: nothing but the text and the configuration.
            let mut standby = Router::new(make());
            let back: RouterSnapshot = serde_json::from_str(&json).unwrap();
            standby.restore(&back).unwrap();
            assert_eq!(standby.snapshot(), pair.primary.snapshot(), "{label}");
            pair.standby = Some(standby);
            taken_over = true;
        }
        let mut events = Vec::new();
        let done: Vec<ContactId> = busy
            .iter()
            .filter(|(_, (end, _, _))| *end <= t)
            .map(|(c, _)| *c)
            .collect();
        for c in done {
            let (_, segment, agent) = busy.remove(&c).unwrap();
            // Each group resolves one segment far better than the others.
            let good = segment.0 % 3 == agent.0 % 3;
            let outcome = Outcome {
                resolved: Some(rng.next() < if good { 0.85 } else { 0.35 }),
                satisfaction: None,
            };
            events.push(Event::WorkCompletedNoWrapUp {
                contact: c,
                outcome,
            });
        }
        if rng.next() < 0.02 && waiting.len() > 1 {
            let c = waiting.remove((rng.next() * waiting.len() as f64) as usize);
            events.push(Event::ContactAbandoned { contact: c });
        }
        if rng.next() < 0.02 {
            if let Some(a) = on_break.pop() {
                events.push(Event::AgentReady { agent: a });
            } else {
                let a = AgentId((rng.next() * 12.0) as u32);
                on_break.push(a);
                events.push(Event::AgentNotReady { agent: a });
            }
        }
        if rng.next() < 0.7 {
            let id = ContactId(next_id);
            next_id += 1;
            let segment = SegmentId((rng.next() * 4.0) as u32);
            let chat = rng.next() < 0.25;
            let channel = if chat {
                ChannelId::CHAT
            } else {
                ChannelId::VOICE
            };
            // Chat agents have only the first skill.
            let skill = if chat || rng.next() < 0.6 { 1 } else { 2 };
            let contact = Contact::builder(id, channel, t)
                .requires(SkillId(skill), 2)
                .segment(segment)
                .priority((rng.next() * 3.0) as u8)
                .build()
                .unwrap();
            segments.insert(id, segment);
            waiting.push(id);
            events.push(Event::ContactArrived { contact });
        }
        if rng.next() < 0.05 {
            events.push(Event::Rebalance);
        }
        let mut queue: std::collections::VecDeque<Event> = events.into();
        while let Some(event) = queue.pop_front() {
            // An agent on break may not be made not ready twice, nor a
            // contact abandon once offered: skip what no longer applies.
            if let Event::ContactAbandoned { contact } = &event
                && busy.contains_key(contact)
            {
                continue;
            }
            if let Event::ContactAbandoned { contact } = &event {
                waiting.retain(|c| c != contact);
            }
            for o in pair.handle(t, event, label) {
                waiting.retain(|c| *c != o.contact);
                let answer = if rng.next() < 0.1 {
                    waiting.push(o.contact);
                    Event::OfferDeclined {
                        contact: o.contact,
                        agent: o.agent,
                    }
                } else {
                    let end = t + 20.0 + 70.0 * rng.next();
                    busy.insert(o.contact, (end, segments[&o.contact], o.agent));
                    Event::OfferAccepted {
                        contact: o.contact,
                        agent: o.agent,
                    }
                };
                queue.push_back(answer);
            }
        }
        pair.handle(t, Event::Tick, label);
    }
    assert!(taken_over, "{label}");
    pair.compared
}

fn thompson_ucb_greedy() -> Vec<(String, LearnedFitConfig)> {
    let mut out = Vec::new();
    for (name, exploration) in [
        ("thompson", Exploration::Thompson),
        ("ucb", Exploration::Ucb { c: 1.0 }),
        ("greedy", Exploration::Greedy),
    ] {
        for pool_by in [None, Some("group".to_string())] {
            let label = format!("learned-fit {name}, pool_by {pool_by:?}");
            let config = LearnedFitConfig {
                exploration,
                pool_by,
                seed: 11,
                ..LearnedFitConfig::default()
            };
            out.push((label, config));
        }
    }
    out
}

/// The review's failover: `LearnedFit` (Thompson sampling, UCB, greedy; an
/// arm per agent or per group), the standby built from the configuration
/// alone. Before the snapshot carried the policy's state, the Thompson
/// standby started from no arm and the seed's first draws, and diverged at
/// its first decision.
#[test]
fn a_learned_fit_standby_makes_the_primarys_offers() {
    for (label, config) in thompson_ucb_greedy() {
        let make = || LearnedFit::new(config.clone()).unwrap();
        let compared = failover(&make, &label);
        assert!(compared > 200, "{label}: only {compared} offers compared");
    }
}

/// The same behind `Box<dyn RoutingPolicy>` (the default `Router`, a
/// policy chosen at runtime), for every built-in as the simulator builds
/// it, and for the learning configurations above.
#[test]
fn every_builtin_behind_a_trait_object_fails_over() {
    let mut specs: Vec<(String, PolicySpec)> = PolicySpec::builtins()
        .into_iter()
        .map(|s| (format!("boxed {s}"), s))
        .collect();
    for (label, config) in thompson_ucb_greedy() {
        specs.push((format!("boxed {label}"), PolicySpec::LearnedFit(config)));
    }
    for (label, spec) in specs {
        let make = || spec.build().unwrap();
        let compared = failover::<Box<dyn RoutingPolicy>>(&make, &label);
        assert!(compared > 200, "{label}: only {compared} offers compared");
    }
}

/// The way the documentation gave before the snapshot carried the state:
/// the standby built `with_arms` from the primary's `arms()`, then
/// restored. The snapshot's state replaces what `with_arms` gave (the same
/// counts, but draws from the seed's stream), and the offers match.
#[test]
fn a_standby_built_with_arms_follows_the_snapshot() {
    let config = LearnedFitConfig::default();
    let (primary, snap) = learned_primary(&config);
    let arms = primary.policy().arms();
    let mut standby = Router::new(LearnedFit::with_arms(config.clone(), &arms).unwrap());
    standby.restore(&snap).unwrap();
    assert_eq!(standby.policy().arms(), arms);
    assert_eq!(standby.snapshot(), primary.snapshot());
}

/// A primary under `config` after some learning, and its snapshot through JSON.
fn learned_primary(config: &LearnedFitConfig) -> (Router<LearnedFit>, RouterSnapshot) {
    let mut r = Router::new(LearnedFit::new(config.clone()).unwrap());
    let mut out = Vec::new();
    for id in 0..4u32 {
        let agent = Agent::builder(AgentId(id))
            .channel(ChannelId::VOICE, 1)
            .attribute("group", if id < 2 { "a" } else { "b" })
            .build()
            .unwrap();
        r.handle(0.0, Event::AgentLogin { agent }, &mut out)
            .unwrap();
        r.handle(0.0, Event::AgentReady { agent: AgentId(id) }, &mut out)
            .unwrap();
    }
    let mut t = 1.0;
    for id in 0..40u64 {
        out.clear();
        let contact = Contact::builder(ContactId(id), ChannelId::VOICE, t)
            .segment(SegmentId((id % 2) as u32))
            .build()
            .unwrap();
        r.handle(t, Event::ContactArrived { contact }, &mut out)
            .unwrap();
        let o = out[0];
        let (contact, agent) = (o.contact, o.agent);
        r.handle(t, Event::OfferAccepted { contact, agent }, &mut out)
            .unwrap();
        // The last one stays in service: work in flight at the snapshot.
        if id < 39 {
            let outcome = Outcome {
                resolved: Some(id % 3 != 0),
                satisfaction: None,
            };
            r.handle(
                t + 1.0,
                Event::WorkCompletedNoWrapUp { contact, outcome },
                &mut out,
            )
            .unwrap();
        }
        t += 2.0;
    }
    let json = serde_json::to_string(&r.snapshot()).unwrap();
    let snap = serde_json::from_str(&json).unwrap();
    (r, snap)
}

/// A router that has seen something of its own, to show a refused restore
/// leaves it as it was.
fn busy_standby<P: RoutingPolicy>(policy: P) -> Router<P> {
    busy(Router::new(policy))
}

/// `r` with agent 77 logged in (not ready) and contact 900 waiting.
fn busy<P: RoutingPolicy>(mut r: Router<P>) -> Router<P> {
    let mut out = Vec::new();
    let agent = Agent::builder(AgentId(77))
        .channel(ChannelId::VOICE, 1)
        .build()
        .unwrap();
    r.handle(0.0, Event::AgentLogin { agent }, &mut out)
        .unwrap();
    let contact = Contact::builder(ContactId(900), ChannelId::VOICE, 0.5)
        .build()
        .unwrap();
    r.handle(0.5, Event::ContactArrived { contact }, &mut out)
        .unwrap();
    r
}

fn refused<P: RoutingPolicy>(standby: &mut Router<P>, snap: &RouterSnapshot) -> String {
    let before = standby.snapshot();
    let err = standby.restore(snap).unwrap_err();
    assert_eq!(
        standby.snapshot(),
        before,
        "a refused restore changed the router"
    );
    match err {
        RouterError::InvalidSnapshot { what } => what,
        e => panic!("not InvalidSnapshot: {e:?}"),
    }
}

/// A `LearnedFit`'s state restored into a `LongestIdleAgent` standby is
/// refused, the router unchanged: for the other policy first (named
/// `config.policy`); with that check waived, for the work in flight (named
/// `proposals`), and with that emptied, for the state (named
/// `policy_state`, saying whose it is). With all three emptied on purpose,
/// it restores.
#[test]
fn a_learned_state_is_refused_by_a_policy_that_takes_none() {
    let (_, mut snap) = learned_primary(&LearnedFitConfig::default());
    assert!(!snap.proposals.is_empty());
    let what = refused(&mut busy_standby(LongestIdleAgent), &snap);
    assert!(
        what.starts_with(
            "config.policy: the snapshot's router had \"learned-fit\", \
             this one has \"longest-idle-agent\""
        ),
        "{what}"
    );
    snap.config = None;
    let what = refused(&mut busy_standby(LongestIdleAgent), &snap);
    assert!(what.starts_with("proposals: "), "{what}");
    snap.proposals.clear();
    for boxed in [false, true] {
        let what = if boxed {
            let policy: Box<dyn RoutingPolicy> = Box::new(LongestIdleAgent);
            refused(&mut busy_standby(policy), &snap)
        } else {
            refused(&mut busy_standby(LongestIdleAgent), &snap)
        };
        assert!(what.starts_with("policy_state: "), "{what}");
        assert!(what.contains("of \"learned-fit\""), "{what}");
    }
    snap.policy_state = None;
    busy_standby(LongestIdleAgent).restore(&snap).unwrap();
}

/// What is wrong with a state is named by its path, and the standby (which
/// learned something of its own) is unchanged.
#[test]
fn a_bad_state_is_named_and_changes_nothing() {
    let config = LearnedFitConfig::default();
    let (_, snap) = learned_primary(&config);
    let state = snap.policy_state.clone().unwrap();
    let with = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut s = snap.clone();
        let mut st = state.clone();
        edit(&mut st);
        s.policy_state = Some(st);
        s
    };
    let own = || {
        let mut p = LearnedFit::new(config.clone()).unwrap();
        let a = Agent::builder(AgentId(5))
            .channel(ChannelId::VOICE, 1)
            .build()
            .unwrap();
        p.learn(SegmentId(3), &a, true);
        busy_standby(p)
    };
    let cases: Vec<(&str, serde_json::Value)> = vec![
        ("policy_state.policy", serde_json::json!("c-mu")),
        ("policy_state.rng", serde_json::json!("0x2")),
        ("policy_state.rng", serde_json::json!("seven")),
        ("policy_state.rng", serde_json::json!(7)),
        ("policy_state.unattributed", serde_json::json!(-1)),
        ("policy_state.pools", serde_json::json!(["x"])),
    ];
    for (field, value) in cases {
        let key = field.rsplit('.').next().unwrap().to_string();
        let s = with(&|st| st[key.as_str()] = value.clone());
        let what = refused(&mut own(), &s);
        assert!(what.starts_with(&format!("{field}: ")), "{field}: {what}");
    }
    let arm_cases: Vec<(&str, &str, serde_json::Value)> = vec![
        (
            "resolved",
            "policy_state.arms[0].resolved",
            serde_json::json!(-3),
        ),
        (
            "unresolved",
            "policy_state.arms[0].unresolved",
            serde_json::json!(1.5),
        ),
        ("draw", "policy_state.arms[0].draw", serde_json::json!(1.5)),
        ("draw", "policy_state.arms[0].draw", serde_json::Value::Null),
        ("pool", "policy_state.arms[0].pool", serde_json::json!("a")),
        (
            "colour",
            "policy_state.arms[0].colour",
            serde_json::json!(1),
        ),
    ];
    for (key, field, value) in arm_cases {
        let s = with(&|st| st["arms"][0][key] = value.clone());
        let what = refused(&mut own(), &s);
        assert!(what.starts_with(&format!("{field}: ")), "{field}: {what}");
    }
    // A draw the primary could not have made: outside its posterior mean
    // ± max_exploration.
    let s = with(&|st| st["arms"][0]["draw"] = serde_json::json!(0.999));
    let what = refused(&mut own(), &s);
    assert!(what.starts_with("policy_state.arms[0].draw: "), "{what}");
    // An arm listed twice.
    let s = with(&|st| {
        let first = st["arms"][0].clone();
        st["arms"].as_array_mut().unwrap().push(first);
    });
    let what = refused(&mut own(), &s);
    assert!(what.starts_with("policy_state.arms["), "{what}");
    assert!(what.contains("twice"), "{what}");
    // Not an object at all.
    let mut s = snap.clone();
    s.policy_state = Some(serde_json::json!([1, 2]));
    let what = refused(&mut own(), &s);
    assert!(what.starts_with("policy_state"), "{what}");
    // A standby configured otherwise: named by the setting.
    for (field, other) in [
        (
            "prior_resolved",
            LearnedFitConfig {
                prior_resolved: 2.0,
                ..config.clone()
            },
        ),
        (
            "exploration",
            LearnedFitConfig {
                exploration: Exploration::Greedy,
                ..config.clone()
            },
        ),
        (
            "pool_by",
            LearnedFitConfig {
                pool_by: Some("group".into()),
                ..config.clone()
            },
        ),
    ] {
        // (With work in flight, pooled otherwise is refused for that first.)
        let mut bare = snap.clone();
        bare.proposals.clear();
        let what = refused(&mut busy_standby(LearnedFit::new(other).unwrap()), &bare);
        let want = format!("policy_state.config.{field}: ");
        assert!(what.starts_with(&want), "{what}");
    }
    // Another seed is the same configuration: the stream's position
    // replaces it.
    let mut standby = Router::new(
        LearnedFit::new(LearnedFitConfig {
            seed: 99,
            ..config.clone()
        })
        .unwrap(),
    );
    standby.restore(&snap).unwrap();
}

/// The work in flight is taken first, and the state after: a state
/// refused then gives the policy back its own work in flight and what it
/// knew (the pools the refused records taught it included), so the router
/// snapshots as before. Work in flight refused (filed under another
/// pooling) leaves the state untouched.
#[test]
fn a_refused_restore_leaves_the_standbys_policy_as_it_was() {
    let config = LearnedFitConfig {
        pool_by: Some("group".into()),
        ..LearnedFitConfig::default()
    };
    let (_, snap) = learned_primary(&config);
    let mut bad = snap.clone();
    bad.policy_state.as_mut().unwrap()["arms"][0]["draw"] = serde_json::json!(5.0);
    // The standby serves a contact of its own, in a pool the primary's
    // records do not name.
    let mut standby = Router::new(LearnedFit::new(config.clone()).unwrap());
    let mut out = Vec::new();
    let agent = Agent::builder(AgentId(77))
        .channel(ChannelId::VOICE, 1)
        .attribute("group", "z")
        .build()
        .unwrap();
    standby
        .handle(0.0, Event::AgentLogin { agent }, &mut out)
        .unwrap();
    standby
        .handle(0.0, Event::AgentReady { agent: AgentId(77) }, &mut out)
        .unwrap();
    let contact = Contact::builder(ContactId(900), ChannelId::VOICE, 0.5)
        .build()
        .unwrap();
    standby
        .handle(0.5, Event::ContactArrived { contact }, &mut out)
        .unwrap();
    let (contact, agent) = (ContactId(900), AgentId(77));
    standby
        .handle(0.5, Event::OfferAccepted { contact, agent }, &mut out)
        .unwrap();
    assert_eq!(standby.snapshot().proposals.len(), 1);
    let what = refused(&mut standby, &bad);
    assert!(what.starts_with("policy_state.arms[0].draw: "), "{what}");
    assert_eq!(standby.policy().in_flight().len(), 1);

    let mut other = snap.clone();
    other.proposals[0].pool_by = Some("site".into());
    let arms = standby.policy().arms();
    let what = refused(&mut standby, &other);
    assert!(what.starts_with("proposals: "), "{what}");
    assert_eq!(standby.policy().arms(), arms);
    standby.restore(&snap).unwrap();
}

/// An older snapshot, saved before it carried the policy's state, still
/// restores: the standby's policy keeps its own.
#[test]
fn a_snapshot_without_a_policy_state_restores() {
    let config = LearnedFitConfig::default();
    let (primary, snap) = learned_primary(&config);
    let mut json: serde_json::Value = serde_json::to_value(&snap).unwrap();
    json.as_object_mut().unwrap().remove("policy_state");
    let old: RouterSnapshot = serde_json::from_value(json).unwrap();
    assert_eq!(old.policy_state, None);
    let arms = primary.policy().arms();
    let mut standby = Router::new(LearnedFit::with_arms(config, &arms).unwrap());
    standby.restore(&old).unwrap();
    assert_eq!(standby.policy().arms(), arms);
}

/// A snapshot says its format first; one saved before the field existed
/// reads as format 1 and restores.
#[test]
fn a_snapshot_says_its_format_first() {
    let (primary, snap) = learned_primary(&LearnedFitConfig::default());
    assert_eq!(snap.format, SNAPSHOT_FORMAT);
    let json = serde_json::to_string(&primary.snapshot()).unwrap();
    assert!(
        json.starts_with(&format!("{{\"format\":{SNAPSHOT_FORMAT},")),
        "{}",
        &json[..40]
    );
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value.as_object_mut().unwrap().remove("format");
    let old: RouterSnapshot = serde_json::from_value(value).unwrap();
    assert_eq!(old.format, 1);
    let mut standby = Router::new(LearnedFit::new(LearnedFitConfig::default()).unwrap());
    standby.restore(&old).unwrap();
    assert_eq!(standby.snapshot(), primary.snapshot());
}

/// A newer build's snapshot in a newer format, with a part this build does
/// not know, is refused while reading with an error naming both formats
/// (not the unknown part); given to `restore` in memory, it is refused and
/// the standby is unchanged.
#[test]
fn a_newer_format_is_refused_by_name() {
    let (_, snap) = learned_primary(&LearnedFitConfig::default());
    let newer = SNAPSHOT_FORMAT + 1;
    let json = serde_json::to_string(&snap).unwrap().replacen(
        &format!("\"format\":{SNAPSHOT_FORMAT},"),
        &format!("\"format\":{newer},\"shards\":[1,2],"),
        1,
    );
    let err = serde_json::from_str::<RouterSnapshot>(&json)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!(
            "snapshot format {newer} is newer than this build reads ({SNAPSHOT_FORMAT})"
        )),
        "{err}"
    );
    let mut s = snap.clone();
    s.format = newer;
    let what = refused(&mut busy_standby(LongestIdleAgent), &s);
    assert!(what.starts_with("format: snapshot format"), "{what}");
    s.format = 0;
    let what = refused(&mut busy_standby(LongestIdleAgent), &s);
    assert!(
        what.contains("format 0 is not one this build reads"),
        "{what}"
    );
}

/// A standby built otherwise than its primary (other score weights, a
/// longer cool-down, auto-answer where the primary rang, another policy)
/// would restore the queue and then route it otherwise: it is refused,
/// naming the first field that differs with both values, and left as it
/// was. The same configuration restores, also through JSON and with
/// `explain` off (which changes no decision); with the snapshot's `config`
/// emptied on purpose, or missing (a snapshot saved before the field
/// existed), so does another.
#[test]
fn a_standby_configured_otherwise_is_refused_by_field() {
    use skillroute::{RouterConfig, ScoreWeights};
    let build = |config: RouterConfig| {
        busy(
            Router::builder(LongestIdleAgent)
                .config(config)
                .build()
                .unwrap(),
        )
    };
    let primary = build(RouterConfig::default());
    let snap: RouterSnapshot =
        serde_json::from_str(&serde_json::to_string(&primary.snapshot()).unwrap()).unwrap();
    let base = RouterConfig::default();

    let otherwise: [(RouterConfig, &str); 3] = [
        (
            RouterConfig {
                weights: ScoreWeights {
                    skill: 0.0,
                    ..base.weights
                },
                ..base
            },
            "config.weights.skill: the snapshot's router had 1, this one has 0: ",
        ),
        (
            RouterConfig {
                decline_cooldown: 60.0,
                ..base
            },
            "config.decline_cooldown: the snapshot's router had 30, this one has 60: ",
        ),
        (
            RouterConfig {
                auto_accept: true,
                ..base
            },
            "config.auto_accept: the snapshot's router had false, this one has true: ",
        ),
    ];
    for (config, want) in otherwise {
        let what = refused(&mut build(config), &snap);
        assert!(what.starts_with(want), "{what}");
        let mut waived = snap.clone();
        waived.config = None;
        build(config).restore(&waived).unwrap();
    }
    let policy: Box<dyn RoutingPolicy> = Box::new(skillroute::OptimalAssignment::default());
    let what = refused(&mut busy_standby(policy), &snap);
    assert!(
        what.starts_with("config.policy: the snapshot's router had \"longest-idle-agent\""),
        "{what}"
    );

    // The same configuration, explained or not: restored, the same state.
    for explain in [true, false] {
        let mut standby = build(RouterConfig { explain, ..base });
        standby.restore(&snap).unwrap();
        assert_eq!(standby.snapshot().contacts, snap.contacts);
    }
    // A snapshot from before the field: no check.
    let mut json = serde_json::to_value(&snap).unwrap();
    assert!(json.as_object_mut().unwrap().remove("config").is_some());
    let old: RouterSnapshot = serde_json::from_value(json).unwrap();
    assert_eq!(old.config, None);
    build(RouterConfig {
        auto_accept: true,
        ..base
    })
    .restore(&old)
    .unwrap();
}
