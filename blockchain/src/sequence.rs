//! Height order of one kind of block event: the decisions of the [`EventHub`](crate::EventHub),
//! without its locks, tasks or subscribers (the clock is passed in).

use crate::BlockchainEvent;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

/// How the heights of one event kind follow each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rule {
    /// Every height comes (`BlockProduced`): an event above a missing height waits for it.
    Contiguous,
    /// Heights only grow, with gaps (`BlockFinalized`): nothing waits.
    Increasing,
}

/// What one step of a [`HeightOrder`] decided.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Step {
    /// Events to deliver now, in this order.
    pub ready: Vec<BlockchainEvent>,
    /// Events that started waiting for a missing lower height.
    pub held: usize,
    /// Events below a height already delivered: delivered anyway, and counted.
    pub late: usize,
    /// Missing ranges of heights given up on: what was waiting above them is delivered.
    pub gaps: usize,
}

/// The order of one event kind: the highest height delivered, and the events waiting above a
/// missing one (each with the instant it arrived).
#[derive(Debug)]
pub(crate) struct HeightOrder {
    rule: Rule,
    last: Option<u64>,
    held: BTreeMap<u64, (Instant, Vec<BlockchainEvent>)>,
    held_count: usize,
}

impl HeightOrder {
    pub(crate) fn new(rule: Rule) -> Self {
        HeightOrder {
            rule,
            last: None,
            held: BTreeMap::new(),
            held_count: 0,
        }
    }

    /// Events waiting for a missing lower height.
    pub(crate) fn held(&self) -> usize {
        self.held_count
    }

    /// Take `event` at `height`, arrived at `now`; at most `max_held` events wait at once (beyond
    /// that the lowest gap is given up at once).
    pub(crate) fn accept(
        &mut self,
        height: u64,
        event: BlockchainEvent,
        now: Instant,
        max_held: usize,
        step: &mut Step,
    ) {
        match self.last {
            // A reorg (same height) or a late event: delivered in place; a late one is counted.
            Some(last) if height <= last => {
                if height < last {
                    tracing::warn!(
                        target: "actor_system::blockchain",
                        height,
                        last,
                        "{:?} at height {height} is late (height {last} was delivered): delivering it",
                        event.event_type()
                    );
                    metrics::counter!("blockchain_events_late_total").increment(1);
                    step.late += 1;
                }
                step.ready.push(event);
            }
            Some(last) if self.rule == Rule::Contiguous && height > last + 1 => {
                let (_, waiting) = self.held.entry(height).or_insert_with(|| (now, Vec::new()));
                waiting.push(event);
                self.held_count += 1;
                step.held += 1;
                while self.held_count > max_held {
                    self.skip_gap(step);
                }
            }
            _ => {
                step.ready.push(event);
                self.last = Some(height);
                self.release_contiguous(step);
            }
        }
    }

    /// When the oldest waiting event will have waited `timeout`.
    pub(crate) fn deadline(&self, timeout: Duration) -> Option<Instant> {
        self.held.values().map(|(since, _)| *since + timeout).min()
    }

    /// Give up every gap below an event that has waited `timeout` by `now`.
    pub(crate) fn expire(&mut self, now: Instant, timeout: Duration, step: &mut Step) {
        while self.deadline(timeout).is_some_and(|due| due <= now) {
            self.skip_gap(step);
        }
    }

    /// Give up the lowest missing range: deliver from the lowest waiting height on.
    fn skip_gap(&mut self, step: &mut Step) {
        if let Some((&lowest, _)) = self.held.first_key_value() {
            tracing::warn!(
                target: "actor_system::blockchain",
                missing_from = self.last.map_or(0, |h| h + 1),
                missing_to = lowest - 1,
                "gave up waiting for missing block heights: delivering from height {lowest}"
            );
            metrics::counter!("blockchain_event_gaps_total").increment(1);
            step.gaps += 1;
            self.last = Some(lowest - 1);
            self.release_contiguous(step);
        }
    }

    /// Deliver what waits right above the last height delivered, as far as it is contiguous.
    fn release_contiguous(&mut self, step: &mut Step) {
        while let Some(next) = self.last.map(|h| h + 1) {
            let Some((_, events)) = self.held.remove(&next) else {
                return;
            };
            self.held_count -= events.len();
            step.ready.extend(events);
            self.last = Some(next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(height: u64, tag: u8) -> BlockchainEvent {
        BlockchainEvent::BlockProduced {
            height,
            hash: [tag; 32],
        }
    }

    fn heights(step: &Step) -> Vec<u64> {
        step.ready.iter().filter_map(|e| e.height()).collect()
    }

    #[test]
    fn expiry_gives_up_only_the_gaps_below_events_that_waited_long_enough() {
        let t0 = Instant::now();
        let timeout = Duration::from_millis(100);
        let mut order = HeightOrder::new(Rule::Contiguous);
        let mut step = Step::default();
        order.accept(1, block(1, 0), t0, 64, &mut step);
        order.accept(3, block(3, 0), t0, 64, &mut step);
        order.accept(
            6,
            block(6, 0),
            t0 + Duration::from_millis(50),
            64,
            &mut step,
        );
        assert_eq!((heights(&step), step.held), (vec![1], 2));
        assert_eq!(order.deadline(timeout), Some(t0 + timeout));

        let mut step = Step::default();
        order.expire(t0 + timeout, timeout, &mut step);
        assert_eq!((heights(&step), step.gaps), (vec![3], 1), "6 waits on");
        assert_eq!(
            order.deadline(timeout),
            Some(t0 + Duration::from_millis(150))
        );

        let mut step = Step::default();
        order.accept(2, block(2, 0), t0 + timeout, 64, &mut step);
        order.accept(4, block(4, 0), t0 + timeout, 64, &mut step);
        assert_eq!((heights(&step), step.late), (vec![2, 4], 1));
    }

    #[test]
    fn the_bound_on_waiting_events_gives_up_the_lowest_gap() {
        let t0 = Instant::now();
        let mut order = HeightOrder::new(Rule::Contiguous);
        let mut step = Step::default();
        order.accept(1, block(1, 0), t0, 2, &mut step);
        for h in [3, 4, 6] {
            order.accept(h, block(h, 0), t0, 2, &mut step);
        }
        assert_eq!(
            (heights(&step), step.gaps, order.held()),
            (vec![1, 3, 4], 1, 1)
        );
    }

    #[test]
    fn reorgs_wait_with_their_height_and_increasing_kinds_never_wait() {
        let t0 = Instant::now();
        let mut order = HeightOrder::new(Rule::Contiguous);
        let mut step = Step::default();
        for (h, tag) in [(1, 0), (3, 0), (3, 1), (2, 0), (3, 2)] {
            order.accept(h, block(h, tag), t0, 64, &mut step);
        }
        let tags: Vec<_> = step
            .ready
            .iter()
            .map(|e| match e {
                BlockchainEvent::BlockProduced { height, hash } => (*height, hash[0]),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(tags, [(1, 0), (2, 0), (3, 0), (3, 1), (3, 2)]);
        assert_eq!(step.late, 0);

        let mut order = HeightOrder::new(Rule::Increasing);
        let mut step = Step::default();
        for h in [10, 20, 15] {
            order.accept(h, block(h, 0), t0, 64, &mut step);
        }
        assert_eq!(
            (heights(&step), step.held, step.late),
            (vec![10, 20, 15], 0, 1)
        );
    }
}
