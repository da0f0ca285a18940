//! [`BlockchainAwareActor`]: actors that know the chain's timing.

use crate::timing::{report_violation, time_operation};
use crate::{
    BlockchainActorPriority, BlockchainEvent, BlockchainTimingConstraints, Federation,
    FederationError, SigningOutcome, TimingViolation, ViolationPolicy,
};
use actor_system_runtime::{Actor, ActorError, ActorResult, Context};
use std::future::Future;

/// An actor that takes part in the chain: it declares its timing constraints and priority, and
/// handles chain events. Every event handling is timed against `max_consensus_latency`.
///
/// Implement it, then route [`BlockchainEvent`] messages to it with
/// [`impl_blockchain_handler!`](crate::impl_blockchain_handler). Its declared priority decides
/// the lane of every event sent to it without a lane of its own: a `Consensus` actor's events
/// travel `Critical`, ahead of its other work. An actor that keeps a [`Federation`] returns it
/// from [`federation`](Self::federation): `FederationChange` events then update it.
///
/// ```
/// use actor_system_blockchain::*;
/// use actor_system_runtime::{spawn, Actor, ActorResult, Context, Priority};
///
/// struct Chain { height: u64 }
/// impl Actor for Chain {}
/// impl BlockchainAwareActor for Chain {
///     const BLOCKCHAIN_PRIORITY: BlockchainActorPriority = BlockchainActorPriority::Consensus;
///     async fn handle_blockchain_event(&mut self, event: BlockchainEvent, _: &mut Context<Self>) -> ActorResult<()> {
///         if let Some(h) = event.height() { self.height = h; }
///         Ok(())
///     }
/// }
/// impl_blockchain_handler!(Chain);
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let chain = spawn(Chain { height: 0 }).await.unwrap();
/// let event = BlockchainEvent::BlockProduced { height: 5, hash: [0; 32] };
/// assert_eq!(chain.ask(event).await, Ok(Ok(())));
/// assert_eq!(chain.recipient::<BlockchainEvent>().priority(), Priority::Critical);
/// # }
/// ```
pub trait BlockchainAwareActor: Actor {
    /// How important this actor's chain traffic is: [`BlockchainActorPriority::lane`] of it is
    /// the lane of every [`BlockchainEvent`] sent to the actor without one of its own (through
    /// the `Handler` that [`impl_blockchain_handler!`](crate::impl_blockchain_handler) writes).
    /// A constant of the type, because a sender picks the lane before any instance runs.
    const BLOCKCHAIN_PRIORITY: BlockchainActorPriority;

    /// The timing this actor must meet (Alys defaults).
    fn timing_constraints(&self) -> BlockchainTimingConstraints {
        BlockchainTimingConstraints::default()
    }

    /// How important its traffic is: [`BLOCKCHAIN_PRIORITY`](Self::BLOCKCHAIN_PRIORITY). Lanes
    /// follow the constant, so there is nothing to gain in overriding this.
    fn blockchain_priority(&self) -> BlockchainActorPriority {
        Self::BLOCKCHAIN_PRIORITY
    }

    /// The federation this actor keeps, if any: [`dispatch_event`] applies every
    /// `FederationChange` to it before the handler sees the event, and
    /// [`collect_federation_signatures`](crate::collect_federation_signatures) signs with it
    /// within the constraints' `federation_timeout`.
    fn federation(&mut self) -> Option<&mut Federation> {
        None
    }

    /// What to do about a timing violation (default: count and log).
    fn violation_policy(&self) -> ViolationPolicy {
        ViolationPolicy::Log
    }

    /// Called for every timing violation (after it was counted and logged).
    fn on_timing_violation(&mut self, violation: &TimingViolation) {
        let _ = violation;
    }

    /// Handle a chain event. The default does nothing beyond what [`dispatch_event`] does
    /// before it (applying federation changes), for actors that only follow the federation.
    fn handle_blockchain_event(
        &mut self,
        event: BlockchainEvent,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ActorResult<()>> + Send {
        let _ = (event, ctx);
        async { Ok(()) }
    }
}

/// Handle `event` on `actor`, timed against its `max_consensus_latency`. This is what
/// [`impl_blockchain_handler!`](crate::impl_blockchain_handler) calls.
///
/// A `FederationChange` first updates the actor's [`federation`](BlockchainAwareActor::federation),
/// if it keeps one. An invalid change leaves the federation as it was, is logged and answered
/// with the error, and does not reach the handler.
pub async fn dispatch_event<A: BlockchainAwareActor>(
    actor: &mut A,
    event: BlockchainEvent,
    ctx: &mut Context<A>,
) -> ActorResult<()> {
    if let Some(federation) = actor.federation() {
        if let Err(refused) = federation.apply(&event) {
            tracing::warn!(target: "actor_system::blockchain", actor = %ctx.name(), "federation change refused: {refused}");
            metrics::counter!("blockchain_federation_changes_refused_total").increment(1);
            return Err(ActorError::recoverable(refused.to_string()));
        }
    }
    let limit = actor.timing_constraints().max_consensus_latency;
    let operation = format!("{} handling {:?}", ctx.name(), event.event_type());
    let (result, violation) =
        time_operation(&operation, limit, actor.handle_blockchain_event(event, ctx)).await;
    if let Some(v) = violation {
        report_violation(ctx, &v, actor.violation_policy());
        actor.on_timing_violation(&v);
    }
    result
}

/// Collect `actor`'s federation's signatures with `sign(member)`, within its constraints'
/// `federation_timeout`: [`Federation::collect_signatures`] for a
/// [`BlockchainAwareActor`] that keeps one (see [`federation`](BlockchainAwareActor::federation)).
///
/// ```
/// use actor_system_blockchain::*;
/// use actor_system_runtime::Actor;
/// use std::time::Duration;
///
/// struct Bridge { federation: Federation }
/// impl Actor for Bridge {}
/// impl BlockchainAwareActor for Bridge {
///     const BLOCKCHAIN_PRIORITY: BlockchainActorPriority = BlockchainActorPriority::Bridge;
///     fn timing_constraints(&self) -> BlockchainTimingConstraints {
///         BlockchainTimingConstraints { federation_timeout: Duration::from_millis(200), ..Default::default() }
///     }
///     fn federation(&mut self) -> Option<&mut Federation> { Some(&mut self.federation) }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let mut bridge = Bridge { federation: Federation::new(vec!["a".into(), "b".into()], 2).unwrap() };
/// let outcome = collect_federation_signatures(&mut bridge, |m| async move {
///     tokio::time::sleep(Duration::from_millis(300)).await; // slower than the 200 ms allowed
///     Ok::<_, ()>(m)
/// }).await.unwrap();
/// assert!(!outcome.threshold_met);
/// assert_eq!(outcome.elapsed, Duration::from_millis(200));
/// # }
/// ```
pub async fn collect_federation_signatures<A, S, E, F, Fut>(
    actor: &mut A,
    sign: F,
) -> Result<SigningOutcome<S>, FederationError>
where
    A: BlockchainAwareActor,
    S: Send + 'static,
    E: Send + 'static,
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<S, E>> + Send + 'static,
{
    let timeout = actor.timing_constraints().federation_timeout;
    let federation = actor.federation().ok_or(FederationError::NoFederation)?;
    Ok(federation.collect_signatures(timeout, sign).await)
}

/// A consensus-priority message: `Consensus(msg)` travels in the `Critical` lane and its handling
/// (the actor's `Handler<M>`) is timed against `max_consensus_latency`, like event handling.
/// Declare the message types with [`impl_blockchain_handler!`](crate::impl_blockchain_handler)'s
/// `consensus:` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consensus<M>(pub M);

impl<M: actor_system_runtime::Message> actor_system_runtime::Message for Consensus<M> {
    type Result = M::Result;
    const PRIORITY: actor_system_runtime::Priority = actor_system_runtime::Priority::Critical;
}

/// Handle a consensus message on `actor`, timed like [`dispatch_event`].
pub async fn dispatch_consensus<A, M>(actor: &mut A, msg: M, ctx: &mut Context<A>) -> M::Result
where
    A: BlockchainAwareActor + actor_system_runtime::Handler<M>,
    M: actor_system_runtime::Message,
{
    let limit = actor.timing_constraints().max_consensus_latency;
    let short = std::any::type_name::<M>()
        .rsplit("::")
        .next()
        .unwrap_or("message");
    let operation = format!("{} handling {short}", ctx.name());
    let (result, violation) = time_operation(&operation, limit, actor.handle(msg, ctx)).await;
    if let Some(v) = violation {
        report_violation(ctx, &v, actor.violation_policy());
        actor.on_timing_violation(&v);
    }
    result
}

/// Implements `Handler<BlockchainEvent>` for a [`BlockchainAwareActor`], routing events to
/// `handle_blockchain_event` with timing enforcement, in the lane of its declared
/// `BLOCKCHAIN_PRIORITY`; with `consensus: [M1, M2]`, also
/// `Handler<Consensus<M>>` for each listed message type (timed the same way).
#[macro_export]
macro_rules! impl_blockchain_handler {
    ($actor:ty; consensus: [$($msg:ty),* $(,)?]) => {
        $crate::impl_blockchain_handler!($actor);
        $(
            impl $crate::__runtime::Handler<$crate::Consensus<$msg>> for $actor {
                async fn handle(
                    &mut self,
                    msg: $crate::Consensus<$msg>,
                    ctx: &mut $crate::__runtime::Context<Self>,
                ) -> <$msg as $crate::__runtime::Message>::Result {
                    $crate::dispatch_consensus(self, msg.0, ctx).await
                }
            }
        )*
    };
    ($actor:ty) => {
        impl $crate::__runtime::Handler<$crate::BlockchainEvent> for $actor {
            const PRIORITY: $crate::__runtime::Priority =
                <$actor as $crate::BlockchainAwareActor>::BLOCKCHAIN_PRIORITY.lane();

            async fn handle(
                &mut self,
                event: $crate::BlockchainEvent,
                ctx: &mut $crate::__runtime::Context<Self>,
            ) -> $crate::__runtime::ActorResult<()> {
                $crate::dispatch_event(self, event, ctx).await
            }
        }
    };
}
