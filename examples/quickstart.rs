//! Route five contacts to three agents, and show why each agent was chosen.
//!
//! `cargo run --example quickstart`
use skillroute::{
    Agent, AgentId, ChannelId, Contact, ContactId, Event, OptimalAssignment, Router, SkillId,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (english, billing) = (SkillId(1), SkillId(2));
    let mut router = Router::new(OptimalAssignment::default());
    let mut offers = Vec::new();
    for (id, level) in [(1, 9), (2, 5), (3, 7)] {
        let agent = Agent::builder(AgentId(id))
            .skill(english, 8)
            .skill(billing, level)
            .channel(ChannelId::VOICE, 1)
            .build()?;
        router.handle(0.0, Event::AgentLogin { agent }, &mut offers)?;
        router.handle(0.0, Event::AgentReady { agent: AgentId(id) }, &mut offers)?;
    }
    for id in 1..=5u64 {
        let t = id as f64;
        let contact = Contact::builder(ContactId(id), ChannelId::VOICE, t)
            .requires(english, 5)
            .requires(billing, 4)
            .build()?;
        router.handle(t, Event::ContactArrived { contact }, &mut offers)?;
    }
    for o in &offers {
        println!(
            "{} -> {}: score {:.3} (skill {:.2}, idle {:.2}, wait {:.2}) on {:?}",
            o.contact, o.agent, o.score.total, o.score.skill, o.score.idle, o.score.wait, o.trigger
        );
    }
    println!("{:?}", router.counts());
    Ok(())
}
