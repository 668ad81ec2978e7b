//! An invalid agent or contact is named in its error, with the skill or
//! channel at fault: an ACD that loads 2,000 agents from a file must learn
//! which one to fix (from an ACD vendor's review: "proficiency level 11 is
//! outside 1..=10" said neither). Each error through the builder and
//! through serde (an agent's or a contact's JSON, as an event log or a
//! snapshot has it).

use skillroute::model::{LevelError, ModelError, Owner};
use skillroute::{
    Agent, AgentId, ChannelId, Contact, ContactId, Event, Level, RouterError, SkillId,
};

const AGENT: Owner = Owner::Agent(AgentId(17));
const CONTACT: Owner = Owner::Contact(ContactId(42));

/// An agent's JSON with these skills (`[skill, level]`), capacities
/// (`[channel, max]`) and extra fields.
fn agent_json(skills: &[(u16, u8)], capacity: &[(u8, u16)], extra: &str) -> String {
    let skills: Vec<String> = skills
        .iter()
        .map(|(s, l)| format!(r#"{{"skill":{s},"level":{l}}}"#))
        .collect();
    let capacity: Vec<String> = capacity
        .iter()
        .map(|(c, m)| format!(r#"{{"channel":{c},"max":{m}}}"#))
        .collect();
    format!(
        r#"{{"id":17,"skills":[{}],"capacity":[{}]{extra}}}"#,
        skills.join(","),
        capacity.join(",")
    )
}

/// A contact's JSON with these requirements (`[skill, min_level]`) and
/// arrival time.
fn contact_json(requirements: &[(u16, u8)], arrival: &str) -> String {
    let requirements: Vec<String> = requirements
        .iter()
        .map(|(s, l)| format!(r#"{{"skill":{s},"min_level":{l}}}"#))
        .collect();
    format!(
        r#"{{"id":42,"channel":1,"arrival":{arrival},"requirements":[{}]}}"#,
        requirements.join(",")
    )
}

/// The builder's error, and the same agent's JSON read: the message the
/// builder gives is in serde's, and names the agent.
fn agent_both(built: Result<Agent, ModelError>, json: &str, want: &ModelError, text: &str) {
    let e = built.unwrap_err();
    assert_eq!(&e, want);
    assert_eq!(e.to_string(), text);
    let read = serde_json::from_str::<Agent>(json).unwrap_err().to_string();
    assert!(read.starts_with(text), "{json}: {read}");
}

fn contact_both(built: Result<Contact, ModelError>, json: &str, want: &ModelError, text: &str) {
    let e = built.unwrap_err();
    assert_eq!(&e, want);
    assert_eq!(e.to_string(), text);
    let read = serde_json::from_str::<Contact>(json)
        .unwrap_err()
        .to_string();
    assert!(read.starts_with(text), "{json}: {read}");
}

#[test]
fn a_level_out_of_range_names_the_agent_or_contact_and_the_skill() {
    for level in [0, 11, 255] {
        agent_both(
            Agent::builder(AgentId(17))
                .skill(SkillId(1), 5)
                .skill(SkillId(3), level)
                .channel(ChannelId::VOICE, 1)
                .build(),
            &agent_json(&[(1, 5), (3, level)], &[(0, 1)], ""),
            &ModelError::LevelOutOfRange {
                owner: AGENT,
                skill: SkillId(3),
                level,
            },
            &format!("agent#17: skill#3 at level {level} is outside 1..=10"),
        );
        contact_both(
            Contact::builder(ContactId(42), ChannelId::CHAT, 2.5)
                .requires(SkillId(3), level)
                .build(),
            &contact_json(&[(3, level)], "2.5"),
            &ModelError::LevelOutOfRange {
                owner: CONTACT,
                skill: SkillId(3),
                level,
            },
            &format!("contact#42: skill#3 at level {level} is outside 1..=10"),
        );
    }
    // A level alone has no one to name.
    assert_eq!(Level::new(11), Err(LevelError(11)));
    assert_eq!(
        LevelError(11).to_string(),
        "proficiency level 11 is outside 1..=10"
    );
}

#[test]
fn a_skill_listed_twice_names_the_agent_or_contact() {
    agent_both(
        Agent::builder(AgentId(17))
            .skill(SkillId(3), 4)
            .skill(SkillId(3), 6)
            .channel(ChannelId::VOICE, 1)
            .build(),
        &agent_json(&[(3, 4), (3, 6)], &[(0, 1)], ""),
        &ModelError::DuplicateSkill {
            owner: AGENT,
            skill: SkillId(3),
        },
        "agent#17: skill#3 is listed twice",
    );
    contact_both(
        Contact::builder(ContactId(42), ChannelId::CHAT, 2.5)
            .requires(SkillId(3), 4)
            .requires(SkillId(3), 6)
            .build(),
        &contact_json(&[(3, 4), (3, 6)], "2.5"),
        &ModelError::DuplicateSkill {
            owner: CONTACT,
            skill: SkillId(3),
        },
        "contact#42: skill#3 is listed twice",
    );
}

#[test]
fn a_channel_listed_twice_names_the_agent() {
    agent_both(
        Agent::builder(AgentId(17))
            .channel(ChannelId::CHAT, 2)
            .channel(ChannelId::CHAT, 3)
            .build(),
        &agent_json(&[], &[(1, 2), (1, 3)], ""),
        &ModelError::DuplicateChannel {
            agent: AgentId(17),
            channel: ChannelId::CHAT,
        },
        "agent#17: channel#1 is listed twice in the capacities",
    );
}

#[test]
fn capacity_errors_name_the_agent() {
    agent_both(
        Agent::builder(AgentId(17))
            .channel(ChannelId::VOICE, 0)
            .build(),
        &agent_json(&[], &[(0, 0)], ""),
        &ModelError::NoCapacity(AgentId(17)),
        "agent#17 has no channel with a capacity of at least 1",
    );
    agent_both(
        Agent::builder(AgentId(17))
            .channel(ChannelId::VOICE, 1)
            .total_capacity(0)
            .build(),
        &agent_json(&[], &[(0, 1)], r#","total_capacity":0"#),
        &ModelError::ZeroTotalCapacity(AgentId(17)),
        "agent#17 has a total capacity of 0",
    );
}

#[test]
fn a_bad_number_names_the_agent_or_contact() {
    agent_both(
        Agent::builder(AgentId(17))
            .channel(ChannelId::VOICE, 1)
            .speed(-1.0)
            .build(),
        &agent_json(&[], &[(0, 1)], r#","speed":-1.0"#),
        &ModelError::BadNumber {
            owner: AGENT,
            field: "speed",
            value: -1.0,
            extra: " and > 0",
        },
        "agent#17: speed must be finite and > 0, got -1",
    );
    contact_both(
        Contact::builder(ContactId(42), ChannelId::CHAT, 2e12).build(),
        &contact_json(&[], "2e12"),
        &ModelError::BadNumber {
            owner: CONTACT,
            field: "arrival",
            value: 2e12,
            extra: " and within ±1e12 s (TIME_LIMIT)",
        },
        "contact#42: arrival must be finite and within ±1e12 s (TIME_LIMIT), got 2000000000000",
    );
}

/// What reaches an ACD: a model error as a router error, and an event of
/// its log that does not read, both name the agent.
#[test]
fn an_acd_is_told_which_agent() {
    let e = Agent::builder(AgentId(17))
        .skill(SkillId(3), 11)
        .channel(ChannelId::VOICE, 1)
        .build()
        .unwrap_err();
    assert_eq!(
        RouterError::from(e).to_string(),
        "invalid model: agent#17: skill#3 at level 11 is outside 1..=10"
    );
    let line = format!(
        r#"{{"AgentLogin":{{"agent":{}}}}}"#,
        agent_json(&[(3, 11)], &[(0, 1)], "")
    );
    let e = serde_json::from_str::<Event>(&line)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("agent#17: skill#3 at level 11 is outside 1..=10"),
        "{e}"
    );
}

/// The fields read as levels before are still read: a valid agent and
/// contact go through JSON and back unchanged.
#[test]
fn valid_profiles_still_read_back() {
    let a: Agent =
        serde_json::from_str(&agent_json(&[(3, 10), (1, 1)], &[(0, 1), (1, 3)], "")).unwrap();
    assert_eq!(a.level(SkillId(3)), Level::new(10).ok());
    let back: Agent = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
    assert_eq!(back, a);
    let c: Contact = serde_json::from_str(&contact_json(&[(3, 1), (2, 10)], "2.5")).unwrap();
    assert_eq!(c.requirements()[1].min_level.get(), 1);
    let back: Contact = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
    assert_eq!(back, c);
}
