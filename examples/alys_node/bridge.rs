//! BridgeActor: peg-ins signed by the federation, one member per node. The producing node's
//! bridge asks every member's bridge (its own locally, the others over the network) and needs a
//! majority (2 of 3) within the federation timeout.

use super::latency::Latencies;
use actor_system::blockchain::Federation;
use actor_system::prelude::*;
use actor_system::remote::RemoteRecipient;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Alys's federation timeout.
pub const FEDERATION_TIMEOUT: Duration = Duration::from_millis(500);

/// A member's signature of a peg-in: a hash of its name and the peg-in (a stand-in for a real
/// threshold signature share).
pub fn sign(member: &str, id: u64, amount: u64) -> String {
    let digest = Sha256::new()
        .chain_update(member.as_bytes())
        .chain_update(id.to_le_bytes())
        .chain_update(amount.to_le_bytes())
        .finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// How one peg-in went.
#[derive(Debug, Clone)]
pub struct PegInOutcome {
    pub id: u64,
    /// Members that signed, with their signature.
    pub signatures: Vec<(String, String)>,
    pub threshold_met: bool,
    pub elapsed: Duration,
}

pub struct BridgeActor {
    /// This node's member name.
    pub me: String,
    pub federation: Federation,
    /// The other members' bridges.
    pub members: HashMap<String, RemoteRecipient<SignPegIn>>,
    /// Peg-ins this node signed (for any node).
    pub signed: u64,
    pub outcomes: Vec<PegInOutcome>,
    pub latencies: Latencies,
}
impl Actor for BridgeActor {}

/// Collect the federation's signatures for a peg-in (on the producing node).
#[derive(Message)]
#[message(priority = "high")]
pub struct PegIn {
    pub id: u64,
    pub amount: u64,
    pub sent: Instant,
}

impl Handler<PegIn> for BridgeActor {
    async fn handle(&mut self, msg: PegIn, _: &mut Context<Self>) {
        self.latencies.record(Priority::High, msg.sent);
        let (id, amount) = (msg.id, msg.amount);
        let me = self.me.clone();
        let members = self.members.clone();
        let outcome = self
            .federation
            .collect_signatures(FEDERATION_TIMEOUT, move |member| {
                let remote = members.get(&member).cloned();
                let local = member == me;
                async move {
                    match (local, remote) {
                        (true, _) => Ok(sign(&member, id, amount)),
                        (false, Some(bridge)) => bridge
                            .ask_timeout(SignPegIn { id, amount }, FEDERATION_TIMEOUT)
                            .await
                            .map_err(|e| e.to_string()),
                        (false, None) => Err(format!("no route to member {member}")),
                    }
                }
            })
            .await;
        if outcome.signatures.iter().any(|(m, _)| *m == self.me) {
            self.signed += 1;
        }
        self.outcomes.push(PegInOutcome {
            id,
            signatures: outcome.signatures,
            threshold_met: outcome.threshold_met,
            elapsed: outcome.elapsed,
        });
    }
}

/// Sign a peg-in (asked by the producing node's bridge).
#[derive(Message, Serialize, Deserialize)]
#[message(
    result = "String",
    priority = "high",
    remote = "alys.bridge.SignPegIn.v1"
)]
pub struct SignPegIn {
    pub id: u64,
    pub amount: u64,
}

impl Handler<SignPegIn> for BridgeActor {
    async fn handle(&mut self, msg: SignPegIn, _: &mut Context<Self>) -> String {
        self.signed += 1;
        sign(&self.me, msg.id, msg.amount)
    }
}

/// What the bridge did: peg-ins it signed, and the outcome of those it collected.
#[derive(Message)]
#[message(result = "(u64, Vec<PegInOutcome>)", priority = "high")]
pub struct Report;

impl Handler<Report> for BridgeActor {
    async fn handle(&mut self, _: Report, _: &mut Context<Self>) -> (u64, Vec<PegInOutcome>) {
        (self.signed, self.outcomes.clone())
    }
}
