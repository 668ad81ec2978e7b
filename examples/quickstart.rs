//! Route five contacts to three agents, and show why each agent was chosen.
//!
//! `cargo run --example quickstart`
use skillroute::{
    Agent, AgentId, ChannelId, Contact, ContactId, Counts, Event, Offer, OptimalAssignment, Router,
    ScoreBreakdown, SkillId,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (offers, counts) = route()?;
    for o in &offers {
        println!("{}", explain(o));
    }
    println!("{counts}");
    Ok(())
}

/// Three agents log in, five contacts arrive: the offers made and the
/// router's counts at the end.
fn route() -> Result<(Vec<Offer>, Counts), Box<dyn std::error::Error>> {
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
    Ok((offers, router.counts()))
}

/// An offer and its score: the total, then every term that is not zero, to
/// the total's precision, so that the terms printed add up to it.
fn explain(o: &Offer) -> String {
    let terms: Vec<String> = terms(&o.score)
        .iter()
        .map(|(name, value)| format!("{name} {value:.3}"))
        .collect();
    format!(
        "{} -> {}: score {:.3} ({}) on {}",
        o.contact,
        o.agent,
        o.score.total,
        terms.join(", "),
        o.trigger
    )
}

/// The score's terms that are not zero, by name, in the breakdown's order.
fn terms(score: &ScoreBreakdown) -> Vec<(&'static str, f64)> {
    score
        .terms()
        .into_iter()
        .filter(|&(_, value)| value != 0.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{explain, route};

    /// Each printed line names every non-zero term of its offer's score
    /// (found from the breakdown's serialized fields, not from the list
    /// `terms` keeps) with its value, and no zero one; and the figures
    /// printed add up to the total printed. The line used to leave out the
    /// load term (0.25 of a total of 1.108).
    #[test]
    fn the_terms_printed_add_up_to_the_total() {
        let (offers, _) = route().unwrap();
        assert_eq!(offers.len(), 3);
        for o in &offers {
            let line = explain(o);
            let inside = line
                .split_once(" (")
                .and_then(|(_, rest)| rest.split_once(") on "))
                .map(|(terms, _)| terms)
                .unwrap_or_else(|| panic!("no terms in {line:?}"));
            let printed: Vec<(&str, f64)> = inside
                .split(", ")
                .map(|t| {
                    let (name, value) = t.split_once(' ').unwrap();
                    (name, value.parse().unwrap())
                })
                .collect();
            let fields = serde_json::to_value(o.score).unwrap();
            let fields = fields.as_object().unwrap();
            for (name, value) in fields.iter().filter(|(name, _)| *name != "total") {
                let value = value.as_f64().unwrap();
                let shown = printed.iter().find(|(n, _)| n == name);
                if value == 0.0 {
                    assert!(shown.is_none(), "{line}: zero term {name} printed");
                } else {
                    let (_, v) = shown.unwrap_or_else(|| panic!("{line}: {name} left out"));
                    assert!((v - value).abs() <= 0.0005, "{line}: {name} is {value}");
                }
            }
            let total: f64 = line
                .split_once("score ")
                .and_then(|(_, rest)| rest.split_once(' '))
                .map(|(t, _)| t.parse().unwrap())
                .unwrap();
            let sum: f64 = printed.iter().map(|(_, v)| v).sum();
            // Each printed term is within half a unit of the third decimal.
            let slack = 0.0005 * (printed.len() + 1) as f64;
            assert!((sum - total).abs() <= slack, "{line}: terms sum to {sum}");
        }
    }

    /// The last line reads as words, every count named with its value (it
    /// was the struct's Debug form), and they agree with the router's
    /// conservation: five arrived, three offered, two waiting.
    #[test]
    fn the_counts_line_names_each_count() {
        let (_, counts) = route().unwrap();
        let line = counts.to_string();
        let get = |name: &str| -> u64 {
            let rest = line
                .split(", ")
                .find_map(|part| part.strip_prefix(name)?.strip_prefix(' '))
                .unwrap_or_else(|| panic!("{name} missing from {line:?}"));
            rest.parse().unwrap()
        };
        assert!(!line.contains('{'), "{line}");
        assert_eq!(get("arrived"), 5);
        assert_eq!(get("offered"), 3);
        assert_eq!(get("waiting"), 2);
        for name in [
            "in service",
            "wrap-up",
            "completed",
            "abandoned",
            "withdrawn",
        ] {
            assert_eq!(get(name), 0, "{name}");
        }
    }
}
