//! The scenario overrides that `simulate` and `sweep` share.

use skillroute::sim::Scenario;

/// Applies `--set FIELD=VALUE` (in the order given), `--replications` and
/// `--seed` to `s`, before validation, like the file's own values.
pub fn apply(
    s: &mut Scenario,
    sets: &[(String, String)],
    replications: Option<u32>,
    seed: Option<u64>,
) -> Result<(), String> {
    for (field, value) in sets {
        s.set(field, value).map_err(|e| format!("--set: {e}"))?;
    }
    if let Some(n) = replications {
        s.replications = n;
    }
    if let Some(seed) = seed {
        s.seed = seed;
    }
    Ok(())
}
