//! The libp2p side: the transport (TCP, Noise, Yamux) and the node's behaviours (allow-list,
//! request-response with libp2p's CBOR codec, identify, ping, and keeping connections open).

use crate::codec::Codec;
use crate::keep_alive::KeepAlive;
use crate::metrics::NodeCounters;
use crate::{wire, NodeConfig, StartError};
use libp2p::core::upgrade::Version;
use libp2p::identity::Keypair;
use libp2p::swarm::{NetworkBehaviour, StreamProtocol};
use libp2p::{allow_block_list, identify, noise, ping, request_response, tcp, yamux, Swarm};
use std::sync::Arc;
use std::time::Duration;

/// Name of the identify protocol's version field.
const IDENTIFY_PROTOCOL: &str = "/alys/actor-remote/id/1";

/// The request-response behaviour: opaque CBOR byte strings each way (see [`crate::wire`]).
pub(crate) type Rpc = request_response::Behaviour<Codec>;

/// Everything a node speaks. The allow-list comes first, so a peer that is not on it is
/// refused before any other behaviour sees its connection.
#[derive(NetworkBehaviour)]
pub(crate) struct Behaviour {
    pub allow: allow_block_list::Behaviour<allow_block_list::AllowedPeers>,
    pub rpc: Rpc,
    pub identify: identify::Behaviour,
    pub ping: ping::Behaviour,
    pub keep_alive: KeepAlive,
}

impl Behaviour {
    fn new(key: &Keypair, config: &NodeConfig, counters: Arc<NodeCounters>) -> Self {
        let codec = Codec::new(config.max_frame() as u64, counters);
        // Streams of both directions share the handler's limit: room for the peer's window and
        // ours, with a margin for a second connection.
        let rpc_config = request_response::Config::default()
            .with_request_timeout(config.request_timeout)
            .with_max_concurrent_streams(4 * config.window + 16);
        let rpc = Rpc::with_codec(
            codec,
            [(
                StreamProtocol::new(wire::PROTOCOL),
                request_response::ProtocolSupport::Full,
            )],
            rpc_config,
        );
        let mut allow = allow_block_list::Behaviour::default();
        for peer in config
            .peers
            .iter()
            .map(|p| p.id)
            .chain(config.allowed.iter().copied())
        {
            allow.allow_peer(peer);
        }
        Behaviour {
            allow,
            rpc,
            identify: identify::Behaviour::new(
                identify::Config::new(IDENTIFY_PROTOCOL.to_owned(), key.public())
                    .with_agent_version(format!(
                        "actor_system_remote/{}",
                        env!("CARGO_PKG_VERSION")
                    )),
            ),
            ping: ping::Behaviour::new(ping::Config::new().with_interval(config.ping_interval)),
            keep_alive: KeepAlive,
        }
    }
}

/// A swarm around `behaviour` on the transport a node uses: TCP (no Nagle delay), Noise, Yamux,
/// and lazy protocol negotiation (a request's first bytes go out with its protocol name, saving
/// a round trip per stream). Connections with nothing in flight close after `idle_timeout`.
///
/// The node builds its own with it; it is public so that a comparison (a plain request-response
/// without actors, say) runs on exactly the same transport.
///
/// ```
/// use actor_system_remote::build_swarm;
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let key = libp2p::identity::Keypair::generate_ed25519();
/// let swarm = build_swarm(key, Duration::from_secs(60), |key| {
///     libp2p::ping::Behaviour::default()
/// })
/// .unwrap();
/// assert_eq!(swarm.listeners().count(), 0);
/// # }
/// ```
pub fn build_swarm<B: NetworkBehaviour>(
    keypair: Keypair,
    idle_timeout: Duration,
    behaviour: impl FnOnce(&Keypair) -> B,
) -> Result<Swarm<B>, StartError> {
    let transport = |e: &dyn std::fmt::Display| StartError::Transport(e.to_string());
    Ok(libp2p::SwarmBuilder::with_existing_identity(keypair)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| transport(&e))?
        .with_behaviour(|key| behaviour(key))
        .map_err(|e| transport(&e))?
        .with_swarm_config(|c| {
            c.with_idle_connection_timeout(idle_timeout)
                .with_substream_upgrade_protocol_override(Version::V1Lazy)
        })
        .build())
}

/// The node's swarm, listening on the configured addresses (it dials with the addresses the
/// node's task keeps, and closes idle connections itself: see `driver::peers`).
pub(crate) fn node_swarm(
    keypair: Keypair,
    config: &NodeConfig,
    counters: Arc<NodeCounters>,
) -> Result<Swarm<Behaviour>, StartError> {
    let mut swarm = build_swarm(keypair, config.idle_timeout, |key| {
        Behaviour::new(key, config, counters)
    })?;
    for addr in &config.listen {
        swarm
            .listen_on(addr.clone())
            .map_err(|e| StartError::Transport(format!("cannot listen on {addr}: {e}")))?;
    }
    Ok(swarm)
}
