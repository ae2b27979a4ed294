//! The handshake, run on a fresh connection before anything else: each
//! side's hello, then proofs of the cluster secret (see
//! [`wire::handshake`](crate::wire::handshake) for the exchange).

use bytes::{Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use tokio_util::codec::{Framed, LengthDelimitedCodec};

use crate::error::HandshakeError;
use crate::tls::Io;
use crate::wire::frame;
use crate::wire::handshake::{proof, verify, Hello, Me, Role, Step};

/// A connection during its handshake: small frames only.
pub(crate) type Handshaking = Framed<Box<dyn Io>, LengthDelimitedCodec>;

pub(crate) fn framed(io: Box<dyn Io>) -> Handshaking {
    Framed::new(io, frame::codec(frame::HANDSHAKE_LIMIT))
}

/// How a handshake that nobody refused ended.
pub(crate) enum Outcome<G> {
    /// Both proofs held and the link may carry messages; `G` keeps the
    /// handshake noted as in flight until the link is established.
    Welcomed(Hello, G),
    /// One side has another link (or handshake) with the other that wins;
    /// this connection closes, and nothing was sent over it.
    Redundant(Hello),
}

/// Runs the dialer's side. Once the acceptor has proved itself, `go`
/// decides whether this link is wanted (`None`: another link to that node
/// wins, and the dialer says so instead of proving itself).
pub(crate) async fn dial<G>(
    conn: &mut Handshaking,
    me: &Me,
    secret: &[u8],
    go: impl FnOnce(&Hello) -> Option<G>,
) -> Result<Outcome<G>, HandshakeError> {
    let mine = me.hello();
    send(conn, |out| mine.encode(out)).await?;
    let (theirs, their_proof) = match Step::decode(&receive(conn).await?)? {
        Step::Challenge { hello, proof } => (hello, proof),
        Step::Refused { reason } => return Err(HandshakeError::RefusedByPeer(reason)),
        other => return Err(unexpected(&other)),
    };
    if theirs.node == mine.node {
        return Err(refuse(conn, HandshakeError::SelfConnection).await);
    }
    if !verify(secret, Role::Acceptor, &mine, &theirs, &their_proof) {
        return Err(refuse(conn, HandshakeError::BadProof).await);
    }
    let Some(going) = go(&theirs) else {
        return Ok(give_way(conn, theirs).await);
    };
    let proof = proof(secret, Role::Dialer, &mine, &theirs);
    send(conn, |out| Step::Proof { proof }.encode(out)).await?;
    match Step::decode(&receive(conn).await?)? {
        Step::Welcome => Ok(Outcome::Welcomed(theirs, going)),
        Step::Linked => Ok(Outcome::Redundant(theirs)),
        Step::Refused { reason } => Err(HandshakeError::RefusedByPeer(reason)),
        other => Err(unexpected(&other)),
    }
}

/// Runs the acceptor's side. Once the dialer has proved itself, `go`
/// decides whether this link is wanted (`None`: this node's own link to
/// the dialer wins, and it says so instead of welcoming it).
pub(crate) async fn accept<G>(
    conn: &mut Handshaking,
    me: &Me,
    secret: &[u8],
    go: impl FnOnce(&Hello) -> Option<G>,
) -> Result<Outcome<G>, HandshakeError> {
    let first = receive(conn).await?;
    let theirs = match Hello::decode(&first) {
        Ok(hello) => hello,
        Err(e) => return Err(refuse(conn, HandshakeError::Wire(e)).await),
    };
    if theirs.node == me.node {
        return Err(refuse(conn, HandshakeError::SelfConnection).await);
    }
    let mine = me.hello();
    let proof = proof(secret, Role::Acceptor, &theirs, &mine);
    send(conn, |out| Step::Challenge { hello: mine.clone(), proof }.encode(out)).await?;
    let their_proof = match Step::decode(&receive(conn).await?)? {
        Step::Proof { proof } => proof,
        // Not proved, but nothing is given: the connection just closes.
        Step::Linked => return Ok(Outcome::Redundant(theirs)),
        Step::Refused { reason } => return Err(HandshakeError::RefusedByPeer(reason)),
        other => return Err(refuse(conn, unexpected(&other)).await),
    };
    if !verify(secret, Role::Dialer, &theirs, &mine, &their_proof) {
        return Err(refuse(conn, HandshakeError::BadProof).await);
    }
    let Some(going) = go(&theirs) else {
        return Ok(give_way(conn, theirs).await);
    };
    send(conn, |out| Step::Welcome.encode(out)).await?;
    Ok(Outcome::Welcomed(theirs, going))
}

/// Tells the other side that another link wins (best effort: the
/// connection closes either way).
async fn give_way<G>(conn: &mut Handshaking, theirs: Hello) -> Outcome<G> {
    let _ = send(conn, |out| Step::Linked.encode(out)).await;
    Outcome::Redundant(theirs)
}

fn unexpected(step: &Step) -> HandshakeError {
    let name = match step {
        Step::Challenge { .. } => "challenge",
        Step::Proof { .. } => "proof",
        Step::Welcome => "welcome",
        Step::Refused { .. } => "refusal",
        Step::Linked => "linked",
    };
    HandshakeError::Wire(crate::wire::WireError::malformed("handshake", format!("unexpected {name}")))
}

/// Tells the peer why it is refused (best effort), and returns the error.
pub(crate) async fn refuse(conn: &mut Handshaking, error: HandshakeError) -> HandshakeError {
    let reason = match &error {
        // The peer's own view: it is the one that failed to prove.
        HandshakeError::BadProof => "the proof of the cluster secret is wrong".to_owned(),
        other => other.to_string(),
    };
    let _ = send(conn, |out| Step::Refused { reason }.encode(out)).await;
    error
}

async fn send(conn: &mut Handshaking, write: impl FnOnce(&mut BytesMut)) -> Result<(), HandshakeError> {
    let mut out = BytesMut::new();
    write(&mut out);
    conn.send(Bytes::from(out)).await.map_err(|e| HandshakeError::Io(e.to_string()))
}

async fn receive(conn: &mut Handshaking) -> Result<BytesMut, HandshakeError> {
    match conn.next().await {
        Some(Ok(frame)) => Ok(frame),
        Some(Err(e)) => Err(match frame::read_error(e, frame::HANDSHAKE_LIMIT) {
            Ok(wire) => HandshakeError::Wire(wire),
            Err(io) => HandshakeError::Io(io.to_string()),
        }),
        None => Err(HandshakeError::Closed),
    }
}
