//! Prometheus metrics, kept in memory and rendered in the text format at `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0,
];

#[derive(Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.counts[i] += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, count) in BUCKETS.iter().zip(self.counts) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", self.sum);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", self.count);
    }
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<(String, String), Histogram>,
    ingested: BTreeMap<(String, &'static str), u64>,
    live_card: Histogram,
    webhook_failures: u64,
}

/// The server's metrics.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.inner.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// A request to `route` (its template, never the concrete path: no ids in metrics).
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.with(|m| {
            *m.requests
                .entry((method.to_owned(), route.to_owned(), status))
                .or_default() += 1;
            m.latency
                .entry((method.to_owned(), route.to_owned()))
                .or_default()
                .observe(seconds);
        });
    }

    /// Facts of `entity` stored (`inserted`, `updated`, `unchanged`).
    pub fn ingested(&self, entity: &str, result: &'static str, n: u64) {
        if n > 0 {
            self.with(|m| *m.ingested.entry((entity.to_owned(), result)).or_default() += n);
        }
    }

    /// A live card computed in `seconds`.
    pub fn live_card(&self, seconds: f64) {
        self.with(|m| m.live_card.observe(seconds));
    }

    /// A webhook delivery that failed.
    pub fn webhook_failed(&self) {
        self.with(|m| m.webhook_failures += 1);
    }

    /// The text format; `gauges` are added as they are (name, help, value).
    pub fn render(&self, gauges: &[(&str, &str, f64)]) -> String {
        let mut out = String::new();
        self.with(|m| {
            out.push_str("# HELP patron_http_requests_total HTTP requests by route and status.\n# TYPE patron_http_requests_total counter\n");
            for ((method, route, status), n) in &m.requests {
                let _ = writeln!(
                    out,
                    "patron_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
            out.push_str("# HELP patron_http_request_duration_seconds Request latency by route.\n# TYPE patron_http_request_duration_seconds histogram\n");
            for ((method, route), h) in &m.latency {
                h.render(
                    &mut out,
                    "patron_http_request_duration_seconds",
                    &format!("method=\"{method}\",route=\"{route}\""),
                );
            }
            out.push_str("# HELP patron_ingested_total Facts received through the API, by entity and result.\n# TYPE patron_ingested_total counter\n");
            for ((entity, result), n) in &m.ingested {
                let _ = writeln!(
                    out,
                    "patron_ingested_total{{entity=\"{entity}\",result=\"{result}\"}} {n}"
                );
            }
            out.push_str("# HELP patron_live_card_duration_seconds Time to recompute one customer's live card.\n# TYPE patron_live_card_duration_seconds histogram\n");
            m.live_card
                .render(&mut out, "patron_live_card_duration_seconds", "");
            out.push_str("# HELP patron_webhook_failures_total Webhook deliveries that failed.\n# TYPE patron_webhook_failures_total counter\n");
            let _ = writeln!(out, "patron_webhook_failures_total {}", m.webhook_failures);
        });
        for (name, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        }
        out
    }
}
