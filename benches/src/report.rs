//! The results table and JSON lines.

use std::fmt::Write;

/// The rows that are baselines rather than systems: raw tokio (for the remote workloads, the
/// floor), and the batched floor of `remote_tell`.
const BASELINES: [&str; 2] = ["tokio", "floor_batched"];

/// Printed under a table with remote rows: what their baselines are.
const REMOTE_NOTE: &str = "remote_tell, remote_ask: the tokio row is the floor, a plain libp2p request-response on the same swarm without actors (one request per message);
  floor_batched sends bare u64s batched as a node batches tells, delivered to no one.";

/// One workload on one system.
#[derive(Debug, Clone, Default)]
pub struct Measurement {
    pub system: &'static str,
    pub workload: &'static str,
    pub ns_per_op: f64,
    pub ops: u64,
    pub p50_ns: Option<f64>,
    pub p99_ns: Option<f64>,
    pub bytes: Option<f64>,
    /// Allocations per operation (from a `--count-allocs` run).
    pub allocs_per_op: Option<f64>,
    /// Bytes allocated per operation (from a `--count-allocs` run).
    pub alloc_bytes_per_op: Option<f64>,
    /// Operations of the slowest task over those of the fastest (`ask_concurrent`).
    pub fairness: Option<f64>,
}

#[derive(Default)]
pub struct Report {
    /// Every timed measurement, tagged with its round.
    rows: Vec<(usize, Measurement)>,
    /// Allocation counts, one run per workload and system: `(workload, system, allocs per op,
    /// bytes per op)`. Kept apart: a counting run is slower and its time is not used.
    allocations: Vec<(&'static str, &'static str, f64, f64)>,
}

/// One workload on one system compared with raw tokio: the `x tokio` column.
#[derive(Debug, Clone, PartialEq)]
pub struct Ratio {
    pub workload: &'static str,
    pub system: &'static str,
    /// The median of the per-round ratios.
    pub ratio: f64,
    /// The system's fairness, where the workload measures it.
    pub fairness: Option<f64>,
}

/// One workload on one system over all rounds: medians, and the ratio to raw tokio taken round
/// by round (so both sides of a ratio ran minutes apart at most, never a whole run apart).
struct Summary {
    median: Measurement,
    /// Median, lowest and highest of the per-round ratios to raw tokio.
    ratio: Option<(f64, f64, f64)>,
}

impl Measurement {
    /// What the ratio to raw tokio compares: p99 latency for `priority`, bytes for `memory`,
    /// time per operation otherwise.
    fn compared(&self) -> f64 {
        match self.workload {
            "priority" => self.p99_ns.unwrap_or(0.0),
            "memory" | "memory_used" | "memory_told" => self.bytes.unwrap_or(0.0),
            _ => self.ns_per_op,
        }
    }
}

impl Measurement {
    /// The `extra` column: latency percentiles, fairness or bytes per actor, where reported.
    fn extra(&self) -> String {
        let what = match self.workload {
            "priority" => "critical",
            "restart" => "failure to answer",
            _ => "ask",
        };
        match (self.p50_ns, self.p99_ns, self.bytes, self.fairness) {
            (Some(p50), Some(p99), ..) => {
                format!("{what} p50 {:.1} us, p99 {:.1} us", p50 / 1e3, p99 / 1e3)
            }
            (_, _, Some(b), _) => format!("{b:.0} bytes/actor"),
            (.., Some(f)) => format!("fairness {f:.2} (slowest/fastest task)"),
            _ => String::new(),
        }
    }

    /// The line a child process prints for its parent (see `systems::run`):
    /// `ns_per_op ops p50_ns p99_ns bytes allocs_per_op alloc_bytes_per_op fairness`, with `-`
    /// for a field the run does not report.
    pub fn to_line(&self) -> String {
        let opt = |v: Option<f64>| v.map_or("-".to_string(), |v| v.to_string());
        format!(
            "{} {} {} {} {} {} {} {}",
            self.ns_per_op,
            self.ops,
            opt(self.p50_ns),
            opt(self.p99_ns),
            opt(self.bytes),
            opt(self.allocs_per_op),
            opt(self.alloc_bytes_per_op),
            opt(self.fairness)
        )
    }

    /// Read back a [`to_line`](Self::to_line) line; `None` if it is not one.
    pub fn from_line(system: &'static str, workload: &'static str, line: &str) -> Option<Self> {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [ns_per_op, ops, p50, p99, bytes, allocs, alloc_bytes, fairness] = fields.as_slice()
        else {
            return None;
        };
        let opt = |v: &str| match v {
            "-" => Some(None),
            v => v.parse().ok().map(Some),
        };
        Some(Measurement {
            system,
            workload,
            ns_per_op: ns_per_op.parse().ok()?,
            ops: ops.parse().ok()?,
            p50_ns: opt(p50)?,
            p99_ns: opt(p99)?,
            bytes: opt(bytes)?,
            allocs_per_op: opt(allocs)?,
            alloc_bytes_per_op: opt(alloc_bytes)?,
            fairness: opt(fairness)?,
        })
    }
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

impl Report {
    pub fn push(&mut self, round: usize, m: Measurement) {
        self.rows.push((round, m));
    }

    /// Record the allocation counts of a `--count-allocs` run (its time is ignored).
    pub fn push_allocations(&mut self, m: &Measurement) {
        if let (Some(allocs), Some(bytes)) = (m.allocs_per_op, m.alloc_bytes_per_op) {
            self.allocations.push((m.workload, m.system, allocs, bytes));
        }
    }

    /// `(workload, system)` pairs in the order they were first measured.
    fn pairs(&self) -> Vec<(&'static str, &'static str)> {
        let mut pairs = Vec::new();
        for (_, m) in &self.rows {
            if !pairs.contains(&(m.workload, m.system)) {
                pairs.push((m.workload, m.system));
            }
        }
        pairs
    }

    fn summary(&self, workload: &str, system: &'static str) -> Summary {
        let runs: Vec<_> = self
            .rows
            .iter()
            .filter(|(_, m)| m.workload == workload && m.system == system)
            .collect();
        let field = |f: fn(&Measurement) -> Option<f64>| {
            let values: Vec<f64> = runs.iter().filter_map(|(_, m)| f(m)).collect();
            (!values.is_empty()).then(|| median(values))
        };
        let counted = self
            .allocations
            .iter()
            .find(|(w, s, ..)| *w == workload && *s == system);
        let median_of = Measurement {
            system,
            workload: runs.first().map_or("", |(_, m)| m.workload),
            ns_per_op: field(|m| Some(m.ns_per_op)).unwrap_or(0.0),
            ops: runs.first().map_or(0, |(_, m)| m.ops),
            p50_ns: field(|m| m.p50_ns),
            p99_ns: field(|m| m.p99_ns),
            bytes: field(|m| m.bytes),
            allocs_per_op: counted.map(|c| c.2),
            alloc_bytes_per_op: counted.map(|c| c.3),
            fairness: field(|m| m.fairness),
        };
        let ratios: Vec<f64> =
            runs.iter()
                .filter_map(|(round, m)| {
                    let base = self.rows.iter().find(|(r, b)| {
                        r == round && b.workload == workload && b.system == "tokio"
                    })?;
                    let base = base.1.compared();
                    (base > 0.0).then(|| m.compared() / base)
                })
                .collect();
        let ratio = (!ratios.is_empty()).then(|| {
            let low = ratios.iter().copied().fold(f64::INFINITY, f64::min);
            let high = ratios.iter().copied().fold(0.0, f64::max);
            (median(ratios), low, high)
        });
        Summary {
            median: median_of,
            ratio,
        }
    }

    /// The ratio to raw tokio of every system but the baselines, in the order of the table
    /// (what `--plot` draws).
    pub fn ratios(&self) -> Vec<Ratio> {
        self.pairs()
            .into_iter()
            .filter(|(_, system)| !BASELINES.contains(system))
            .filter_map(|(workload, system)| {
                let Summary { median, ratio } = self.summary(workload, system);
                Some(Ratio {
                    workload,
                    system,
                    ratio: ratio?.0,
                    fairness: median.fairness,
                })
            })
            .collect()
    }

    fn rounds(&self) -> usize {
        self.rows.iter().map(|(r, _)| r + 1).max().unwrap_or(0)
    }

    /// `workload x system` with ns/op, ops/s and the ratio to raw tokio (medians over the
    /// rounds, with the range of the per-round ratios when there are several rounds).
    pub fn table(&self) -> String {
        let several = self.rounds() > 1;
        let mut out = String::new();
        if several {
            let _ = writeln!(
                out,
                "medians of {} rounds; x tokio is the median of the per-round ratios [lowest-highest]",
                self.rounds()
            );
        }
        let counted = !self.allocations.is_empty();
        let _ = writeln!(
            out,
            "{:<14} {:<13} {:>12} {:>14} {:>9}{}{}  extra",
            "workload",
            "system",
            "ns/op",
            "ops/s",
            "x tokio",
            if several { "  range      " } else { "" },
            if counted { " allocs/op" } else { "" }
        );
        for (workload, system) in self.pairs() {
            let Summary { median: m, ratio } = self.summary(workload, system);
            let (ratio, range) = match ratio {
                Some((mid, low, high)) => (format!("{mid:.2}"), format!("  {low:.2}-{high:.2}  ")),
                None => ("-".into(), format!("  {:11}", "-")),
            };
            let ops_s = if m.ns_per_op > 0.0 {
                1e9 / m.ns_per_op
            } else {
                0.0
            };
            let allocs = match (counted, m.allocs_per_op) {
                (false, _) => String::new(),
                (true, Some(a)) => format!(" {a:>9.2}"),
                (true, None) => format!(" {:>9}", "-"),
            };
            let line = format!(
                "{:<14} {:<13} {:>12.1} {:>14.0} {:>9}{}{}  {}",
                m.workload,
                m.system,
                m.ns_per_op,
                ops_s,
                ratio,
                if several { range.as_str() } else { "" },
                allocs,
                m.extra()
            );
            let _ = writeln!(out, "{}", line.trim_end());
        }
        if self
            .pairs()
            .iter()
            .any(|(workload, _)| crate::workloads::is_remote(workload))
        {
            let _ = writeln!(out, "{REMOTE_NOTE}");
        }
        out
    }

    /// One JSON object per line, per workload and system (medians over the rounds).
    pub fn json_lines(&self) -> String {
        let mut out = String::new();
        for (workload, system) in self.pairs() {
            let Summary { median: m, ratio } = self.summary(workload, system);
            let _ = write!(
                out,
                "{{\"system\":\"{}\",\"workload\":\"{}\",\"ns_per_op\":{:.3},\"ops\":{},\"rounds\":{}",
                m.system,
                m.workload,
                m.ns_per_op,
                m.ops,
                self.rounds()
            );
            if let (Some(p50), Some(p99)) = (m.p50_ns, m.p99_ns) {
                let _ = write!(out, ",\"p50_ns\":{p50:.1},\"p99_ns\":{p99:.1}");
            }
            if let Some(b) = m.bytes {
                let _ = write!(out, ",\"bytes\":{b:.1}");
            }
            if let Some(f) = m.fairness {
                let _ = write!(out, ",\"fairness\":{f:.3}");
            }
            if let Some((mid, low, high)) = ratio {
                let _ = write!(
                    out,
                    ",\"x_tokio\":{mid:.3},\"x_tokio_min\":{low:.3},\"x_tokio_max\":{high:.3}"
                );
            }
            if let (Some(allocs), Some(bytes)) = (m.allocs_per_op, m.alloc_bytes_per_op) {
                let _ = write!(
                    out,
                    ",\"allocs_per_op\":{allocs:.3},\"alloc_bytes_per_op\":{bytes:.1}"
                );
            }
            out.push_str("}\n");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(system: &'static str, ns: f64) -> Measurement {
        Measurement {
            system,
            workload: "tell",
            ns_per_op: ns,
            ops: 10,
            ..Default::default()
        }
    }

    #[test]
    fn ratios_are_taken_round_by_round_and_summarised_by_their_median() {
        let mut report = Report::default();
        for (round, (tokio, ours)) in [(100.0, 120.0), (200.0, 220.0), (50.0, 100.0)]
            .into_iter()
            .enumerate()
        {
            report.push(round, m("tokio", tokio));
            report.push(round, m("actor_system", ours));
        }
        let s = report.summary("tell", "actor_system");
        assert_eq!(s.median.ns_per_op, 120.0);
        let (mid, low, high) = s.ratio.unwrap();
        assert_eq!((mid, low, high), (1.2, 1.1, 2.0));
        let table = report.table();
        assert!(table.contains("medians of 3 rounds"), "{table}");
        assert!(table.contains("1.20  1.10-2.00"), "{table}");
        let json = report.json_lines();
        assert!(json.contains("\"x_tokio\":1.200"), "{json}");
        assert!(json.contains("\"rounds\":3"), "{json}");
    }

    #[test]
    fn a_measurement_survives_the_trip_from_a_child_process() {
        let timed = m("tokio", 61.25);
        let latencies = Measurement {
            workload: "priority",
            p50_ns: Some(152_900.5),
            p99_ns: Some(215_200.0),
            ..m("actor_system", 427.5)
        };
        let memory = Measurement {
            workload: "memory",
            bytes: Some(970.25),
            ..m("actix", 0.0)
        };
        let counted = Measurement {
            allocs_per_op: Some(2.0),
            alloc_bytes_per_op: Some(80.5),
            ..m("kameo", 500.0)
        };
        let fair = Measurement {
            workload: "ask_concurrent",
            fairness: Some(0.875),
            ..m("ractor", 150.0)
        };
        for sent in [timed, latencies, memory, counted, fair] {
            let line = sent.to_line();
            let got = Measurement::from_line(sent.system, sent.workload, &line).expect(&line);
            assert_eq!(format!("{got:?}"), format!("{sent:?}"));
        }
        assert!(Measurement::from_line("tokio", "tell", "12.5 10 - - - - -").is_none());
        assert!(Measurement::from_line("tokio", "tell", "fast 10 - - - - - -").is_none());
    }

    #[test]
    fn allocation_counts_join_the_timed_rows_without_changing_their_medians() {
        let mut report = Report::default();
        report.push(0, m("tokio", 100.0));
        report.push(0, m("actor_system", 120.0));
        report.push_allocations(&Measurement {
            allocs_per_op: Some(2.0),
            alloc_bytes_per_op: Some(80.0),
            ..m("actor_system", 999.0)
        });
        let s = report.summary("tell", "actor_system");
        assert_eq!(
            s.median.ns_per_op, 120.0,
            "the counting run's time is not used"
        );
        assert_eq!(s.median.allocs_per_op, Some(2.0));
        let table = report.table();
        assert!(table.contains("allocs/op"), "{table}");
        assert!(table.contains("2.00"), "{table}");
        let json = report.json_lines();
        assert!(
            json.contains("\"allocs_per_op\":2.000,\"alloc_bytes_per_op\":80.0"),
            "{json}"
        );
        assert!(
            !json.lines().next().unwrap().contains("allocs_per_op"),
            "tokio was not counted"
        );
    }

    #[test]
    fn memory_workloads_compare_bytes_per_actor() {
        let mut report = Report::default();
        for (system, bytes) in [("tokio", 1500.0), ("actor_system", 3000.0)] {
            report.push(
                0,
                Measurement {
                    workload: "memory_used",
                    bytes: Some(bytes),
                    ..m(system, 0.0)
                },
            );
        }
        let s = report.summary("memory_used", "actor_system");
        assert_eq!(s.ratio.map(|r| r.0), Some(2.0));
        assert!(report.table().contains("3000 bytes/actor"));
    }

    #[test]
    fn fairness_goes_in_the_extra_column_and_the_json() {
        let mut report = Report::default();
        for (system, fairness) in [("tokio", 0.96), ("actor_system", 0.5)] {
            report.push(
                0,
                Measurement {
                    workload: "ask_concurrent",
                    fairness: Some(fairness),
                    ..m(system, 100.0)
                },
            );
        }
        let table = report.table();
        assert!(
            table.contains("fairness 0.50 (slowest/fastest task)"),
            "{table}"
        );
        let json = report.json_lines();
        assert!(json.contains("\"fairness\":0.960"), "{json}");
        assert_eq!(
            report.ratios(),
            vec![Ratio {
                workload: "ask_concurrent",
                system: "actor_system",
                ratio: 1.0,
                fairness: Some(0.5),
            }]
        );
    }

    #[test]
    fn remote_rows_say_what_their_baselines_are_and_are_not_drawn_as_systems() {
        let mut report = Report::default();
        for (system, ns) in [
            ("tokio", 60_000.0),
            ("floor_batched", 60.0),
            ("actor_system", 600.0),
        ] {
            report.push(
                0,
                Measurement {
                    workload: "remote_tell",
                    ..m(system, ns)
                },
            );
        }
        let table = report.table();
        assert!(table.contains("the tokio row is the floor"), "{table}");
        let drawn: Vec<_> = report.ratios().iter().map(|r| r.system).collect();
        assert_eq!(drawn, ["actor_system"]);
        assert!(!Report::default().table().contains("floor"));
    }

    #[test]
    fn medians_of_an_even_count_average_the_middle_two() {
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(vec![]), 0.0);
    }
}
