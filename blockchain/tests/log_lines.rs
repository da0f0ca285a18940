//! The log lines operators grep for, exactly as the onboarding guide shows them (issue 22,
//! item 17).

use actor_system_blockchain::{Federation, SlotClock};
use actor_system_runtime::{spawn_with, Actor, Context, Handler, Message, SpawnOptions};
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Everything logged through the subscriber made by [`capture`].
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().clone()).unwrap()
    }
}

/// Log to a buffer, in the default format without time stamps, on this thread.
fn capture() -> (Logs, tracing::subscriber::DefaultGuard) {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .without_time()
        .finish();
    (logs, tracing::subscriber::set_default(subscriber))
}

/// Produces a block when asked, checking it against the slot clock under its own name.
struct Producer {
    clock: SlotClock,
}
impl Actor for Producer {}

struct Produce(u64);
impl Message for Produce {
    type Result = bool;
}
impl Handler<Produce> for Producer {
    async fn handle(&mut self, Produce(height): Produce, ctx: &mut Context<Self>) -> bool {
        self.clock.check(ctx.name(), height, Instant::now()).is_ok()
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_missed_block_deadline_is_an_error_naming_the_actor() {
    let (logs, _guard) = capture();
    let clock = SlotClock::new(Instant::now(), Duration::from_secs(2));
    let options = SpawnOptions::new().name("ChainActor");
    let chain = spawn_with(Producer { clock }, options).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2150)).await;
    assert_eq!(chain.ask(Produce(1)).await, Ok(false));
    let text = logs.text();
    assert!(
        text.contains(
            "ERROR actor_system::blockchain: ChainActor missed block deadline: 2.15s > 2.0s"
        ),
        "{text}"
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_federation_short_of_its_threshold_says_so() {
    let (logs, _guard) = capture();
    let federation = Federation::new(vec!["a".into(), "b".into(), "c".into()], 2).unwrap();
    let outcome = federation
        .collect_signatures(Duration::from_millis(500), |member| async move {
            if member == "a" {
                Ok(member)
            } else {
                tokio::time::sleep(Duration::from_secs(1)).await;
                Err(())
            }
        })
        .await;
    assert!(!outcome.threshold_met);
    let text = logs.text();
    assert!(
        text.contains("WARN actor_system::blockchain: Federation threshold not met within timeout"),
        "{text}"
    );
}
