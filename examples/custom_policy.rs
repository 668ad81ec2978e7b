//! A user-written policy in under 30 lines: "VIP first, best fit" — a free agent
//! takes the waiting contact of the highest tier (oldest first among equals), and
//! an arriving contact goes to the eligible agent with the best total score.
//!
//! `cargo run --example custom_policy`
//!
//! It learns nothing, so the trait's defaults for outcomes and work in flight
//! fit it. A policy that wraps another (a `LearnedFit` behind a hold, say)
//! forwards every method the trait provides instead, `in_flight` and
//! `restore_in_flight` included: else its snapshots leave out the work in
//! flight, and a standby refuses a snapshot that has some.
use skillroute::{Proposal, RouterView, RoutingPolicy, Trigger};

struct VipFirst;

impl RoutingPolicy for VipFirst {
    fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
        match trigger {
            Trigger::ContactWaiting(id) => {
                let Some(c) = view.waiting_contact(id) else {
                    return;
                };
                let scored = view
                    .eligible_agents(c)
                    .map(|a| (view.score(&c, &a).total, a.id()));
                // Ties go to the smaller id, not to whichever the view
                // lists last: a restored router then decides the same.
                if let Some((_, agent)) =
                    scored.max_by(|x, y| x.0.total_cmp(&y.0).then(y.1.cmp(&x.1)))
                {
                    out.push(Proposal { contact: id, agent });
                }
            }
            Trigger::AgentAvailable(id) => {
                let Some(a) = view.agent(id) else { return };
                let key =
                    |c: &skillroute::ContactRef<'_>| (c.tier(), std::cmp::Reverse(c.sequence()));
                if let Some(c) = view.eligible_contacts(a).max_by_key(key) {
                    out.push(Proposal {
                        contact: c.id(),
                        agent: id,
                    });
                }
            }
            _ => {} // the router re-plans contact by contact
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    use skillroute::{
        Agent, AgentId, ChannelId, Contact, ContactId, Event, Router, SkillId, TierId,
    };
    let mut router = Router::new(VipFirst);
    let mut offers = Vec::new();
    let agent = Agent::builder(AgentId(1))
        .skill(SkillId(1), 6)
        .channel(ChannelId::VOICE, 1)
        .build()?;
    router.handle(0.0, Event::AgentLogin { agent }, &mut offers)?;
    for (id, tier) in [(1, 0), (2, 2), (3, 1)] {
        let c = Contact::builder(ContactId(id), ChannelId::VOICE, id as f64)
            .tier(TierId(tier))
            .requires(SkillId(1), 3);
        router.handle(
            id as f64,
            Event::ContactArrived {
                contact: c.build()?,
            },
            &mut offers,
        )?;
    }
    // The agent becomes ready with three contacts waiting: the tier-2 customer goes first.
    router.handle(5.0, Event::AgentReady { agent: AgentId(1) }, &mut offers)?;
    for o in &offers {
        println!(
            "offer {} to {} (score {:.3}, {:?})",
            o.contact, o.agent, o.score.total, o.trigger
        );
    }
    assert_eq!(offers[0].contact, ContactId(2));
    Ok(())
}
