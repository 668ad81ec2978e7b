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

/// Refuses a `--set` of `seed` or `replications` beside the `--seed` or
/// `--replications` flag (`seed`, `replications`: whether each was given):
/// the flags are applied after every `--set`, so the `--set` was lost in
/// silence.
pub fn check_flags(
    sets: &[(String, String)],
    seed: bool,
    replications: bool,
) -> Result<(), String> {
    for (flag, given) in [("seed", seed), ("replications", replications)] {
        if let Some((f, v)) = sets.iter().find(|(f, _)| given && f == flag) {
            return Err(format!(
                "--set {f}={v} and --{flag} both set {flag}; give it once"
            ));
        }
    }
    Ok(())
}

/// Refuses `--set`s of which a later one would replace what an earlier one
/// set (the same field in any spelling, or a table or list holding it),
/// and a `field` (`sweep --field`) that would replace what a `--set` set:
/// the last applied won in silence. The paths are resolved in `s`
/// ([`Scenario::field_path`]) as each is applied, after the `--set`s before it. A later override inside what
/// an earlier one set (`--set 'offers.rona_pause={ … }'`, then
/// `offers.rona_pause.value`) refines it and is kept. A `--set` that does
/// not apply stops the check: [`apply`] then names it.
pub fn check_clashes(
    s: &Scenario,
    sets: &[(String, String)],
    field: Option<&str>,
) -> Result<(), String> {
    let mut scratch = s.clone();
    let mut done: Vec<(&(String, String), String)> = Vec::new();
    // Paths in one spelling: `later` replaces `earlier` if it is that field
    // or a table or list holding it.
    let covers = |later: &str, earlier: &str| {
        earlier
            .strip_prefix(later)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
    };
    for set in sets {
        let Ok(path) = scratch.field_path(&set.0) else {
            return Ok(());
        };
        if let Some((earlier, q)) = done.iter().find(|(_, q)| covers(&path, q)) {
            return Err(format!(
                "--set {}={} and --set {}={} both set {}: the later would undo the earlier; give it once",
                earlier.0, earlier.1, set.0, set.1, q
            ));
        }
        if scratch.set(&set.0, &set.1).is_err() {
            return Ok(());
        }
        done.push((set, path));
    }
    let Some(path) = field.and_then(|f| Some((f, scratch.field_path(f).ok()?))) else {
        return Ok(());
    };
    if let Some((set, q)) = done.iter().find(|(_, q)| covers(&path.1, q)) {
        return Err(format!(
            "--set {}={} and --field {} both set {}: each swept value would replace the --set; \
             leave the --set out, or sweep another field",
            set.0, set.1, path.0, q
        ));
    }
    Ok(())
}
