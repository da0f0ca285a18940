//! Receiving: a request is decoded and its messages delivered to the exposed actors, each in
//! the lane it was sent in, with its correlation id.
//!
//! Tells are queued at once and the batch is answered with the ones refused (unknown, malformed,
//! too large, mailbox full or stopped). If a mailbox applying backpressure is full, the rest of
//! the batch waits for room instead, and the answer with it: the sender's lane waits too.
//! An ask is answered with its reply. Nothing here panics on bad input: whatever does not decode
//! is counted and answered with a [`Refusal`].

use super::Driver;
use crate::exposed::{BoxFuture, Inbound};
use crate::shared::Shared;
use crate::wire::{self, Address, Letter, Request, Response};
use crate::Refusal;
use actor_system_runtime::Priority;
use libp2p::request_response::ResponseChannel;
use libp2p::PeerId;
use serde_bytes::ByteBuf;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

/// An inbound request still being handled, and what answers it.
pub(super) type Pending = BoxFuture<(ResponseChannel<ByteBuf>, Answer)>;

/// The answer to an inbound request.
pub(super) enum Answer {
    /// The batch's tells were queued, but for these.
    Accepted(Vec<(u32, Refusal)>),
    /// The ask's reply, or why there is none.
    Reply(Result<Vec<u8>, Refusal>),
}

/// The exposed entries a frame's addresses name (each looked up once per frame).
type Targets = Vec<Result<Arc<dyn Inbound>, Refusal>>;

fn targets(shared: &Shared, addresses: &[Address<'_>]) -> Targets {
    addresses
        .iter()
        .map(|Address(target, message)| shared.registry.lookup(target, message))
        .collect()
}

/// The entry and lane of `letter`, checked against the limits.
fn route(
    shared: &Shared,
    targets: &Targets,
    letter: &Letter<'_>,
) -> Result<(Arc<dyn Inbound>, Priority), Refusal> {
    let counters = &shared.counters;
    let Letter(address, lane, _, payload) = *letter;
    let max = shared.settings.max_message_size;
    if payload.len() > max {
        counters.oversized.fetch_add(1, Relaxed);
        return Err(Refusal::TooLarge {
            size: payload.len() as u64,
            max: max as u64,
        });
    }
    let (Some(target), Some(lane)) = (
        targets.get(address as usize),
        Priority::from_lane(lane as usize),
    ) else {
        counters.malformed.fetch_add(1, Relaxed);
        return Err(Refusal::Malformed(format!(
            "no address {address} or lane {lane}"
        )));
    };
    let inbound = target.clone().inspect_err(|_| {
        counters.unknown.fetch_add(1, Relaxed);
    })?;
    Ok((inbound, lane))
}

/// Count a refusal of a message from `peer`.
fn refused(shared: &Shared, peer: &PeerId, refusal: &Refusal) {
    if matches!(refusal, Refusal::Malformed(_)) {
        shared.counters.malformed.fetch_add(1, Relaxed);
    }
    if let Some(link) = shared.existing_link(peer) {
        link.metrics.refused.fetch_add(1, Relaxed);
    }
}

/// Deliver the tells of the batch in `request` from `start` on, waiting for room where a
/// mailbox applies backpressure; the refusals, by index in the batch.
async fn send_rest(
    shared: Arc<Shared>,
    peer: PeerId,
    request: Vec<u8>,
    start: usize,
) -> Vec<(u32, Refusal)> {
    let mut refusals = Vec::new();
    let Ok(Request::Tells(addresses, letters)) = wire::decode::<Request>(&request) else {
        return refusals;
    };
    let targets = targets(&shared, &addresses);
    let mut waits: Vec<(u32, BoxFuture<Result<(), Refusal>>)> = Vec::new();
    for (i, letter) in letters.iter().enumerate().skip(start) {
        let sent = route(&shared, &targets, letter)
            .and_then(|(inbound, lane)| inbound.send(letter.3, lane, letter.2));
        match sent {
            Ok(wait) => waits.push((i as u32, wait)),
            Err(r) => refusals.push((i as u32, r)),
        }
    }
    drop(letters);
    // In order: each waits for room in its lane.
    for (i, wait) in waits {
        if let Err(r) = wait.await {
            refusals.push((i, r));
        }
    }
    for (_, r) in &refusals {
        refused(&shared, &peer, r);
    }
    refusals
}

impl Driver {
    pub(super) fn on_request(
        &mut self,
        peer: PeerId,
        request: Vec<u8>,
        channel: ResponseChannel<ByteBuf>,
    ) {
        let shared = self.shared.clone();
        let link = self.peer(peer).link.clone();
        if !self.allowed.contains(&peer) {
            shared.counters.refused_connections.fetch_add(1, Relaxed);
            return self.answer(channel, Answer::Reply(Err(Refusal::NotAllowed)));
        }
        let size = request.len();
        let decoded = wire::decode::<Request>(&request);
        match decoded {
            Err(e) => {
                link.metrics.received(1, size);
                let refusal = Refusal::Malformed(e);
                refused(&shared, &peer, &refusal);
                tracing::debug!(target: "actor_system::remote", %peer, %refusal, "malformed request");
                self.answer(channel, Answer::Reply(Err(refusal)));
            }
            Ok(Request::Tells(addresses, letters)) => {
                link.metrics.received(letters.len() as u64, size);
                let targets = targets(&shared, &addresses);
                let mut refusals = Vec::new();
                let mut backpressured = None;
                for (i, letter) in letters.iter().enumerate() {
                    tracing::trace!(target: "actor_system::remote", %peer, address = letter.0, lane = letter.1, correlation_id = ?letter.2, "remote tell received");
                    let told = route(&shared, &targets, letter)
                        .and_then(|(inbound, lane)| inbound.tell(letter.3, lane, letter.2));
                    match told {
                        Ok(()) => {}
                        Err(Refusal::Full) => {
                            backpressured = Some(i);
                            break;
                        }
                        Err(r) => {
                            refused(&shared, &peer, &r);
                            refusals.push((i as u32, r));
                        }
                    }
                }
                drop(letters);
                match backpressured {
                    None => self.answer(channel, Answer::Accepted(refusals)),
                    Some(start) => self.pending.push(Box::pin(async move {
                        refusals.extend(send_rest(shared, peer, request, start).await);
                        (channel, Answer::Accepted(refusals))
                    })),
                }
            }
            Ok(Request::Ask(address, letter)) => {
                link.metrics.received(1, size);
                tracing::debug!(target: "actor_system::remote", %peer, target_actor = address.0, message = address.1, correlation_id = ?letter.2, "remote ask received");
                let targets = targets(&shared, &[address]);
                let letter = Letter(0, letter.1, letter.2, letter.3);
                let asked = route(&shared, &targets, &letter)
                    .and_then(|(inbound, lane)| inbound.ask(letter.3, lane, letter.2));
                match asked {
                    Ok(reply) => self.pending.push(Box::pin(async move {
                        let reply = reply.await;
                        (channel, Answer::Reply(reply))
                    })),
                    Err(r) => {
                        refused(&shared, &peer, &r);
                        self.answer(channel, Answer::Reply(Err(r)));
                    }
                }
            }
        }
    }

    /// An inbound ask or backpressured batch is done.
    pub(super) fn respond(&mut self, (channel, answer): (ResponseChannel<ByteBuf>, Answer)) {
        self.answer(channel, answer);
    }

    fn answer(&mut self, channel: ResponseChannel<ByteBuf>, answer: Answer) {
        let encoded = match answer {
            Answer::Accepted(refusals) => wire::encode(&Response::Accepted(refusals)),
            Answer::Reply(Ok(reply)) => wire::encode(&Response::Reply(&reply)),
            Answer::Reply(Err(refusal)) => wire::encode(&Response::Refused(refusal)),
        };
        let bytes = encoded.unwrap_or_else(|e| {
            wire::encode(&Response::Refused(Refusal::Encode(e))).unwrap_or_default()
        });
        // The requester may have gone (closed connection, timeout): nothing left to answer.
        let _ = self
            .swarm
            .behaviour_mut()
            .rpc
            .send_response(channel, ByteBuf::from(bytes));
    }
}
