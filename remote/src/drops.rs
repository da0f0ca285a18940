//! Messages that will not reach their peer: counted per peer, published to dead letters with
//! the reason, and, for an ask, answered with the error.

use crate::metrics::PeerMetrics;
use crate::outbound::{Item, OutLetter};
use crate::RemoteError;
use actor_system_runtime::{DeadLetter, DeadLetters, DropReason};
use std::sync::atomic::Ordering::Relaxed;

/// Count `letter` as dropped and publish it.
pub(crate) fn dead_letter(
    sink: &DeadLetters,
    metrics: &PeerMetrics,
    letter: &OutLetter,
    reason: DropReason,
) {
    metrics.dropped.fetch_add(1, Relaxed);
    tracing::debug!(
        target: "actor_system::remote",
        peer = %letter.route.peer,
        target_actor = %letter.route.target,
        message = letter.route.wire_name,
        priority = %letter.priority,
        correlation_id = ?letter.correlation,
        %reason,
        "remote message dropped"
    );
    sink.publish(DeadLetter {
        actor_id: letter.route.actor_id,
        actor_name: letter.route.display.clone(),
        message_type: letter.route.message_type,
        priority: letter.priority,
        correlation_id: letter.correlation,
        reason,
        // The message left as bytes, encoded for the wire: nothing typed to resend.
        message: None,
    });
}

/// Drop `item`: publish it and, if it is an ask, answer it with `error`.
pub(crate) fn fail(
    sink: &DeadLetters,
    metrics: &PeerMetrics,
    item: Item,
    reason: DropReason,
    error: impl FnOnce() -> RemoteError,
) {
    dead_letter(sink, metrics, item.letter(), reason);
    if let Item::Ask(_, reply) = item {
        // The asker may have given up already; then nobody is left to tell.
        let _ = reply.send(Err(error()));
    }
}
