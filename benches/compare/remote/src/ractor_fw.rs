//! ractor_cluster 0.16, as its README sets it up: a `NodeServer` in each
//! process (magic cookie, no encryption), `client_connect` from the
//! sender, the receiving actor joined to a process group, which the
//! sender's node learns and fills with a `RemoteActor`; then `cast` to it
//! and one `call` for the report. Messages derive `RactorClusterMessage`;
//! their fields implement `BytesConvertable` with postcard.

use std::time::{Duration, Instant};

use benches::remote::{Checker, Counts, Sample};
use ractor::{Actor, ActorProcessingErr, ActorRef, BytesConvertable, RpcReplyPort};
use ractor_cluster::{NodeServer, RactorClusterMessage};

const COOKIE: &str = "remote-bench";
const GROUP: &str = "sink";

/// The benchmark's message, as ractor_cluster carries it.
pub(crate) struct RSample(Sample);

impl BytesConvertable for RSample {
    fn into_bytes(self) -> Vec<u8> {
        postcard::to_allocvec(&self.0).expect("encode")
    }
    fn from_bytes(bytes: Vec<u8>) -> Self {
        RSample(postcard::from_bytes(&bytes).expect("decode"))
    }
}

pub(crate) struct RCounts(Counts);

impl BytesConvertable for RCounts {
    fn into_bytes(self) -> Vec<u8> {
        postcard::to_allocvec(&self.0).expect("encode")
    }
    fn from_bytes(bytes: Vec<u8>) -> Self {
        RCounts(postcard::from_bytes(&bytes).expect("decode"))
    }
}

#[derive(RactorClusterMessage)]
pub(crate) enum SinkMsg {
    Sample(RSample),
    #[rpc]
    Report(RpcReplyPort<RCounts>),
}

struct Sink;

impl Actor for Sink {
    type Msg = SinkMsg;
    type State = Checker;
    type Arguments = ();

    async fn pre_start(&self, _: ActorRef<SinkMsg>, _: ()) -> Result<Checker, ActorProcessingErr> {
        Ok(Checker::default())
    }

    async fn handle(
        &self,
        _: ActorRef<SinkMsg>,
        msg: SinkMsg,
        checker: &mut Checker,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            SinkMsg::Sample(RSample(sample)) => checker.check(sample.sender, sample.seq),
            SinkMsg::Report(reply) => {
                let _ = reply.send(RCounts(checker.take()));
            }
        }
        Ok(())
    }
}

async fn node(name: &str, port: u16) -> ActorRef<ractor_cluster::NodeServerMessage> {
    let server = NodeServer::new(port, COOKIE.into(), name.into(), "127.0.0.1".into(), None, None);
    let (server, _) = Actor::spawn(None, server, ()).await.expect("start the node server");
    server
}

/// The peer: a node server and the sink in the process group; its address.
pub(crate) async fn serve() -> String {
    let port = crate::free_port();
    let server = node("peer", port).await;
    let (sink, _) = Actor::spawn(Some("sink".into()), Sink, ()).await.expect("spawn the sink");
    ractor::pg::join(GROUP.into(), vec![sink.get_cell()]);
    // Keep both alive for the life of the process.
    std::mem::forget((server, sink));
    format!("127.0.0.1:{port}")
}

/// Connects, finds the remote sink, warms up, then times `n` casts and
/// the report.
pub(crate) async fn one_way(addr: &str, warm_up: u64, n: u64) -> (Duration, Counts) {
    let server = node("sender", crate::free_port()).await;
    ractor_cluster::client_connect(&server, addr).await.expect("connect to the peer");
    let deadline = Instant::now() + Duration::from_secs(30);
    let cell = loop {
        let members = ractor::pg::get_members(&GROUP.to_owned());
        if let Some(remote) = members.into_iter().find(|c| !c.get_id().is_local()) {
            break remote;
        }
        assert!(Instant::now() < deadline, "the remote sink never appeared");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let sink: ActorRef<SinkMsg> = cell.into();
    let report = |sink: ActorRef<SinkMsg>| async move {
        let counts = ractor::call_t!(sink, SinkMsg::Report, 600_000).expect("report");
        counts.0
    };
    for seq in 0..warm_up {
        sink.cast(SinkMsg::Sample(RSample(Sample::new(0, seq)))).expect("cast");
    }
    report(sink.clone()).await;
    let start = Instant::now();
    for seq in 0..n {
        sink.cast(SinkMsg::Sample(RSample(Sample::new(0, seq)))).expect("cast");
    }
    let counts = report(sink.clone()).await;
    let elapsed = start.elapsed();
    server.stop(None);
    (elapsed, counts)
}
