//! The results table and JSON lines.

use std::fmt::Write;

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
}

#[derive(Default)]
pub struct Report {
    rows: Vec<Measurement>,
}

impl Report {
    pub fn push(&mut self, m: Measurement) {
        self.rows.push(m);
    }

    fn baseline(&self, workload: &str) -> Option<&Measurement> {
        self.rows
            .iter()
            .find(|m| m.workload == workload && m.system == "tokio")
    }

    /// `workload x system` with ns/op, ops/s and the ratio to raw tokio.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<9} {:<13} {:>12} {:>14} {:>9}  extra",
            "workload", "system", "ns/op", "ops/s", "x tokio"
        );
        for m in &self.rows {
            let base = self.baseline(m.workload);
            let (value, base_value) = match (m.workload, base) {
                ("priority", Some(b)) => (m.p99_ns.unwrap_or(0.0), b.p99_ns.unwrap_or(0.0)),
                ("memory", Some(b)) => (m.bytes.unwrap_or(0.0), b.bytes.unwrap_or(0.0)),
                (_, Some(b)) => (m.ns_per_op, b.ns_per_op),
                _ => (m.ns_per_op, 0.0),
            };
            let ratio = if base_value > 0.0 {
                format!("{:.2}", value / base_value)
            } else {
                "-".into()
            };
            let ops_s = if m.ns_per_op > 0.0 {
                1e9 / m.ns_per_op
            } else {
                0.0
            };
            let extra = match (m.p50_ns, m.p99_ns, m.bytes) {
                (Some(p50), Some(p99), _) => {
                    format!("critical p50 {:.1} us, p99 {:.1} us", p50 / 1e3, p99 / 1e3)
                }
                (_, _, Some(b)) => format!("{b:.0} bytes/actor"),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "{:<9} {:<13} {:>12.1} {:>14.0} {:>9}  {}",
                m.workload, m.system, m.ns_per_op, ops_s, ratio, extra
            );
        }
        out
    }

    /// One JSON object per line.
    pub fn json_lines(&self) -> String {
        let mut out = String::new();
        for m in &self.rows {
            let _ = write!(
                out,
                "{{\"system\":\"{}\",\"workload\":\"{}\",\"ns_per_op\":{:.3},\"ops\":{}",
                m.system, m.workload, m.ns_per_op, m.ops
            );
            if let (Some(p50), Some(p99)) = (m.p50_ns, m.p99_ns) {
                let _ = write!(out, ",\"p50_ns\":{p50:.1},\"p99_ns\":{p99:.1}");
            }
            if let Some(b) = m.bytes {
                let _ = write!(out, ",\"bytes\":{b:.1}");
            }
            out.push_str("}\n");
        }
        out
    }
}
