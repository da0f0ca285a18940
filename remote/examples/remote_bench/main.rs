//! `remote_bench`: remote tells and asks between two processes over loopback, on
//! actor_system_remote and on a plain libp2p request-response without actors (the floor), and
//! (with the `compare` feature) on kameo's remote actors.
//!
//! ```text
//! cargo run --release -p actor_system_remote --example remote_bench -- [--rounds N]
//!     [--tells N] [--asks N] [--system NAME] [--only NAME]
//! ```
//!
//! Each round starts, for each system, a fresh server process (this binary with `--serve
//! SYSTEM`) and runs both workloads against it from this process, on the same transport
//! (TCP, Noise, Yamux, libp2p's CBOR codec; see `actor_system_remote::build_swarm`):
//! - `remote_tell`: `--tells` one-way messages (a `u64` each) to a counting actor, then one ask
//!   that confirms the count; time per message.
//! - `remote_ask`: `--asks` asks one after another (an echo of a `u64`); time per round trip.
//!
//! The floor does the same work with no actors: its server answers from the swarm's event loop.
//! `floor` is plain request-response: one request per message (tells with 32 in flight, the
//! node's default window; asks one after another). `floor_batched` sends tells as the node does,
//! up to 4,096 to a request and one request in flight, each a bare `u64` delivered to no one: the
//! least any design can cost on this transport. Rows: medians over the rounds; `x floor` is the
//! median of the per-round ratios to `floor`, with their range; `extra` gives the ratio to
//! `floor_batched` the same way.

mod floor;
#[cfg(feature = "compare")]
mod kameo_remote;
mod ours;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A system under test: its name, and how its client runs a workload against a server address.
pub struct System {
    /// Its name in the table.
    pub name: &'static str,
    /// Time `n` tells and the confirming ask.
    pub tell: fn(&Server, u64) -> Duration,
    /// Time `n` asks in a row (`None`: the same as another row's).
    pub ask: Option<fn(&Server, u64) -> Duration>,
    /// Runs `1/scale` of the tells (a slow system need not take minutes to give its rate).
    pub scale: u64,
    /// Each client run needs a process of its own (kameo keeps one swarm per process).
    pub own_process: bool,
}

/// A server process and what it printed: its address and peer id.
pub struct Server {
    /// Its listen address.
    pub addr: String,
    /// Its peer id.
    pub peer: String,
    /// The process, if this process started it.
    child: Option<Child>,
}

impl Drop for Server {
    fn drop(&mut self) {
        // Closing its stdin ends it; wait for it so that the next server starts on a quiet machine.
        if let Some(child) = &mut self.child {
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }
}

/// The identity clients use (servers of our system allow only it).
pub fn client_key() -> libp2p::identity::Keypair {
    libp2p::identity::Keypair::ed25519_from_bytes([7u8; 32]).expect("a valid ed25519 secret")
}

fn systems() -> Vec<System> {
    #[allow(unused_mut)] // pushed to with `compare`
    let mut all = vec![floor::system(), floor::batched(), ours::system()];
    #[cfg(feature = "compare")]
    all.push(kameo_remote::system());
    all
}

/// Start `--serve NAME` and read its `ADDR <multiaddr> <peer id>` line.
fn serve(name: &str) -> Server {
    let mut child = Command::new(std::env::current_exe().expect("own path"))
        .args(["--serve", name])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("server process");
    let stdout = child.stdout.take().expect("piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("server output");
    let mut words = line.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some("ADDR"), Some(addr), Some(peer)) => Server {
            addr: addr.to_owned(),
            peer: peer.to_owned(),
            child: Some(child),
        },
        _ => panic!("server {name} said {line:?}"),
    }
}

/// Run one workload of `name`'s client against a server, in a process of its own.
fn in_a_process(name: &str, workload: &str, n: u64, server: &Server) -> Duration {
    let output = Command::new(std::env::current_exe().expect("own path"))
        .args([
            "--client",
            name,
            workload,
            &n.to_string(),
            &server.addr,
            &server.peer,
        ])
        .stderr(Stdio::inherit())
        .output()
        .expect("client process");
    let text = String::from_utf8_lossy(&output.stdout);
    let ns = text
        .lines()
        .find_map(|l| l.strip_prefix("ELAPSED_NS "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("client {name} {workload} said {text:?}"));
    Duration::from_nanos(ns)
}

/// The client side of `--client NAME WORKLOAD N ADDR PEER`: print the time taken.
fn client_here(name: &str, workload: &str, n: u64, addr: &str, peer: &str) {
    let system = systems()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no system {name}"));
    let run = match workload {
        "remote_tell" => system.tell,
        _ => system.ask.expect("an ask workload"),
    };
    // Not ours: stdin stays with the parent; the server is the parent's.
    let server = Server {
        addr: addr.to_owned(),
        peer: peer.to_owned(),
        child: None,
    };
    println!("ELAPSED_NS {}", run(&server, n).as_nanos());
}

/// Run the server of `name` until stdin closes.
fn serve_here(name: &str) {
    let name = name.to_owned();
    on_a_worker(async move {
        let ready = |addr: String, peer: String| println!("ADDR {addr} {peer}");
        match name.as_str() {
            "floor" | "floor_batched" => floor::serve(ready).await,
            "actor_system" => ours::serve(ready).await,
            #[cfg(feature = "compare")]
            "kameo" => kameo_remote::serve(ready).await,
            other => panic!("no system {other}"),
        }
    });
}

/// Wait (off the runtime's workers) until the parent closes stdin.
pub async fn until_stdin_closes() {
    let _ =
        tokio::task::spawn_blocking(|| std::io::copy(&mut std::io::stdin(), &mut std::io::sink()))
            .await;
}

/// Run `work` as a task on a fresh runtime of two workers (as actor-bench runs the tokio-based
/// systems), not on the calling thread: every system's client and server run on workers.
pub fn on_a_worker<T: Send + 'static>(
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime
        .block_on(async { tokio::spawn(work).await })
        .expect("the task ran")
}

/// Run `work` with the server's address and peer id, as a task on a fresh runtime.
pub fn against<Fut>(server: &Server, work: impl FnOnce(String, String) -> Fut) -> Fut::Output
where
    Fut: std::future::Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    on_a_worker(work(server.addr.clone(), server.peer.clone()))
}

/// The time since `start`, once the count went from `before` to `before + n`.
pub fn counted(start: std::time::Instant, before: u64, after: u64, n: u64) -> Duration {
    let elapsed = start.elapsed();
    assert_eq!(after - before, n, "every tell counted");
    elapsed
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
    };
    if let Some(name) = value("--serve") {
        return serve_here(&name);
    }
    if let [flag, name, workload, n, addr, peer] = args.as_slice() {
        if flag == "--client" {
            return client_here(name, workload, n.parse().expect("a count"), addr, peer);
        }
    }
    let number =
        |flag: &str, default: u64| value(flag).map_or(default, |v| v.parse().expect("a number"));
    let rounds = number("--rounds", 5) as usize;
    let tells = number("--tells", 200_000);
    let asks = number("--asks", 10_000);
    // `--system NAME`: that system and the floors; `--only NAME`: that system alone (to profile).
    let (system, only) = (value("--system"), value("--only"));
    let systems: Vec<System> = systems()
        .into_iter()
        .filter(|s| {
            system
                .as_deref()
                .is_none_or(|o| o == s.name || s.name.starts_with("floor"))
        })
        .filter(|s| only.as_deref().is_none_or(|o| o == s.name))
        .collect();

    // (workload, system) -> per-round ns/op
    let mut rows: Vec<(&str, &str, Vec<f64>)> = Vec::new();
    for round in 0..rounds {
        for system in &systems {
            let server = serve(system.name);
            let runs = [
                ("remote_tell", tells / system.scale, Some(system.tell)),
                ("remote_ask", asks, system.ask),
            ];
            for (workload, ops, run) in runs {
                let Some(run) = run else { continue };
                let elapsed = match system.own_process {
                    true => in_a_process(system.name, workload, ops, &server),
                    false => run(&server, ops),
                };
                let ns = elapsed.as_nanos() as f64 / ops as f64;
                eprintln!("round {round}: {workload} {} {ns:.0} ns/op", system.name);
                match rows
                    .iter_mut()
                    .find(|(w, s, _)| *w == workload && *s == system.name)
                {
                    Some(row) => row.2.push(ns),
                    None => rows.push((workload, system.name, vec![ns])),
                }
            }
        }
    }
    print(&rows, rounds);
}

/// Median, lowest and highest of the per-round ratios of `rounds` to `base`.
fn ratios(rounds: &[f64], base: Option<&Vec<f64>>) -> Option<(f64, f64, f64)> {
    let ratios: Vec<f64> = rounds.iter().zip(base?).map(|(a, b)| a / b).collect();
    let low = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let high = ratios.iter().copied().fold(0.0, f64::max);
    Some((median(ratios), low, high))
}

fn print(rows: &[(&str, &str, Vec<f64>)], rounds: usize) {
    println!("medians of {rounds} rounds; x floor is the median of the per-round ratios [lowest-highest]");
    println!(
        "{:<11} {:<13} {:>12} {:>14} {:>9}  {:<11}  extra",
        "workload", "system", "ns/op", "ops/s", "x floor", "range"
    );
    let base = |workload: &str, system: &str| {
        rows.iter()
            .find(|(w, s, _)| *w == workload && *s == system)
            .map(|r| &r.2)
    };
    for workload in ["remote_tell", "remote_ask"] {
        for (_, system, per_round) in rows.iter().filter(|(w, ..)| *w == workload) {
            let ns = median(per_round.clone());
            let (ratio, range) = match ratios(per_round, base(workload, "floor")) {
                Some((mid, low, high)) => (format!("{mid:.2}"), format!("{low:.2}-{high:.2}")),
                None => ("-".to_owned(), String::new()),
            };
            let extra = match (workload, ratios(per_round, base(workload, "floor_batched"))) {
                ("remote_tell", Some((mid, low, high))) => {
                    format!("x floor_batched {mid:.2} [{low:.2}-{high:.2}]")
                }
                _ => String::new(),
            };
            println!(
                "{workload:<11} {system:<13} {ns:>12.1} {:>14.0} {ratio:>9}  {range:<11}  {extra}",
                1e9 / ns
            );
        }
    }
}
