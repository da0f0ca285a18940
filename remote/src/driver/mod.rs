//! The node's task: it owns the libp2p swarm and is the only one to touch it.
//!
//! One loop waits for whichever comes first: a swarm event, a wake-up from a sender (a queue
//! went from empty to not), a command, an inbound ask or send finishing, or a reconnection
//! timer. After each, it serves the peers whose state changed: it takes messages out of their
//! queues, `Critical` first, into requests, as long as the peer's window allows
//! ([`outgoing`]). Inbound requests are decoded and delivered to the exposed actors
//! ([`incoming`]); connections, dials and backoff are in [`peers`].

mod incoming;
mod outgoing;
mod peers;

use crate::behaviour::{Behaviour, BehaviourEvent};
use crate::shared::{Command, Shared};
use crate::{metrics, NodeConfig};
use incoming::Pending;
use libp2p::futures::stream::{FuturesUnordered, StreamExt};
use libp2p::request_response::{self, OutboundRequestId};
use libp2p::swarm::SwarmEvent;
use libp2p::{identify, ping, Multiaddr, PeerId, Swarm};
use outgoing::InFlight;
use peers::Peer;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How often counters go to the `metrics` facade (when exporting is on).
const EXPORT_EVERY: Duration = Duration::from_secs(1);

pub(crate) struct Driver {
    swarm: Swarm<Behaviour>,
    shared: Arc<Shared>,
    commands: mpsc::UnboundedReceiver<Command>,
    peers: HashMap<PeerId, Peer>,
    /// Peers allowed to connect (and so to send).
    allowed: HashSet<PeerId>,
    /// Where to dial peers: configured, added, or learned from identify. Given with every dial
    /// (the transport forgets an address after a failed dial; a peer that is down now may be up
    /// at the same address later).
    addresses: HashMap<PeerId, Vec<Multiaddr>>,
    in_flight: HashMap<OutboundRequestId, InFlight>,
    /// Inbound asks and backpressured sends being handled.
    pending: FuturesUnordered<Pending>,
}

impl Driver {
    pub(crate) fn new(
        swarm: Swarm<Behaviour>,
        shared: Arc<Shared>,
        commands: mpsc::UnboundedReceiver<Command>,
        config: &NodeConfig,
    ) -> Self {
        let allowed = config
            .peers
            .iter()
            .map(|p| p.id)
            .chain(config.allowed.iter().copied())
            .collect();
        let addresses = config
            .peers
            .iter()
            .map(|p| (p.id, p.addrs.clone()))
            .collect();
        Driver {
            swarm,
            shared,
            commands,
            peers: HashMap::new(),
            allowed,
            addresses,
            in_flight: HashMap::new(),
            pending: FuturesUnordered::new(),
        }
    }

    /// Run until shut down (by a command, or when every handle is gone).
    pub(crate) async fn run(mut self, eager: Vec<PeerId>) {
        for peer in eager {
            let link = self.shared.link(peer);
            self.peers.entry(peer).or_insert_with(|| Peer::new(link));
            self.dial(peer);
        }
        let mut export = tokio::time::interval(EXPORT_EVERY);
        export.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        // One wake-up future, made again only once it fired (not once per event).
        let shared = self.shared.clone();
        let mut woken = std::pin::pin!(shared.wake.notified());
        loop {
            let timer = self.next_timer();
            tokio::select! {
                event = self.swarm.select_next_some() => {
                    self.on_swarm_event(event);
                    self.respond_ready().await;
                }
                () = &mut woken => {
                    woken.set(shared.wake.notified());
                    self.serve_all();
                }
                command = self.commands.recv() => match command {
                    Some(Command::Link(link)) => {
                        let peer = link.peer;
                        self.peers.entry(peer).or_insert_with(|| Peer::new(link));
                        self.serve(peer);
                    }
                    Some(Command::AddPeer(peer, addr)) => self.add_peer(peer, addr),
                    Some(Command::Shutdown) | None => break,
                },
                Some(done) = self.pending.next(), if !self.pending.is_empty() => self.respond(done),
                () = sleep_until(timer), if timer.is_some() => self.on_timer(),
                _ = export.tick() => {
                    if actor_system_runtime::metrics_exported() {
                        metrics::export(&self.shared.stats());
                    }
                }
            }
        }
        self.stop();
    }

    /// Answer the inbound requests done at their first poll (an ask to an idle actor runs its
    /// handler in place), in this turn of the loop rather than the next.
    async fn respond_ready(&mut self) {
        while !self.pending.is_empty() {
            let polled = std::future::poll_fn(|cx| Poll::Ready(self.pending.poll_next_unpin(cx)));
            match polled.await {
                Poll::Ready(Some(done)) => self.respond(done),
                _ => return,
            }
        }
    }

    fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::Behaviour(BehaviourEvent::Rpc(event)) => self.on_rpc(event),
            SwarmEvent::Behaviour(BehaviourEvent::Ping(ping::Event { peer, result, .. })) => {
                if let (Some(p), Ok(rtt)) = (self.peers.get(&peer), result) {
                    let ns = rtt.as_nanos().min(u64::MAX as u128) as u64;
                    p.link.metrics.ping_ns.store(ns, Relaxed);
                }
                self.on_ping(peer);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => self.learn_addresses(peer_id, info.listen_addrs),
            SwarmEvent::NewListenAddr { address, .. } => {
                tracing::info!(target: "actor_system::remote", %address, peer = %self.shared.local, "listening");
                self.shared
                    .listen_addrs
                    .send_modify(|addrs| addrs.push(address));
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                num_established,
                ..
            } => self.on_connected(peer_id, num_established.get()),
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established,
                cause,
                ..
            } => self.on_disconnected(peer_id, num_established, cause),
            SwarmEvent::OutgoingConnectionError {
                peer_id: Some(peer),
                error,
                ..
            } => self.on_dial_error(peer, error),
            SwarmEvent::IncomingConnectionError {
                error,
                send_back_addr,
                ..
            } => self.on_incoming_error(error, send_back_addr),
            _ => {}
        }
    }

    fn on_rpc(
        &mut self,
        event: request_response::Event<serde_bytes::ByteBuf, serde_bytes::ByteBuf>,
    ) {
        use request_response::{Event, Message};
        match event {
            Event::Message {
                peer,
                message:
                    Message::Request {
                        request, channel, ..
                    },
                ..
            } => self.on_request(peer, request.into_vec(), channel),
            Event::Message {
                peer,
                message:
                    Message::Response {
                        request_id,
                        response,
                    },
                ..
            } => self.on_response(peer, request_id, &response),
            Event::OutboundFailure {
                peer,
                request_id,
                error,
                ..
            } => self.on_outbound_failure(peer, request_id, error),
            Event::InboundFailure { peer, error, .. } => {
                // A request that could not be read is counted by the codec; this is a response
                // that could not be sent (the requester went away, or timed out).
                tracing::debug!(target: "actor_system::remote", %peer, %error, "inbound request failed");
            }
            Event::ResponseSent { .. } => {}
        }
    }

    /// Shut down: fail what is queued or in flight, and close every queue so that later sends
    /// fail at once.
    fn stop(mut self) {
        self.shared.mark_stopped();
        for link in self.shared.links() {
            let items = link.queue.drain(true);
            for item in items {
                crate::drops::fail(
                    &self.shared.dead_letters,
                    &link.metrics,
                    item,
                    actor_system_runtime::DropReason::PeerUnreachable,
                    || crate::RemoteError::NodeStopped,
                );
            }
        }
        for (_, flight) in self.in_flight.drain() {
            flight.fail(&self.shared, || crate::RemoteError::NodeStopped);
        }
        tracing::info!(target: "actor_system::remote", peer = %self.shared.local, "node stopped");
    }
}

/// Sleep until `deadline`; forever without one (the branch is disabled then).
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
