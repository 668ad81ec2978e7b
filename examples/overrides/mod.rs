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

/// The field `path` names in `s`, spelled one way: its steps as
/// [`Scenario::set`] resolves them, each list element by its index
/// (`groups[late-generalists].count`, `groups[+1].count` and
/// `groups[1].count` are all `groups[1].count` when `late-generalists` is
/// the second group). `None` if the path does not resolve (`set` then
/// names the problem). Two spellings of one field are told apart by
/// their text alone otherwise, and an override could undo another in
/// silence.
pub fn resolve(s: &Scenario, path: &str) -> Option<Vec<String>> {
    // The JSON form has the TOML form's keys and lists, and holds a seed
    // above i64::MAX, which TOML does not.
    let root: serde_json::Value = serde_json::from_str(&s.to_json_string()).ok()?;
    let mut at = Some(&root);
    let mut steps = Vec::new();
    // As `Scenario::set` splits: a `.` inside brackets belongs to a name.
    let mut inside = false;
    let segments = path.split(|c: char| {
        match c {
            '[' => inside = true,
            ']' => inside = false,
            _ => {}
        }
        c == '.' && !inside
    });
    for seg in segments {
        let (name, ix) = match seg.split_once('[') {
            Some((name, rest)) => (name, Some(rest.strip_suffix(']')?)),
            None => (seg, None),
        };
        if name.is_empty() {
            return None;
        }
        steps.push(name.to_string());
        // A missing table on the way is made by `set`: the path goes on.
        at = at.and_then(|v| v.get(name));
        if let Some(ix) = ix {
            let list = at?.as_array()?;
            let i = match ix.parse::<usize>() {
                Ok(i) if i < list.len() => i,
                Ok(_) => return None,
                Err(_) => list
                    .iter()
                    .position(|e| e.get("name").and_then(serde_json::Value::as_str) == Some(ix))?,
            };
            steps.push(format!("[{i}]"));
            at = list.get(i);
        }
    }
    Some(steps)
}

/// Steps of [`resolve`] as a path, `groups[1].count`.
pub fn spelled(steps: &[String]) -> String {
    let mut out = String::new();
    for step in steps {
        if !out.is_empty() && !step.starts_with('[') {
            out.push('.');
        }
        out.push_str(step);
    }
    out
}

/// Refuses `--set`s of which a later one would replace what an earlier one
/// set (the same field in any spelling, or a table or list holding it),
/// and a `field` (`sweep --field`) that would replace what a `--set` set:
/// the last applied won in silence. The paths are resolved in `s` as each
/// is applied, after the `--set`s before it. A later override inside what
/// an earlier one set (`--set 'offers.rona_pause={ … }'`, then
/// `offers.rona_pause.value`) refines it and is kept. A `--set` that does
/// not apply stops the check: [`apply`] then names it.
pub fn check_clashes(
    s: &Scenario,
    sets: &[(String, String)],
    field: Option<&str>,
) -> Result<(), String> {
    let mut scratch = s.clone();
    let mut done: Vec<(&(String, String), Vec<String>)> = Vec::new();
    let covers = |later: &[String], earlier: &[String]| earlier.starts_with(later);
    for set in sets {
        let Some(path) = resolve(&scratch, &set.0) else {
            return Ok(());
        };
        if let Some((earlier, q)) = done.iter().find(|(_, q)| covers(&path, q)) {
            return Err(format!(
                "--set {}={} and --set {}={} both set {}: the later would undo the earlier; give it once",
                earlier.0,
                earlier.1,
                set.0,
                set.1,
                spelled(q)
            ));
        }
        if scratch.set(&set.0, &set.1).is_err() {
            return Ok(());
        }
        done.push((set, path));
    }
    let Some(path) = field.and_then(|f| Some((f, resolve(&scratch, f)?))) else {
        return Ok(());
    };
    if let Some((set, q)) = done.iter().find(|(_, q)| covers(&path.1, q)) {
        return Err(format!(
            "--set {}={} and --field {} both set {}: each swept value would replace the --set; \
             leave the --set out, or sweep another field",
            set.0,
            set.1,
            path.0,
            spelled(q)
        ));
    }
    Ok(())
}
