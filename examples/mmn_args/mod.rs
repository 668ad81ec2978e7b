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
    /// if one is missing, unknown or not a number. The values are the
    /// caller's to check (`mmn` leaves it to the scenario, whose errors
    /// name the field).
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
