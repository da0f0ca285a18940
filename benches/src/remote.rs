//! The second process of the remote workloads, and what their clients and servers share.
//!
//! A child process that runs `remote_tell` or `remote_ask` (the client) first starts a server
//! of the same system in a process of its own, `actor-bench --serve SYSTEM [--one-thread]`,
//! which listens on 127.0.0.1, prints `ADDR <multiaddr> <peer id>` and serves until its stdin
//! closes. Every system runs on the same transport (`actor_system::remote::build_swarm`: TCP,
//! Noise, Yamux, libp2p's CBOR codec).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The flag that makes this binary a server (see the module doc).
pub const SERVE_FLAG: &str = "--serve";

/// A server process and the address it listens on.
pub struct Server {
    /// Its listen address (a multiaddr).
    pub addr: String,
    /// Its peer id.
    pub peer: String,
    process: Child,
}

impl Server {
    /// Start a server of `system` (with the child's `flags`) and wait for its address.
    pub fn start(system: &str, flags: &[&str]) -> Server {
        let mut command = Command::new(std::env::current_exe().expect("path of this binary"));
        command.args([SERVE_FLAG, system]).args(flags);
        let mut process = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("a server process");
        let mut line = String::new();
        let stdout = process.stdout.take().expect("piped");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the server's address");
        let mut words = line.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some("ADDR"), Some(addr), Some(peer)) => Server {
                addr: addr.to_owned(),
                peer: peer.to_owned(),
                process,
            },
            _ => panic!("the {system} server said {line:?} instead of its address"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Closing its stdin ends it; waiting for it leaves the machine quiet for the next run.
        drop(self.process.stdin.take());
        let _ = self.process.wait();
    }
}

/// Which process of a remote workload this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The child process that times the workload.
    Client,
    /// The process it started.
    Server,
}

/// On one thread per process (`--one-thread`), put this process on a CPU of its own: the client
/// on the first, the server on the second, as two nodes would run on two machines. Left to the
/// scheduler, the two processes sometimes share a CPU and sometimes not, and a run's time per
/// ask differs by up to 1.6x between the two (every system alike). Threads this process starts
/// later (libp2p's timer thread, tokio's blocking pool) inherit the CPU. Called for `--one-thread`
/// runs only (on two workers, each process needs both CPUs); does nothing on a one-CPU machine.
pub fn pin(side: Side) {
    let cores = core_affinity::get_core_ids().unwrap_or_default();
    if cores.len() < 2 {
        return;
    }
    let core = match side {
        Side::Client => cores[0],
        Side::Server => cores[1],
    };
    if !core_affinity::set_for_current(core) {
        eprintln!("could not pin the {side:?} to CPU {}", core.id);
    }
}

/// What a server prints once it listens (read by [`Server::start`]).
pub fn announce(addr: impl std::fmt::Display, peer: impl std::fmt::Display) {
    println!("ADDR {addr} {peer}");
}

/// Wait, off the runtime's workers, until the client's process closes this one's stdin.
pub async fn until_stdin_closes() {
    let _ =
        tokio::task::spawn_blocking(|| std::io::copy(&mut std::io::stdin(), &mut std::io::sink()))
            .await;
}

/// The identity of actor_system's clients (its servers allow only this peer).
pub fn client_key() -> libp2p::identity::Keypair {
    libp2p::identity::Keypair::ed25519_from_bytes([7u8; 32]).expect("a valid ed25519 secret")
}

/// The time since `start`, once the server's count went from `before` to `after`: panics unless
/// exactly `n` tells arrived.
pub fn counted(start: Instant, before: u64, after: u64, n: u64) -> Duration {
    let elapsed = start.elapsed();
    assert_eq!(after - before, n, "every tell counted once");
    elapsed
}
