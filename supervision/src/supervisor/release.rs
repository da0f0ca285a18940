//! Releasing children that wait to be restarted: when their delay is over, their dependencies
//! run (and answer healthy, where asked) and their group lets them. Nothing here polls: the
//! supervisor re-examines the waiting children when a child's state changes (it is told), when
//! a health check answers, and at the earliest deadline (one timer, its alarm).

use super::record::{Health, Phase, Waiting};
use super::{DependencyChecked, Supervisor, TARGET};
use crate::events::SupervisionEvent;
use crate::protocol::{Decision, Go, Run};
use actor_system_runtime::{ActorId, Context};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::time::Instant;

impl Supervisor {
    /// Child `i` is down and restarts not before `ready_at`: answer its task. A child with
    /// nothing to wait for (no delay, no dependency, no group) restarts at once, without a
    /// timer; any other waits for its release.
    pub(super) fn wait(&mut self, i: usize, decide: oneshot::Sender<Decision>, ready_at: Instant) {
        let now = Instant::now();
        let slot = &mut self.slots[i];
        let free = ready_at <= now
            && slot.child.settings().depends_on.is_empty()
            && !self.group.contains(&slot.child.id());
        if free {
            slot.phase = Phase::Starting;
            let _ = decide.send(Decision::Restart(None));
            return;
        }
        let (go, release) = oneshot::channel();
        slot.phase = Phase::Waiting(Waiting {
            go,
            ready_at,
            since: now,
        });
        let _ = decide.send(Decision::Restart(Some(release)));
    }

    /// Release what may go now, act on overdue stops, and set the alarm for what comes next.
    pub(super) fn release_ready(&mut self, ctx: &mut Context<Self>) {
        let now = Instant::now();
        self.enforce_stops(now);
        self.release_group(ctx, now);
        for i in 0..self.slots.len() {
            let id = self.slots[i].child.id();
            if !self.group.contains(&id) && self.may_go(ctx, i, now) {
                self.release(i);
            }
        }
        self.arm_alarm(ctx, now);
    }

    /// Release the group's first waiting member (in start order) once none of its members is
    /// still stopping or starting; the group is over when all of them run again.
    fn release_group(&mut self, ctx: &mut Context<Self>, now: Instant) {
        if self.group.is_empty() {
            return;
        }
        let mut next = None;
        for (i, slot) in self.slots.iter().enumerate() {
            if !self.group.contains(&slot.child.id()) {
                continue;
            }
            match slot.phase {
                Phase::Stopping(_) | Phase::Starting => return,
                Phase::Waiting(_) if next.is_none() => next = Some(i),
                _ => {}
            }
        }
        match next {
            None => self.group.clear(),
            Some(i) => {
                if self.may_go(ctx, i, now) {
                    self.release(i);
                }
            }
        }
    }

    /// Whether waiting child `i` may restart now (asking its dependencies' health if needed).
    fn may_go(&mut self, ctx: &mut Context<Self>, i: usize, now: Instant) -> bool {
        let Phase::Waiting(waiting) = &self.slots[i].phase else {
            return false;
        };
        let (ready_at, since) = (waiting.ready_at, waiting.since);
        ready_at <= now && self.dependencies_ready(ctx, i, since, now)
    }

    /// Whether child `i`'s dependencies run (and answered healthy where it asks for that), or
    /// it has waited for them long enough. A dependency that ended for good is not waited for.
    fn dependencies_ready(
        &mut self,
        ctx: &mut Context<Self>,
        i: usize,
        since: Instant,
        now: Instant,
    ) -> bool {
        let child = self.slots[i].child.clone();
        let settings = child.settings();
        if settings.depends_on.is_empty() {
            return true;
        }
        if now >= since + settings.dependency_timeout {
            let timeout = settings.dependency_timeout;
            tracing::warn!(target: TARGET, child = %child.name(), ?timeout, "restarting '{}' although its dependencies are not ready after {timeout:?}", child.name());
            return true;
        }
        let mut ready = true;
        for dep in &settings.depends_on {
            let Some(d) = self.find_name(dep) else {
                continue;
            };
            if !matches!(self.slots[d].phase, Phase::Running { .. }) {
                ready = false;
                continue;
            }
            let Some(timeout) = settings.dependency_health else {
                continue;
            };
            match self.slots[d].health {
                Health::Healthy(at) if now - at < timeout => {}
                Health::Checking => ready = false,
                Health::Unhealthy(again) if again > now => ready = false,
                Health::Healthy(_) | Health::Unhealthy(_) | Health::Unknown => {
                    self.check_health(ctx, d, timeout);
                    ready = false;
                }
            }
        }
        ready
    }

    /// Ask child `d`'s health check; the answer comes back as [`DependencyChecked`].
    fn check_health(&mut self, ctx: &mut Context<Self>, d: usize, timeout: Duration) {
        let slot = &mut self.slots[d];
        let Some(run) = slot.task.as_ref().map(|t| t.run) else {
            return;
        };
        slot.health = Health::Checking;
        let probe = slot.child.health_check(timeout);
        let id = slot.child.id();
        let me = ctx.address();
        while self.checks.try_join_next().is_some() {}
        self.checks.spawn(async move {
            let healthy = probe.await;
            let _ = me.tell(DependencyChecked {
                id,
                run,
                healthy,
                timeout,
            });
        });
    }

    /// A dependency's health check answered.
    pub(super) fn on_checked(&mut self, ctx: &mut Context<Self>, checked: DependencyChecked) {
        let Some(d) = self.find(checked.id) else {
            return;
        };
        if !self.slots[d].runs(checked.run) || self.slots[d].health != Health::Checking {
            return;
        }
        let now = Instant::now();
        self.slots[d].health = if checked.healthy {
            Health::Healthy(now)
        } else {
            Health::Unhealthy(now + checked.timeout)
        };
        self.release_ready(ctx);
    }

    /// Let waiting child `i`'s task run its new incarnation.
    fn release(&mut self, i: usize) {
        let slot = &mut self.slots[i];
        if let Phase::Waiting(waiting) = std::mem::replace(&mut slot.phase, Phase::Starting) {
            let _ = waiting.go.send(Go::Run);
        }
    }

    /// A restarted incarnation of child `id` has started.
    pub(super) fn on_started(&mut self, ctx: &mut Context<Self>, id: ActorId, run: Run) {
        let Some(i) = self.find(id) else {
            return;
        };
        let slot = &mut self.slots[i];
        if !slot.runs(run) || !matches!(slot.phase, Phase::Starting) {
            return; // an earlier run's report, or the supervisor asked it to stop meanwhile
        }
        slot.phase = Phase::Running {
            since: Instant::now(),
        };
        slot.health = Health::Unknown;
        let (child, restarts) = (slot.child.name().to_owned(), slot.child.restarts());
        self.publish(SupervisionEvent::ActorStarted {
            supervisor: self.name().to_owned(),
            child,
            restarts,
        });
        self.release_ready(ctx);
    }

    /// Make sure the alarm goes off by the earliest deadline still to come.
    fn arm_alarm(&mut self, ctx: &mut Context<Self>, now: Instant) {
        let next = self
            .slots
            .iter()
            .flat_map(|slot| {
                let deadlines = match &slot.phase {
                    Phase::Waiting(w) => {
                        let settings = slot.child.settings();
                        let deps = (!settings.depends_on.is_empty())
                            .then(|| w.since + settings.dependency_timeout);
                        [Some(w.ready_at), deps]
                    }
                    Phase::Stopping(stop) => [stop.deadline, None],
                    _ => [None, None],
                };
                let again = match slot.health {
                    Health::Unhealthy(at) => Some(at),
                    _ => None,
                };
                deadlines.into_iter().chain([again]).flatten()
            })
            .filter(|&t| t > now)
            .min();
        let Some(next) = next else {
            return;
        };
        if self.alarm.as_ref().is_some_and(|(at, _)| *at <= next) {
            return;
        }
        if let Some((_, earlier)) = self.alarm.take() {
            earlier.cancel();
        }
        let timer = ctx.run_later(next - now, |sup, ctx| {
            sup.alarm = None;
            sup.release_ready(ctx);
        });
        self.alarm = Some((next, timer));
    }
}
