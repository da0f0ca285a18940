//! `restart` on raw tokio: a worker task that fails is replaced by a supervising task with a
//! new one on the same channel (held behind a mutex between workers).

use crate::systems::Outcome;
use crate::workloads::RESTARTS;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot, Mutex};

/// A request: fail (`None`), or answer the number.
type Request = Option<(u64, oneshot::Sender<u64>)>;

/// Time from each failure to the replacement worker's answer.
pub async fn run() -> Outcome {
    let (tx, rx) = mpsc::unbounded_channel::<Request>();
    let rx = Arc::new(Mutex::new(rx));
    let supervisor = tokio::spawn(async move {
        let mut restarts = 0u64;
        loop {
            let rx = rx.clone();
            let worker = tokio::spawn(async move {
                let mut rx = rx.lock().await;
                while let Some(request) = rx.recv().await {
                    let Some((n, reply)) = request else {
                        return Err("benchmark failure");
                    };
                    let _ = reply.send(n);
                }
                Ok(())
            });
            match worker.await {
                Ok(Ok(())) => return restarts,
                _ => restarts += 1,
            }
        }
    });
    let start = Instant::now();
    let mut ns = Vec::with_capacity(RESTARTS as usize);
    for i in 0..RESTARTS {
        let failed_at = Instant::now();
        tx.send(None).expect("running");
        let (reply, answer) = oneshot::channel();
        tx.send(Some((i, reply))).expect("running");
        assert_eq!(answer.await.expect("answered"), i);
        ns.push(failed_at.elapsed().as_nanos() as f64);
    }
    let elapsed = start.elapsed();
    drop(tx);
    assert_eq!(supervisor.await.expect("supervisor"), RESTARTS);
    Outcome::Latencies {
        ns,
        ops: RESTARTS,
        elapsed,
    }
}
