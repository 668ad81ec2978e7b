//! The command line that `mmn` and `mmn_floor` share, the peers' own
//! (`shared/peers/mmn_simpy.py`, `mmn_ciw.py`), so that one set of arguments
//! runs all four.

/// `--arrival-rate L --service-rate M --agents N --horizon H
/// [--abandon-rate T] [--seed S]`.
pub struct MmnArgs {
    pub arrival_rate: f64,
    pub service_rate: f64,
    pub agents: u32,
    pub horizon: f64,
    /// 0: no abandonment.
    pub abandon_rate: f64,
    pub seed: u64,
}

impl MmnArgs {
    /// The process's arguments; a usage line naming `tool` and exit code 2
    /// if one is missing, unknown or not a number, and a line naming the
    /// option if its value is out of range (the user typed options, not
    /// the scenario fields `mmn` builds from them).
    pub fn parse(tool: &str) -> MmnArgs {
        let usage = || -> ! {
            eprintln!(
                "usage: {tool} --arrival-rate L --service-rate M --agents N --horizon H [--abandon-rate T] [--seed S]"
            );
            std::process::exit(2)
        };
        let mut args = std::env::args().skip(1);
        let (mut l, mut m, mut n, mut h, mut t, mut seed) = (None, None, None, None, 0.0, 1u64);
        while let Some(flag) = args.next() {
            let value = args.next().unwrap_or_else(|| usage());
            let num = || value.parse::<f64>().unwrap_or_else(|_| usage());
            match flag.as_str() {
                "--arrival-rate" => l = Some(num()),
                "--service-rate" => m = Some(num()),
                "--agents" => n = Some(value.parse::<u32>().unwrap_or_else(|_| usage())),
                "--horizon" => h = Some(num()),
                "--abandon-rate" => t = num(),
                "--seed" => seed = value.parse().unwrap_or_else(|_| usage()),
                _ => usage(),
            }
        }
        let (Some(l), Some(m), Some(n), Some(h)) = (l, m, n, h) else {
            usage()
        };
        let bad = |option: &str, rule: &str, value: &dyn std::fmt::Display| -> ! {
            eprintln!("{tool}: {option} must be {rule}, got {value}");
            std::process::exit(2)
        };
        let positive = |x: f64| x > 0.0 && x.is_finite();
        if !positive(l) {
            bad("--arrival-rate", "finite and > 0", &l);
        }
        if !positive(m) {
            bad("--service-rate", "finite and > 0", &m);
        }
        if n == 0 {
            bad("--agents", "at least 1", &n);
        }
        if !positive(h) {
            bad("--horizon", "finite and > 0", &h);
        }
        if !(t == 0.0 || positive(t)) {
            bad("--abandon-rate", "finite and >= 0 (0: no abandonment)", &t);
        }
        MmnArgs {
            arrival_rate: l,
            service_rate: m,
            agents: n,
            horizon: h,
            abandon_rate: t,
            seed,
        }
    }
}
