//! Sending: queued messages become requests, `Critical` lane first, within the peer's window.
//!
//! - Tells of one lane travel in batches, one batch of a lane in flight at a time, so that a
//!   lane keeps its order; another lane's batch need not wait for it.
//! - An ask is a request of its own, answered by the reply. It leaves only once the tells of its
//!   lane queued before it have been accepted, so that it sees their effects. Asks of one lane
//!   may be in flight together.
//! - Responses settle what was in flight: accepted tells are counted, refused ones dead-lettered;
//!   a failed request dead-letters its tells and fails its ask.

use super::Driver;
use crate::outbound::{self, OutLetter, ReplyTo};
use crate::shared::{Link, Shared};
use crate::wire::{self, Response};
use crate::{drops, RemoteError};
use actor_system_runtime::{AskError, DropReason};
use libp2p::request_response::{OutboundFailure, OutboundRequestId};
use libp2p::PeerId;
use serde_bytes::ByteBuf;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

/// A request on its way.
pub(super) enum InFlight {
    /// A batch of tells of one lane (their payloads already freed).
    Tells {
        peer: PeerId,
        lane: usize,
        letters: Vec<OutLetter>,
        bytes: usize,
    },
    /// An ask.
    Ask {
        peer: PeerId,
        reply: ReplyTo,
        sent: Instant,
        bytes: usize,
    },
}

impl InFlight {
    /// Fail it: dead-letter the tells (as unreachable), answer the ask with `error`.
    pub(super) fn fail(self, shared: &Shared, error: impl FnOnce() -> RemoteError) {
        match self {
            InFlight::Tells { peer, letters, .. } => {
                let link = shared.link(peer);
                for letter in &letters {
                    drops::dead_letter(
                        &shared.dead_letters,
                        &link.metrics,
                        letter,
                        DropReason::PeerUnreachable,
                    );
                }
            }
            InFlight::Ask { reply, .. } => {
                let _ = reply.send(Err(error()));
            }
        }
    }
}

impl Driver {
    /// Serve every peer (a sender woke the task).
    pub(super) fn serve_all(&mut self) {
        let peers: Vec<PeerId> = self.peers.keys().copied().collect();
        for peer in peers {
            self.serve(peer);
        }
    }

    /// Send what `peer`'s queue and window allow; dial it if it has work and no connection.
    pub(super) fn serve(&mut self, peer: PeerId) {
        let window = self.shared.settings.window;
        let Some(state) = self.peers.get(&peer) else {
            return;
        };
        // Most calls (one after every response) find nothing queued.
        if state.link.queue.len() == 0 {
            return;
        }
        if state.connections == 0 {
            self.dial(peer);
            return;
        }
        let link = state.link.clone();
        // The peer's window and busy lanes, kept up to date here as requests leave rather than
        // looked up again (hashing a `PeerId` is most of what serving an ask costs this task).
        let (mut in_flight, mut tells_in_flight) = (state.in_flight, state.tells_in_flight);
        for (lane, tells_busy) in tells_in_flight.iter_mut().enumerate() {
            while in_flight < window && !*tells_busy {
                let launched = match link.queue.front_is_tell(lane) {
                    None => break,
                    Some(true) => {
                        let launched = self.send_tells(peer, &link, lane);
                        *tells_busy = launched;
                        launched
                    }
                    Some(false) => match link.queue.take_ask(lane) {
                        Some((letter, reply)) => self.send_ask(peer, letter, reply),
                        None => false,
                    },
                };
                in_flight += usize::from(launched);
            }
            if in_flight >= window {
                return;
            }
        }
    }

    /// Send a batch of the tells at the front of `lane`; whether a request left.
    fn send_tells(&mut self, peer: PeerId, link: &Link, lane: usize) -> bool {
        let settings = &self.shared.settings;
        let budget = settings.max_frame.saturating_sub(4096);
        let mut letters = link.queue.take_tells(lane, settings.max_batch, budget);
        if letters.is_empty() {
            return false;
        }
        let bytes = match outbound::tells_frame(&letters) {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::error!(target: "actor_system::remote", %peer, error = %e, "could not encode a batch");
                for letter in &letters {
                    drops::dead_letter(
                        &self.shared.dead_letters,
                        &link.metrics,
                        letter,
                        DropReason::RefusedByPeer,
                    );
                }
                return false;
            }
        };
        for letter in &mut letters {
            letter.payload = Vec::new();
        }
        let bytes_sent = bytes.len();
        self.launch(
            peer,
            bytes,
            InFlight::Tells {
                peer,
                lane,
                letters,
                bytes: bytes_sent,
            },
        );
        true
    }

    /// Send an ask; whether a request left.
    fn send_ask(&mut self, peer: PeerId, letter: OutLetter, reply: ReplyTo) -> bool {
        if reply.is_closed() {
            // The asker gave up (timed out or was dropped) while it waited here: nothing to do.
            return false;
        }
        let bytes = match letter.ask_frame() {
            Ok(bytes) => bytes,
            Err(e) => {
                let _ = reply.send(Err(RemoteError::Codec(e)));
                return false;
            }
        };
        tracing::debug!(
            target: "actor_system::remote",
            %peer,
            target_actor = %letter.route.target,
            message = letter.route.wire_name,
            correlation_id = ?letter.correlation,
            "remote ask sent"
        );
        let bytes_sent = bytes.len();
        let flight = InFlight::Ask {
            peer,
            reply,
            sent: Instant::now(),
            bytes: bytes_sent,
        };
        self.launch(peer, bytes, flight);
        true
    }

    /// Send a request and keep what it carries until it is settled: it takes a place in the
    /// peer's window, and a batch of tells takes its lane.
    fn launch(&mut self, peer: PeerId, bytes: Vec<u8>, flight: InFlight) {
        let id = self
            .swarm
            .behaviour_mut()
            .rpc
            .send_request(&peer, ByteBuf::from(bytes));
        let state = self.peers.get_mut(&peer).expect("served peers are known");
        state.in_flight += 1;
        if let InFlight::Tells { lane, .. } = &flight {
            state.tells_in_flight[*lane] = true;
        }
        self.in_flight.insert(id, flight);
    }

    /// The end of a request: free its place in the window and its lane.
    fn settle(&mut self, id: OutboundRequestId) -> Option<InFlight> {
        let flight = self.in_flight.remove(&id)?;
        let (peer, lane) = match &flight {
            InFlight::Tells { peer, lane, .. } => (*peer, Some(*lane)),
            InFlight::Ask { peer, .. } => (*peer, None),
        };
        if let Some(state) = self.peers.get_mut(&peer) {
            state.in_flight -= 1;
            if let Some(lane) = lane {
                state.tells_in_flight[lane] = false;
            }
        }
        Some(flight)
    }

    pub(super) fn on_response(&mut self, peer: PeerId, id: OutboundRequestId, response: &[u8]) {
        let Some(flight) = self.settle(id) else {
            return;
        };
        let link = self.peer(peer).link.clone();
        let decoded = wire::decode::<Response>(response);
        match flight {
            InFlight::Tells { letters, bytes, .. } => {
                let refused = match decoded {
                    Ok(Response::Accepted(refused)) => refused,
                    Ok(Response::Refused(r)) => {
                        (0..letters.len() as u32).map(|i| (i, r.clone())).collect()
                    }
                    other => {
                        self.shared.counters.malformed.fetch_add(1, Relaxed);
                        tracing::warn!(target: "actor_system::remote", %peer, ?other, "bad response to a batch");
                        (0..letters.len() as u32)
                            .map(|i| (i, crate::Refusal::Malformed("bad response".into())))
                            .collect()
                    }
                };
                link.metrics.sent(
                    (letters.len() - refused.len().min(letters.len())) as u64,
                    bytes,
                );
                for (index, refusal) in refused {
                    if let Some(letter) = letters.get(index as usize) {
                        tracing::debug!(target: "actor_system::remote", %peer, %refusal, "tell refused");
                        drops::dead_letter(
                            &self.shared.dead_letters,
                            &link.metrics,
                            letter,
                            DropReason::RefusedByPeer,
                        );
                    }
                }
            }
            InFlight::Ask {
                reply, sent, bytes, ..
            } => {
                link.metrics.ask_round_trip(sent.elapsed());
                link.metrics.sent(1, bytes);
                let result = match decoded {
                    Ok(Response::Reply(reply)) => Ok(reply.to_vec()),
                    Ok(Response::Refused(refusal)) => Err(refusal.into_error(peer)),
                    Ok(Response::Accepted(_)) | Err(_) => {
                        self.shared.counters.malformed.fetch_add(1, Relaxed);
                        Err(RemoteError::Codec(
                            "the peer's response is not a reply".into(),
                        ))
                    }
                };
                let _ = reply.send(result);
            }
        }
        self.serve(peer);
    }

    pub(super) fn on_outbound_failure(
        &mut self,
        peer: PeerId,
        id: OutboundRequestId,
        error: OutboundFailure,
    ) {
        let Some(flight) = self.settle(id) else {
            return;
        };
        let timeout = self.shared.settings.request_timeout;
        tracing::debug!(target: "actor_system::remote", %peer, %error, "request failed");
        flight.fail(&self.shared, || match error {
            OutboundFailure::Timeout => AskError::Timeout(timeout).into(),
            OutboundFailure::DialFailure => RemoteError::Unreachable { peer, attempts: 1 },
            error => RemoteError::Disconnected {
                peer,
                reason: error.to_string(),
            },
        });
        self.serve(peer);
    }
}
