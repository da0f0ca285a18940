//! [`TestProbe`]: a recipient that records what it receives.

use crate::{spawn, Actor, Addr, Context, Handler, Message, Recipient};
use std::time::Duration;
use tokio::sync::mpsc;

type Reply<M> = Box<dyn Fn(&M) -> <M as Message>::Result + Send>;

/// The actor behind a probe: forwards every message to the probe's queue.
pub struct ProbeActor<M: Message> {
    sink: mpsc::UnboundedSender<M>,
    reply: Reply<M>,
}

impl<M: Message> Actor for ProbeActor<M> {}

impl<M: Message> Handler<M> for ProbeActor<M> {
    async fn handle(&mut self, msg: M, _: &mut Context<Self>) -> M::Result {
        let result = (self.reply)(&msg);
        let _ = self.sink.send(msg);
        result
    }
}

/// A stand-in subscriber for tests: hand out [`recipient`](Self::recipient), then assert on what
/// arrived. Asks to it are answered with `M::Result::default()`.
///
/// ```
/// use actor_system_runtime::{Message, testing::TestProbe};
/// use std::time::Duration;
///
/// #[derive(Debug, PartialEq)]
/// struct BlockProduced(u64);
/// impl Message for BlockProduced { type Result = (); }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let mut probe = TestProbe::<BlockProduced>::new().await;
/// probe.recipient().tell(BlockProduced(7)).unwrap();
/// assert_eq!(probe.expect_msg(Duration::from_secs(1)).await, BlockProduced(7));
/// probe.expect_no_msg(Duration::from_millis(10)).await;
/// # }
/// ```
pub struct TestProbe<M: Message> {
    addr: Addr<ProbeActor<M>>,
    received: mpsc::UnboundedReceiver<M>,
}

impl<M: Message> TestProbe<M>
where
    M::Result: Default,
{
    /// Spawn a probe on the current runtime; asks to it get `M::Result::default()`.
    pub async fn new() -> Self {
        Self::with_reply(|_| M::Result::default()).await
    }
}

impl<M: Message> TestProbe<M> {
    /// Spawn a probe that answers asks with `reply(&msg)`.
    pub async fn with_reply(reply: impl Fn(&M) -> M::Result + Send + 'static) -> Self {
        let (sink, received) = mpsc::unbounded_channel();
        let probe = ProbeActor {
            sink,
            reply: Box::new(reply),
        };
        let addr = spawn(probe)
            .await
            .expect("a probe has no start hook that can fail");
        TestProbe { addr, received }
    }

    /// A recipient that delivers to this probe.
    pub fn recipient(&self) -> Recipient<M> {
        self.addr.recipient()
    }

    /// The probe actor's address.
    pub fn address(&self) -> &Addr<ProbeActor<M>> {
        &self.addr
    }

    /// The next message, waiting up to `timeout`.
    ///
    /// # Panics
    /// If nothing arrives in time.
    pub async fn expect_msg(&mut self, timeout: Duration) -> M {
        match tokio::time::timeout(timeout, self.received.recv()).await {
            Ok(Some(msg)) => msg,
            _ => panic!(
                "probe expected a {} within {timeout:?}, got none",
                std::any::type_name::<M>()
            ),
        }
    }

    /// The next message that satisfies `pred` (others are skipped), waiting up to `timeout` in all.
    ///
    /// # Panics
    /// If no matching message arrives in time.
    pub async fn expect_msg_matching(
        &mut self,
        timeout: Duration,
        mut pred: impl FnMut(&M) -> bool,
    ) -> M {
        let search = async {
            while let Some(msg) = self.received.recv().await {
                if pred(&msg) {
                    return Some(msg);
                }
            }
            None
        };
        match tokio::time::timeout(timeout, search).await {
            Ok(Some(msg)) => msg,
            _ => panic!(
                "probe expected a matching {} within {timeout:?}, got none",
                std::any::type_name::<M>()
            ),
        }
    }

    /// Assert that nothing arrives for `duration`.
    ///
    /// # Panics
    /// If a message arrives.
    pub async fn expect_no_msg(&mut self, duration: Duration) {
        if let Ok(Some(_)) = tokio::time::timeout(duration, self.received.recv()).await {
            panic!(
                "probe expected no {} for {duration:?}, but one arrived",
                std::any::type_name::<M>()
            );
        }
    }

    /// Everything received so far, without waiting.
    pub fn drain(&mut self) -> Vec<M> {
        std::iter::from_fn(|| self.received.try_recv().ok()).collect()
    }
}
