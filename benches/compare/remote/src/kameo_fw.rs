//! kameo 0.22 with its `remote` feature: a libp2p swarm in each process
//! with kameo's `remote::Behaviour` (TCP + noise + yamux; no mDNS or
//! QUIC, the sender dials the peer's address), the sink registered by
//! name, looked up with `RemoteActorRef::lookup`, then `tell(&msg).send()`
//! (kameo's fire-and-forget remote tell) and one `ask` for the report.

use std::time::{Duration, Instant};

use benches::remote::{Checker, Counts, Report, Sample};
use futures::StreamExt;
use kameo::actor::RemoteActorRef;
use kameo::prelude::*;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{noise, tcp, yamux, Multiaddr};
use serde::{Deserialize, Serialize};

#[derive(Actor, RemoteActor, Default)]
pub(crate) struct KSink {
    checker: Checker,
}

/// The report, as a kameo reply.
#[derive(Reply, Serialize, Deserialize)]
pub(crate) struct KCounts(Counts);

#[remote_message("bench.sample.v1")]
impl Message<Sample> for KSink {
    type Reply = ();

    async fn handle(&mut self, sample: Sample, _ctx: &mut Context<Self, Self::Reply>) {
        self.checker.check(sample.sender, sample.seq);
    }
}

#[remote_message("bench.report.v1")]
impl Message<Report> for KSink {
    type Reply = KCounts;

    async fn handle(&mut self, _: Report, _ctx: &mut Context<Self, Self::Reply>) -> KCounts {
        KCounts(self.checker.take())
    }
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    kameo: kameo::remote::Behaviour,
}

/// Starts this process's swarm, listening on loopback; its address. If
/// `dial` is given, dials it before the swarm runs on its own.
async fn swarm(dial: Option<&str>, connected: Option<tokio::sync::oneshot::Sender<()>>) -> Multiaddr {
    let mut connected = connected;
    let mut swarm = libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(tcp::Config::default().nodelay(true), noise::Config::new, yamux::Config::default)
        .expect("tcp transport")
        .with_behaviour(|key| {
            let peer = key.public().to_peer_id();
            Ok(Behaviour {
                kameo: kameo::remote::Behaviour::new(peer, kameo::remote::messaging::Config::default()),
            })
        })
        .expect("behaviour")
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(600)))
        .build();
    swarm.behaviour().kameo.init_global();
    swarm.listen_on("/ip4/127.0.0.1/tcp/0".parse().expect("multiaddr")).expect("listen");
    let listening = loop {
        if let SwarmEvent::NewListenAddr { address, .. } = swarm.select_next_some().await {
            break address;
        }
    };
    if let Some(addr) = dial {
        swarm.dial(addr.parse::<Multiaddr>().expect("peer multiaddr")).expect("dial");
    }
    tokio::spawn(async move {
        loop {
            match swarm.select_next_some().await {
                SwarmEvent::ConnectionEstablished { peer_id, endpoint, .. } => {
                    // As kameo's own `bootstrap` does for peers mDNS finds:
                    // tell the swarm (and so kameo's Kademlia) the peer's
                    // address, or lookups find nothing.
                    swarm.add_peer_address(peer_id, endpoint.get_remote_address().clone());
                    if let Some(tx) = connected.take() {
                        let _ = tx.send(());
                    }
                }
                SwarmEvent::OutgoingConnectionError { error, .. } => eprintln!("kameo: dial failed: {error}"),
                SwarmEvent::IncomingConnectionError { error, .. } => {
                    eprintln!("kameo: incoming failed: {error}")
                }
                _ => {}
            }
        }
    });
    listening
}

/// The peer: a swarm and the registered sink; its address.
///
/// The sink registers once the sender has connected, so that its provider
/// record has a peer to go to.
pub(crate) async fn serve() -> String {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let addr = swarm(None, Some(tx)).await;
    tokio::spawn(async move {
        let _ = rx.await;
        let sink = KSink::spawn(KSink::default());
        sink.register("sink").await.expect("register the sink");
        std::mem::forget(sink);
    });
    addr.to_string()
}

/// Dials the peer, looks the sink up, warms up (acknowledged tells), then
/// times `n` tells and the report. `ack`: each tell waits for kameo's
/// acknowledgement (`send_ack`, one round trip per message); otherwise
/// `send()`, fire and forget, and the report is asked until the link has
/// room for it.
pub(crate) async fn one_way(addr: &str, warm_up: u64, n: u64, ack: bool) -> (Duration, Counts) {
    swarm(Some(addr), None).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let sink = loop {
        let found = RemoteActorRef::<KSink>::lookup("sink").await;
        if let Ok(Some(sink)) = found {
            break sink;
        }
        assert!(Instant::now() < deadline, "the remote sink was never found: {:?}", found.err());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for seq in 0..warm_up {
        sink.tell(&Sample::new(0, seq)).send_ack().await.expect("tell");
    }
    sink.ask(&Report).await.expect("report");
    let start = Instant::now();
    let mut refused = 0u64;
    for seq in 0..n {
        let sent = if ack {
            sink.tell(&Sample::new(0, seq)).send_ack().await
        } else {
            sink.tell(&Sample::new(0, seq)).send()
        };
        if sent.is_err() {
            refused += 1;
        }
    }
    let counts = loop {
        match sink.ask(&Report).await {
            Ok(counts) => break counts.0,
            Err(e) if Instant::now() < start + Duration::from_secs(300) => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            Err(e) => panic!("report: {e:?}"),
        }
    };
    if refused > 0 {
        eprintln!("kameo: {refused} tells refused at the sender");
    }
    (start.elapsed(), counts)
}
