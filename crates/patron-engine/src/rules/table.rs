//! Batch scoring: every customer of a fact set as of a time, in parallel over contiguous chunks
//! of customers (`std::thread::scope`). Each chunk's results are appended in customer order, so
//! the output is identical for any number of threads.

use super::ledger::LedgerEntry;
use super::points::Points;
use super::ruleset::RuleSet;
use super::stage::Transition;
use super::timeline::{Scratch, score_customer};
use super::trigger::{OutboxEntry, OutboxMessage};
use super::view::{Binding, View, rows_of};
use patron_core::Timestamp;
use patron_core::facts::Facts;
use std::ops::Range;

/// Results of customers, flat (struct of arrays with per-customer offsets).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Builder {
    pub(crate) values: Vec<Points>,
    pub(crate) ledger: Vec<LedgerEntry>,
    pub(crate) ledger_offsets: Vec<usize>,
    pub(crate) levels: Vec<Option<u32>>,
    pub(crate) transitions: Vec<Transition>,
    pub(crate) transition_offsets: Vec<usize>,
    pub(crate) outbox: Vec<OutboxEntry>,
    pub(crate) outbox_offsets: Vec<usize>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            values: Vec::new(),
            ledger: Vec::new(),
            ledger_offsets: vec![0],
            levels: Vec::new(),
            transitions: Vec::new(),
            transition_offsets: vec![0],
            outbox: Vec::new(),
            outbox_offsets: vec![0],
        }
    }
}

impl Builder {
    /// Closes the current customer's lists.
    pub(crate) fn end_customer(&mut self) {
        self.ledger_offsets.push(self.ledger.len());
        self.transition_offsets.push(self.transitions.len());
        self.outbox_offsets.push(self.outbox.len());
    }

    /// Number of customers.
    fn len(&self) -> usize {
        self.ledger_offsets.len() - 1
    }
}

/// One customer's results.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerScores {
    /// Score values by score index.
    pub values: Vec<Points>,
    /// Ledger entries, by score, then rule, then time; per score they add up to its value.
    pub ledger: Vec<LedgerEntry>,
    /// Stage levels as of the run, by stage index.
    pub levels: Vec<Option<u32>>,
    /// Stage transitions over the history, in time order.
    pub transitions: Vec<Transition>,
    /// Trigger firings over the history, in time order.
    pub outbox: Vec<OutboxEntry>,
}

/// Scores, ledgers, stages and outbox of every customer of a fact set as of a time.
///
/// The results stay in the contiguous parts the threads produced (concatenating gigabytes of
/// ledger would cost seconds for nothing); every accessor takes a customer index.
#[derive(Debug, Clone)]
pub struct ScoreTable {
    as_of: Timestamp,
    version: String,
    scores: usize,
    stages: usize,
    /// First customer of each part.
    starts: Vec<usize>,
    parts: Vec<Builder>,
}

impl PartialEq for ScoreTable {
    /// Equal results, however they are split into parts.
    fn eq(&self, other: &Self) -> bool {
        (self.as_of, &self.version, self.len()) == (other.as_of, &other.version, other.len())
            && (0..self.len()).all(|c| self.customer(c) == other.customer(c))
    }
}

impl ScoreTable {
    /// The part holding `customer` and the customer's index in it.
    fn locate(&self, customer: usize) -> (&Builder, usize) {
        let part = self
            .starts
            .partition_point(|&s| s <= customer)
            .saturating_sub(1);
        (&self.parts[part], customer - self.starts[part])
    }
    /// The time the scores are as of.
    pub fn as_of(&self) -> Timestamp {
        self.as_of
    }
    /// The rule-set version that produced them.
    pub fn version(&self) -> &str {
        &self.version
    }
    /// Number of customers.
    pub fn len(&self) -> usize {
        self.parts.iter().map(Builder::len).sum()
    }
    /// True when there are no customers.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// A customer's score values, by score index.
    pub fn values(&self, customer: usize) -> &[Points] {
        let (part, c) = self.locate(customer);
        &part.values[c * self.scores..(c + 1) * self.scores]
    }
    /// One score of one customer.
    pub fn value(&self, customer: usize, score: usize) -> Points {
        self.values(customer)[score]
    }
    /// A customer's ledger.
    pub fn ledger(&self, customer: usize) -> &[LedgerEntry] {
        let (part, c) = self.locate(customer);
        &part.ledger[rows_of(&part.ledger_offsets, c)]
    }
    /// A customer's levels as of the run, by stage index.
    pub fn levels(&self, customer: usize) -> &[Option<u32>] {
        let (part, c) = self.locate(customer);
        &part.levels[c * self.stages..(c + 1) * self.stages]
    }
    /// A customer's level of a stage as of the run.
    pub fn level(&self, customer: usize, stage: usize) -> Option<u32> {
        self.levels(customer)[stage]
    }
    /// A customer's stage transitions.
    pub fn transitions(&self, customer: usize) -> &[Transition] {
        let (part, c) = self.locate(customer);
        &part.transitions[rows_of(&part.transition_offsets, c)]
    }
    /// A customer's outbox entries.
    pub fn outbox(&self, customer: usize) -> &[OutboxEntry] {
        let (part, c) = self.locate(customer);
        &part.outbox[rows_of(&part.outbox_offsets, c)]
    }
    /// All outbox entries, by customer, then time.
    pub fn all_outbox(&self) -> impl Iterator<Item = &OutboxEntry> {
        self.parts.iter().flat_map(|p| &p.outbox)
    }
    /// Total number of ledger entries.
    pub fn ledger_len(&self) -> usize {
        self.parts.iter().map(|p| p.ledger.len()).sum()
    }
    /// Total number of transitions.
    pub fn transitions_len(&self) -> usize {
        self.parts.iter().map(|p| p.transitions.len()).sum()
    }
    /// A copy of one customer's results.
    pub fn customer(&self, customer: usize) -> CustomerScores {
        CustomerScores {
            values: self.values(customer).to_vec(),
            ledger: self.ledger(customer).to_vec(),
            levels: self.levels(customer).to_vec(),
            transitions: self.transitions(customer).to_vec(),
            outbox: self.outbox(customer).to_vec(),
        }
    }
}

/// The number of threads batch scoring uses by default: the machine's available parallelism.
/// The results do not depend on it.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl RuleSet {
    /// Scores every customer of `facts` as of `as_of` (facts at or after `as_of` are ignored),
    /// on [`default_threads`] threads.
    pub fn score_all(&self, facts: &Facts, as_of: Timestamp) -> ScoreTable {
        self.score_all_threads(facts, as_of, default_threads())
    }

    /// [`RuleSet::score_all`] on `threads` threads (at least one).
    pub fn score_all_threads(&self, facts: &Facts, as_of: Timestamp, threads: usize) -> ScoreTable {
        self.score_customers(facts, 0..facts.customers.len(), as_of, threads)
    }

    /// Scores the customers `range` of `facts` as of `as_of` on `threads` threads (at least
    /// one), for working through a large fact set in batches. The table's customer `i` is the
    /// fact set's customer `range.start + i` (outbox entries keep the fact-set index); every row
    /// equals that customer's row of [`RuleSet::score_all`].
    pub fn score_customers(
        &self,
        facts: &Facts,
        range: Range<usize>,
        as_of: Timestamp,
        threads: usize,
    ) -> ScoreTable {
        let range = range.start.min(facts.customers.len())..range.end.min(facts.customers.len());
        let bind = Binding::new(self, facts);
        let chunks = chunks(facts, range.clone(), threads.max(1));
        let parts = if chunks.len() <= 1 {
            vec![self.score_range(facts, &bind, range.clone(), as_of)]
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = chunks
                    .iter()
                    .map(|range| {
                        let bind = &bind;
                        scope.spawn(move || self.score_range(facts, bind, range.clone(), as_of))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                    .collect()
            })
        };
        ScoreTable {
            as_of,
            version: self.version.clone(),
            scores: self.scores.len(),
            stages: self.stages.len(),
            starts: if chunks.len() <= 1 {
                vec![0]
            } else {
                chunks.iter().map(|r| r.start - range.start).collect()
            },
            parts,
        }
    }

    /// Scores one customer (by index in `facts`) as of `as_of`; equal to that customer's row
    /// of [`RuleSet::score_all`].
    pub fn score_customer(
        &self,
        facts: &Facts,
        customer: usize,
        as_of: Timestamp,
    ) -> CustomerScores {
        let bind = Binding::new(self, facts);
        let data = self.score_range(facts, &bind, customer..customer + 1, as_of);
        let table = ScoreTable {
            as_of,
            version: self.version.clone(),
            scores: self.scores.len(),
            stages: self.stages.len(),
            starts: vec![0],
            parts: vec![data],
        };
        table.customer(0)
    }

    fn score_range(
        &self,
        facts: &Facts,
        bind: &Binding,
        range: Range<usize>,
        as_of: Timestamp,
    ) -> Builder {
        let mut scratch = Scratch::default();
        let mut out = Builder::default();
        // About one ledger entry per fact: reserving once avoids copying a growing vector.
        let facts_in_range = |offsets: &[usize]| {
            let last = rows_of(offsets, range.end.saturating_sub(1)).end;
            last.saturating_sub(rows_of(offsets, range.start).start)
        };
        if !range.is_empty() {
            let rows =
                facts_in_range(&facts.events.offsets) + facts_in_range(&facts.orders.offsets);
            out.ledger.reserve(rows);
            out.values.reserve(range.len() * self.scores.len());
        }
        for c in range {
            let view = View::new(facts, bind, c);
            score_customer(self, &view, as_of.secs(), &mut scratch, &mut out);
        }
        out
    }

    /// Names for an outbox entry (`facts` must be the fact set it was computed from).
    pub fn outbox_message(&self, facts: &Facts, entry: &OutboxEntry) -> OutboxMessage {
        OutboxMessage {
            trigger: self.trigger_name(entry.trigger).to_owned(),
            customer: facts
                .customers
                .ids
                .get(entry.customer as usize)
                .map_or_else(String::new, |id| id.to_string()),
            at: entry.at,
            action: self.trigger_action(entry.trigger).to_owned(),
            occurrence: entry.occurrence,
        }
    }
}

/// Splits the customers `range` into up to `threads` contiguous ranges of about equal work
/// (events plus order lines), so one thread does not get all the heavy customers.
fn chunks(facts: &Facts, range: Range<usize>, threads: usize) -> Vec<Range<usize>> {
    let (first, n) = (range.start, range.end);
    let work = |c: usize| {
        facts.events.offsets.get(c).copied().unwrap_or(0)
            + facts.orders.offsets.get(c).copied().unwrap_or(0)
            + c
    };
    let (base, total) = (work(first), work(n) - work(first));
    let mut bounds = vec![first];
    for k in 1..threads {
        let target = base + total * k / threads;
        let (mut lo, mut hi) = (first, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if work(mid) < target {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let cut = lo;
        if cut > *bounds.last().unwrap_or(&first) && cut < n {
            bounds.push(cut);
        }
    }
    bounds.push(n);
    bounds.windows(2).map(|w| w[0]..w[1]).collect()
}
