//! Federation awareness: members, threshold, change history, threshold signing.

use crate::BlockchainEvent;
use std::future::Future;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// An invalid federation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FederationError {
    /// The threshold is 0 or above the member count.
    #[error("threshold {threshold} is invalid for {members} members: use a threshold between 1 and {members}")]
    InvalidThreshold {
        /// The threshold asked for.
        threshold: usize,
        /// Members.
        members: usize,
    },
    /// A member appears twice.
    #[error("member '{0}' is listed twice: list each federation member once")]
    DuplicateMember(String),
    /// The actor asked to sign keeps no federation.
    #[error("this actor keeps no federation: return it from BlockchainAwareActor::federation")]
    NoFederation,
}

/// One configuration of the federation, as kept in its history.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FederationConfig {
    /// Members.
    pub members: Vec<String>,
    /// Signatures needed.
    pub threshold: usize,
}

/// The current federation and its history.
///
/// ```
/// use actor_system_blockchain::{Federation, FederationError};
///
/// let mut fed = Federation::new(vec!["a".into(), "b".into(), "c".into()], 2).unwrap();
/// fed.change(vec!["a".into(), "b".into(), "c".into(), "d".into()], 3).unwrap();
/// assert_eq!(fed.threshold(), 3);
/// assert_eq!(fed.history().len(), 2);
/// assert!(matches!(fed.change(vec!["a".into()], 2), Err(FederationError::InvalidThreshold { .. })));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Federation {
    history: Vec<FederationConfig>,
}

/// Result of [`Federation::collect_signatures`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningOutcome<S> {
    /// Signatures collected, with their signer, in arrival order.
    pub signatures: Vec<(String, S)>,
    /// Members that refused or failed.
    pub failed: Vec<String>,
    /// Members that had not answered when collection ended.
    pub missing: Vec<String>,
    /// Whether `threshold` signatures were collected in time.
    pub threshold_met: bool,
    /// Time spent collecting.
    pub elapsed: Duration,
}

fn validate(members: &[String], threshold: usize) -> Result<(), FederationError> {
    if threshold == 0 || threshold > members.len() {
        return Err(FederationError::InvalidThreshold {
            threshold,
            members: members.len(),
        });
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = members.iter().find(|m| !seen.insert(m.as_str())) {
        return Err(FederationError::DuplicateMember(dup.clone()));
    }
    Ok(())
}

impl Federation {
    /// A federation of `members` needing `threshold` signatures (1 ≤ threshold ≤ members).
    pub fn new(members: Vec<String>, threshold: usize) -> Result<Self, FederationError> {
        validate(&members, threshold)?;
        Ok(Federation {
            history: vec![FederationConfig { members, threshold }],
        })
    }

    fn current(&self) -> &FederationConfig {
        self.history
            .last()
            .expect("a federation always has a configuration")
    }

    /// Current members.
    pub fn members(&self) -> &[String] {
        &self.current().members
    }

    /// Current threshold.
    pub fn threshold(&self) -> usize {
        self.current().threshold
    }

    /// Every configuration so far, oldest first.
    pub fn history(&self) -> &[FederationConfig] {
        &self.history
    }

    /// Switch to a new configuration (validated first; the old one stays in the history).
    pub fn change(
        &mut self,
        members: Vec<String>,
        threshold: usize,
    ) -> Result<(), FederationError> {
        validate(&members, threshold)?;
        self.history.push(FederationConfig { members, threshold });
        Ok(())
    }

    /// Apply a `FederationChange` event (validated first); other events change nothing.
    /// Returns whether the federation changed.
    ///
    /// ```
    /// use actor_system_blockchain::{BlockchainEvent, Federation};
    ///
    /// let mut fed = Federation::new(vec!["a".into(), "b".into()], 2).unwrap();
    /// let change = BlockchainEvent::FederationChange { members: vec!["a".into(), "b".into(), "c".into()], threshold: 2 };
    /// assert_eq!(fed.apply(&change), Ok(true));
    /// assert_eq!(fed.members().len(), 3);
    /// assert_eq!(fed.apply(&BlockchainEvent::ConsensusFailure { reason: "x".into() }), Ok(false));
    /// ```
    pub fn apply(&mut self, event: &BlockchainEvent) -> Result<bool, FederationError> {
        let BlockchainEvent::FederationChange { members, threshold } = event else {
            return Ok(false);
        };
        self.change(members.clone(), *threshold)?;
        tracing::info!(
            target: "actor_system::blockchain",
            members = members.len(),
            threshold,
            "federation changed"
        );
        Ok(true)
    }

    /// Ask every member to sign with `sign(member)`, concurrently, for at most `timeout` (Alys:
    /// the 500 ms federation timeout). Stops as soon as the threshold is met. When it is not met,
    /// logs `Federation threshold not met within timeout` (target `actor_system::blockchain`).
    pub async fn collect_signatures<S, E, F, Fut>(
        &self,
        timeout: Duration,
        sign: F,
    ) -> SigningOutcome<S>
    where
        S: Send + 'static,
        E: Send + 'static,
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<S, E>> + Send + 'static,
    {
        let start = Instant::now();
        let deadline = start + timeout;
        let mut pending: JoinSet<(String, Result<S, E>)> = JoinSet::new();
        for member in self.members() {
            let fut = sign(member.clone());
            let member = member.clone();
            pending.spawn(async move { (member, fut.await) });
        }
        let mut outcome = SigningOutcome {
            signatures: Vec::new(),
            failed: Vec::new(),
            missing: Vec::new(),
            threshold_met: false,
            elapsed: Duration::ZERO,
        };
        while outcome.signatures.len() < self.threshold() {
            match tokio::time::timeout_at(deadline, pending.join_next()).await {
                Ok(Some(Ok((member, Ok(signature))))) => {
                    outcome.signatures.push((member, signature))
                }
                Ok(Some(Ok((member, Err(_))))) => outcome.failed.push(member),
                Ok(Some(Err(_))) => {} // a signer panicked: it counts as missing
                Ok(None) | Err(_) => break,
            }
        }
        pending.abort_all();
        outcome.threshold_met = outcome.signatures.len() >= self.threshold();
        outcome.missing = self
            .members()
            .iter()
            .filter(|m| {
                !outcome.signatures.iter().any(|(s, _)| s == *m) && !outcome.failed.contains(m)
            })
            .cloned()
            .collect();
        outcome.elapsed = start.elapsed();
        if !outcome.threshold_met {
            metrics::counter!("blockchain_federation_threshold_missed_total").increment(1);
            tracing::warn!(
                target: "actor_system::blockchain",
                signatures = outcome.signatures.len(),
                threshold = self.threshold(),
                timeout_ms = timeout.as_millis() as u64,
                failed = ?outcome.failed,
                missing = ?outcome.missing,
                "Federation threshold not met within timeout"
            );
        }
        outcome
    }
}
