//! Connections stay open between requests and close once idle: nothing sent or received for
//! the idle timeout closes them at the next ping, and the next message opens one again.

use super::common::{Add, Get, Pair, WAIT};
use actor_system_remote::{NodeConfig, RemoteRecipient};
use std::time::{Duration, Instant};

/// Long enough that a test task stalled by a loaded machine does not look idle.
const IDLE: Duration = Duration::from_secs(1);

/// Short timeouts and frequent pings, so that idleness shows within a second or two.
fn quick_idle(config: NodeConfig) -> NodeConfig {
    NodeConfig {
        request_timeout: Duration::from_millis(500),
        idle_timeout: IDLE,
        ping_interval: Duration::from_millis(50),
        ..config
    }
}

/// Two nodes with [`quick_idle`] timeouts, a counter exposed on `b`, and `a`'s recipients for it.
async fn counter_pair() -> (Pair, RemoteRecipient<Add>, RemoteRecipient<Get>) {
    let pair = Pair::start_with(quick_idle, quick_idle).await;
    let (add, get) = pair.counter().await;
    (pair, add, get)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_closes_after_the_idle_timeout_and_the_next_message_reopens_it() {
    let (pair, _, get) = counter_pair().await;
    let (a, b) = (&pair.a, &pair.b);

    assert_eq!(get.ask_timeout(Get, WAIT).await, Ok(0));
    let last_used = Instant::now();
    assert!(a.is_connected(b.peer_id()));
    assert!(a.wait_disconnected(b.peer_id(), WAIT).await, "never closed");
    // Either side may close first; neither before its own last message plus the idle timeout
    // (the ask settled a moment before `last_used`).
    let idle = last_used.elapsed();
    assert!(
        idle >= IDLE - Duration::from_millis(50),
        "closed after {idle:?}"
    );

    assert_eq!(get.ask_timeout(Get, WAIT).await, Ok(0));
    assert!(a.is_connected(b.peer_id()));
    pair.a.shutdown().await;
    pair.b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_in_use_stays_open_past_the_idle_timeout() {
    let (pair, add, get) = counter_pair().await;
    let (a, b) = (&pair.a, &pair.b);
    assert_eq!(get.ask_timeout(Get, WAIT).await, Ok(0));

    // A tell every 50 ms for two and a half idle timeouts, watching the connection in between:
    // it must not close at any moment.
    let mut tells = 0;
    let until = Instant::now() + IDLE * 5 / 2;
    while Instant::now() < until {
        add.tell(Add(1)).unwrap();
        tells += 1;
        assert!(
            !a.wait_disconnected(b.peer_id(), Duration::from_millis(50))
                .await,
            "closed while in use, after {tells} tells"
        );
    }
    assert_eq!(get.ask_timeout(Get, WAIT).await, Ok(tells));
    pair.a.shutdown().await;
    pair.b.shutdown().await;
}
