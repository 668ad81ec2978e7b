//! `Router::handle`'s documentation lists, event by event, the errors it
//! can return. Here every event is driven into every error its row lists,
//! the state checked unchanged after each, and the pairs driven checked
//! against the table read from the documentation: a row that names an
//! error no case reaches, or a case the table does not list, fails.

use std::collections::BTreeSet;

use skillroute::{
    Agent, AgentId, ChannelId, Contact, ContactId, ContactState, Event, LongestIdleAgent, Offer,
    Outcome, Router, RouterError, SkillId,
};

/// The `(event, error)` pairs of the table in `handle`'s documentation,
/// and every event it names.
fn documented() -> (BTreeSet<(String, String)>, BTreeSet<String>) {
    let source = include_str!("../src/router.rs");
    let mut pairs = BTreeSet::new();
    let mut events = BTreeSet::new();
    let mut inside = false;
    for line in source.lines() {
        let Some(doc) = line.trim_start().strip_prefix("///") else {
            if inside {
                break;
            }
            continue;
        };
        let doc = doc.trim();
        if doc == "| event | errors |" {
            inside = true;
            continue;
        }
        if !inside || doc.starts_with("| ---") {
            continue;
        }
        if !doc.starts_with('|') {
            break;
        }
        let cols: Vec<&str> = doc.split('|').collect();
        assert_eq!(cols.len(), 4, "a row of two columns: {doc}");
        // The names are the backticked words; a parenthesis explains.
        let ticked = |s: &str| -> Vec<String> {
            s.split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect()
        };
        for event in ticked(cols[1]) {
            for error in ticked(cols[2]) {
                pairs.insert((event.clone(), error));
            }
            events.insert(event);
        }
    }
    assert!(!events.is_empty(), "no table in Router::handle's docs");
    (pairs, events)
}

const VOICE: ChannelId = ChannelId::VOICE;
const SKILL: SkillId = SkillId(1);

fn agent(id: u32, chat: bool) -> Agent {
    let mut b = Agent::builder(AgentId(id))
        .skill(SKILL, 5)
        .channel(VOICE, 1);
    if chat {
        b = b.channel(ChannelId::CHAT, 1);
    }
    b.build().unwrap()
}

fn contact(id: u64, channel: ChannelId, arrival: f64) -> Contact {
    Contact::builder(ContactId(id), channel, arrival)
        .requires(SKILL, 3)
        .build()
        .unwrap()
}

/// A router in which every state an event can meet is present, at t = 7:
/// contact 1 in wrap-up with agent 1, contact 2 offered to agent 2,
/// contact 3 in service with agent 3, contact 4 waiting; agent 4 logged
/// in, not ready and holding nothing; agent 9 known and logged out.
fn fixture() -> Router<LongestIdleAgent> {
    let mut r = Router::new(LongestIdleAgent);
    let mut out = Vec::new();
    let mut go = |r: &mut Router<LongestIdleAgent>, t: f64, e: Event| {
        r.handle(t, e, &mut out).unwrap();
    };
    for (id, chat) in [(1, false), (2, false), (3, true), (4, false), (9, false)] {
        go(
            &mut r,
            0.0,
            Event::AgentLogin {
                agent: agent(id, chat),
            },
        );
    }
    go(&mut r, 0.0, Event::AgentLogout { agent: AgentId(9) });
    let ready = |id| Event::AgentReady { agent: AgentId(id) };
    let arrive = |id, t| Event::ContactArrived {
        contact: contact(id, VOICE, t),
    };
    let (c, a) = (ContactId(1), AgentId(1));
    go(&mut r, 1.0, ready(1));
    go(&mut r, 2.0, arrive(1, 2.0));
    go(
        &mut r,
        2.0,
        Event::OfferAccepted {
            contact: c,
            agent: a,
        },
    );
    let outcome = Outcome::default();
    go(
        &mut r,
        2.5,
        Event::WorkCompleted {
            contact: c,
            outcome,
        },
    );
    go(&mut r, 3.0, arrive(2, 3.0));
    go(&mut r, 4.0, ready(2));
    go(&mut r, 5.0, ready(3));
    go(&mut r, 6.0, arrive(3, 6.0));
    let (c, a) = (ContactId(3), AgentId(3));
    go(
        &mut r,
        6.0,
        Event::OfferAccepted {
            contact: c,
            agent: a,
        },
    );
    go(&mut r, 7.0, arrive(4, 7.0));
    let state = |id| r.contact_state(ContactId(id));
    assert_eq!(state(1), Some(ContactState::WrapUp(AgentId(1))));
    assert_eq!(state(2), Some(ContactState::Offered(AgentId(2))));
    assert_eq!(state(3), Some(ContactState::InService(AgentId(3))));
    assert_eq!(state(4), Some(ContactState::Waiting));
    r
}

/// The variant's name, as the table writes it.
fn variant(e: &RouterError) -> String {
    let debug = format!("{e:?}");
    let end = debug.find(['(', ' ', '{']).unwrap_or(debug.len());
    debug[..end].to_string()
}

/// The event's variant name.
fn name(e: &Event) -> String {
    let json = serde_json::to_value(e).unwrap();
    match json {
        serde_json::Value::String(s) => s,
        serde_json::Value::Object(m) => m.keys().next().unwrap().clone(),
        other => panic!("{other}"),
    }
}

/// `event` at `now` on a fresh fixture: the error's variant, after
/// checking that nothing changed and no offer was made.
fn refused(now: f64, event: Event) -> String {
    let mut r = fixture();
    let before = serde_json::to_string(&r.snapshot()).unwrap();
    let mut out: Vec<Offer> = Vec::new();
    let what = format!("{event:?}");
    let e = r
        .handle(now, event, &mut out)
        .expect_err(&format!("{what} at {now} was taken"));
    assert!(out.is_empty(), "{what}: offers {out:?}");
    let after = serde_json::to_string(&r.snapshot()).unwrap();
    assert_eq!(before, after, "{what}: the state changed on {e}");
    variant(&e)
}

/// One event of each kind, legal at t = 10 in the fixture but for the time.
fn one_of_each() -> Vec<Event> {
    let (c, a) = (ContactId(2), AgentId(2));
    let outcome = Outcome::default();
    vec![
        Event::AgentLogin {
            agent: agent(9, false),
        },
        Event::AgentLogout { agent: AgentId(4) },
        Event::AgentRemoved { agent: AgentId(9) },
        Event::AgentReady { agent: AgentId(1) },
        Event::AgentNotReady { agent: AgentId(1) },
        Event::AgentUpdated {
            agent: agent(1, false),
        },
        Event::ContactArrived {
            contact: contact(5, VOICE, 8.0),
        },
        Event::ContactUpdated {
            contact: contact(4, VOICE, 7.0),
        },
        Event::OfferAccepted {
            contact: c,
            agent: a,
        },
        Event::OfferDeclined {
            contact: c,
            agent: a,
        },
        Event::OfferTimedOut {
            contact: c,
            agent: a,
        },
        Event::ContactAbandoned { contact: c },
        Event::ContactWithdrawn { contact: c },
        Event::WorkCompleted {
            contact: ContactId(3),
            outcome,
        },
        Event::WorkCompletedNoWrapUp {
            contact: ContactId(3),
            outcome,
        },
        Event::WrapUpDone {
            contact: ContactId(1),
        },
        Event::Tick,
        Event::Rebalance,
    ]
}

/// The events of `one_of_each` are legal (so that the time errors below
/// are the time's), and each names one variant of the table.
#[test]
fn the_fixture_takes_one_of_each_event() {
    let (_, events) = documented();
    let mut named = BTreeSet::new();
    for e in one_of_each() {
        let n = name(&e);
        let mut r = fixture();
        r.handle(10.0, e, &mut Vec::new())
            .unwrap_or_else(|err| panic!("{n}: {err}"));
        named.insert(n);
    }
    assert_eq!(named, events, "the table's events are not one of each");
}

/// Every event is refused at a time that is not finite, beyond the limit
/// or before the last event's, with the state unchanged.
#[test]
fn every_event_checks_its_time_first() {
    for e in one_of_each() {
        let n = name(&e);
        for (now, error) in [
            (f64::NAN, "NonFiniteTime"),
            (f64::INFINITY, "NonFiniteTime"),
            (2e12, "TimeOutOfRange"),
            (6.5, "TimeWentBackwards"),
        ] {
            assert_eq!(refused(now, e.clone()), error, "{n} at {now}");
        }
    }
}

/// Each event driven into each error of its row, and nothing else.
#[test]
fn every_listed_error_is_reached_and_no_other() {
    let now = 10.0;
    let (a1, a2, a77, a9) = (AgentId(1), AgentId(2), AgentId(77), AgentId(9));
    let (c2, c3, c4, c99) = (ContactId(2), ContactId(3), ContactId(4), ContactId(99));
    let email = ChannelId::EMAIL;
    let bad = Outcome {
        satisfaction: Some(2.0),
        ..Outcome::default()
    };
    let ok = Outcome::default();
    let mut cases: Vec<(Event, &str)> = vec![
        (
            Event::AgentLogin {
                agent: agent(1, false),
            },
            "AlreadyLoggedIn",
        ),
        (Event::AgentLogout { agent: a77 }, "UnknownAgent"),
        (Event::AgentLogout { agent: a9 }, "NotLoggedIn"),
        (Event::AgentLogout { agent: a1 }, "AgentHoldsWork"),
        (Event::AgentRemoved { agent: a77 }, "UnknownAgent"),
        // Logged in holding work, and holding nothing: both log out first.
        (Event::AgentRemoved { agent: a1 }, "StillLoggedIn"),
        (Event::AgentRemoved { agent: AgentId(4) }, "StillLoggedIn"),
        (
            Event::AgentUpdated {
                agent: agent(77, false),
            },
            "UnknownAgent",
        ),
        (
            Event::AgentUpdated {
                agent: agent(9, false),
            },
            "NotLoggedIn",
        ),
        (
            // Agent 3 serves contact 3 by voice; the new profile has chat only.
            Event::AgentUpdated {
                agent: Agent::builder(AgentId(3))
                    .skill(SKILL, 5)
                    .channel(ChannelId::CHAT, 1)
                    .build()
                    .unwrap(),
            },
            "ChannelInUse",
        ),
        (
            Event::ContactArrived {
                contact: contact(4, VOICE, 9.0),
            },
            "DuplicateContact",
        ),
        (
            Event::ContactArrived {
                contact: contact(5, VOICE, 11.0),
            },
            "ArrivalInFuture",
        ),
        (
            Event::ContactArrived {
                contact: contact(5, email, 9.0),
            },
            "ChannelNotServed",
        ),
        (
            Event::ContactUpdated {
                contact: contact(99, VOICE, 9.0),
            },
            "UnknownContact",
        ),
        (
            Event::ContactUpdated {
                contact: contact(2, VOICE, 3.0),
            },
            "WrongContactState",
        ),
        (
            Event::ContactUpdated {
                contact: contact(4, VOICE, 11.0),
            },
            "ArrivalInFuture",
        ),
        (
            Event::ContactUpdated {
                contact: contact(4, email, 7.0),
            },
            "ChannelNotServed",
        ),
        (Event::ContactAbandoned { contact: c99 }, "UnknownContact"),
        (Event::ContactAbandoned { contact: c3 }, "WrongContactState"),
        (Event::ContactWithdrawn { contact: c99 }, "UnknownContact"),
        (Event::ContactWithdrawn { contact: c3 }, "WrongContactState"),
        (Event::WrapUpDone { contact: c99 }, "UnknownContact"),
        (Event::WrapUpDone { contact: c3 }, "WrongContactState"),
    ];
    for ready in [true, false] {
        let event = |agent| match ready {
            true => Event::AgentReady { agent },
            false => Event::AgentNotReady { agent },
        };
        cases.push((event(a77), "UnknownAgent"));
        cases.push((event(a9), "NotLoggedIn"));
    }
    type Answer = fn(ContactId, AgentId) -> Event;
    let answers: [Answer; 3] = [
        |contact, agent| Event::OfferAccepted { contact, agent },
        |contact, agent| Event::OfferDeclined { contact, agent },
        |contact, agent| Event::OfferTimedOut { contact, agent },
    ];
    for answer in answers {
        cases.push((answer(c99, a2), "UnknownContact"));
        cases.push((answer(c4, a2), "WrongContactState"));
        cases.push((answer(c2, a77), "UnknownAgent"));
        cases.push((answer(c2, a1), "WrongAgent"));
    }
    type Done = fn(ContactId, Outcome) -> Event;
    let dones: [Done; 2] = [
        |contact, outcome| Event::WorkCompleted { contact, outcome },
        |contact, outcome| Event::WorkCompletedNoWrapUp { contact, outcome },
    ];
    for done in dones {
        cases.push((done(c99, ok), "UnknownContact"));
        cases.push((done(c4, ok), "WrongContactState"));
        cases.push((done(c3, bad), "BadSatisfaction"));
    }

    let mut reached = BTreeSet::new();
    for (event, expected) in cases {
        let n = name(&event);
        let got = refused(now, event);
        assert_eq!(got, expected, "{n}");
        reached.insert((n, got));
    }
    let (table, _) = documented();
    let missing: Vec<_> = table.difference(&reached).collect();
    let unlisted: Vec<_> = reached.difference(&table).collect();
    assert!(
        missing.is_empty() && unlisted.is_empty(),
        "listed but not reached: {missing:?}; reached but not listed: {unlisted:?}"
    );
}
