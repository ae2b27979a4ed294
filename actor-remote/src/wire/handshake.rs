//! The handshake's messages and its proof. Before any message, each side
//! learns the other's protocol version, node id and incarnation, and proves
//! it knows the cluster secret without sending it:
//!
//! ```text
//! dialer                                   acceptor
//!   Hello{node, incarnation, nonce_d}  ─▶   (magic and version first)
//!   ◀─  Challenge{Hello{.., nonce_a}, proof_a = HMAC(secret, "accept" ‖ transcript)}
//!   Proof{proof_d = HMAC(secret, "dial" ‖ transcript)}  ─▶
//!   ◀─  Welcome   (or Refused{reason}, at any step, from either side)
//! ```
//!
//! Instead of its proof, a dialer may say `Linked`: the acceptor's hello
//! named a node it already has a link (or a handshake) with. An acceptor
//! may say `Linked` instead of `Welcome`: its own link to the dialer wins
//! (see [`intents`](crate::intents)). Either way the connection closes
//! quietly, and nothing was ever sent over it.
//!
//! The transcript holds both nonces and both identities, so a proof is
//! good for one connection only: a recorded handshake replayed later meets
//! a fresh nonce and fails.

use actor_core::NodeId;
use bytes::{BufMut, BytesMut};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::WireError;
use crate::codec::postcard_into;

/// The first bytes of every connection's first frame.
pub(crate) const MAGIC: [u8; 4] = *b"ACTR";

/// The protocol version this build speaks.
///
/// 2: the cluster's frames (gossip, heartbeats, remote watch, shared
/// facts, name claims) and tells and asks that carry their sender's trace
/// (`TracedTell`, `TracedAsk`), which a version-1 node could not decode; the handshake
/// refuses a version-1 peer with [`WireError::Version`](super::WireError)
/// instead.
///
/// 3: `TellAt`, a tell that names its message by its index among the
/// target's wire names instead of by the name.
///
/// 4: the handshake step `Linked`, by which two nodes that dial each other
/// at once keep one link before either carries anything.
pub(crate) const VERSION: u16 = 4;

/// Bytes of a nonce and of a proof.
pub(crate) const NONCE_LEN: usize = 32;

/// A side's introduction: the first frame each way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Hello {
    pub(crate) node: NodeId,
    pub(crate) incarnation: u64,
    /// Where this node accepts connections, so a peer can dial it back.
    pub(crate) listen: Option<String>,
    /// The largest frame this node accepts.
    pub(crate) max_frame: u32,
    pub(crate) nonce: [u8; NONCE_LEN],
}

/// This node as it introduces itself (with a fresh nonce each time).
#[derive(Clone, Debug)]
pub(crate) struct Me {
    pub(crate) node: NodeId,
    pub(crate) incarnation: u64,
    pub(crate) listen: Option<String>,
    pub(crate) max_frame: u32,
}

impl Me {
    pub(crate) fn hello(&self) -> Hello {
        Hello {
            node: self.node,
            incarnation: self.incarnation,
            listen: self.listen.clone(),
            max_frame: self.max_frame,
            nonce: random_bytes(),
        }
    }
}

/// The handshake's later frames.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Step {
    /// The acceptor's hello, with its proof.
    Challenge { hello: Hello, proof: [u8; NONCE_LEN] },
    /// The dialer's proof.
    Proof { proof: [u8; NONCE_LEN] },
    /// The acceptor took the dialer's proof: messages may flow.
    Welcome,
    /// The sender refuses the connection, and says why.
    Refused { reason: String },
    /// The sender has another link (or handshake) with the other side,
    /// which wins: this connection is not needed, and closes.
    Linked,
}

impl Hello {
    /// Appends the hello as the first frame's body: magic, version, then
    /// the hello itself.
    pub(crate) fn encode(&self, out: &mut BytesMut) {
        out.extend_from_slice(&MAGIC);
        out.put_u16(VERSION);
        if let Err(e) = postcard_into(self, out) {
            unreachable!("a hello always encodes: {e}");
        }
    }

    /// Reads a first frame: the magic and version are checked before
    /// anything else is decoded.
    pub(crate) fn decode(frame: &[u8]) -> Result<Hello, WireError> {
        if frame.len() < MAGIC.len() || frame[..MAGIC.len()] != MAGIC {
            return Err(WireError::NotOurProtocol);
        }
        let Some(version) = frame.get(4..6) else {
            return Err(WireError::malformed("hello", "no version"));
        };
        let theirs = u16::from_be_bytes([version[0], version[1]]);
        if theirs != VERSION {
            return Err(WireError::Version { theirs, ours: VERSION });
        }
        postcard::from_bytes(&frame[6..]).map_err(|e| WireError::malformed("hello", e))
    }
}

impl Step {
    pub(crate) fn encode(&self, out: &mut BytesMut) {
        if let Err(e) = postcard_into(self, out) {
            unreachable!("a handshake step always encodes: {e}");
        }
    }

    pub(crate) fn decode(frame: &[u8]) -> Result<Step, WireError> {
        postcard::from_bytes(frame).map_err(|e| WireError::malformed("handshake", e))
    }
}

/// Which side a proof speaks for: the two labels keep a proof from being
/// reflected back as the other side's.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Role {
    Dialer,
    Acceptor,
}

/// The proof that `role` knows `secret`, for the connection between
/// `dialer` and `acceptor`.
pub(crate) fn proof(secret: &[u8], role: Role, dialer: &Hello, acceptor: &Hello) -> [u8; NONCE_LEN] {
    let mut mac = transcript(secret, role, dialer, acceptor);
    let mut out = [0; NONCE_LEN];
    out.copy_from_slice(&mac_finish(&mut mac));
    out
}

/// Checks `claimed` against the proof `role` should have sent, in
/// constant time.
pub(crate) fn verify(secret: &[u8], role: Role, dialer: &Hello, acceptor: &Hello, claimed: &[u8]) -> bool {
    transcript(secret, role, dialer, acceptor).verify_slice(claimed).is_ok()
}

fn transcript(secret: &[u8], role: Role, dialer: &Hello, acceptor: &Hello) -> Hmac<Sha256> {
    // HMAC takes keys of any length.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts any key length"),
    };
    mac.update(match role {
        Role::Dialer => b"actor-remote/1 dial\0",
        Role::Acceptor => b"actor-remote/1 accept",
    });
    for hello in [dialer, acceptor] {
        mac.update(&hello.node.as_u128().to_be_bytes());
        mac.update(&hello.incarnation.to_be_bytes());
        mac.update(&hello.nonce);
    }
    mac
}

fn mac_finish(mac: &mut Hmac<Sha256>) -> [u8; 32] {
    mac.clone().finalize().into_bytes().into()
}

/// A fresh random nonce (also used for incarnations).
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0; N];
    // The OS's random source failing is not something a node can run without.
    if let Err(e) = getrandom::fill(&mut out) {
        panic!("the operating system's random source failed: {e}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hello(node: u128, nonce: u8) -> Hello {
        Hello {
            node: NodeId::from_u128(node),
            incarnation: 3,
            listen: Some("127.0.0.1:7000".into()),
            max_frame: 1 << 20,
            nonce: [nonce; NONCE_LEN],
        }
    }

    #[test]
    fn hello_checks_magic_and_version_first() {
        let mut out = BytesMut::new();
        hello(1, 2).encode(&mut out);
        assert_eq!(Hello::decode(&out), Ok(hello(1, 2)));
        let mut wrong = out.clone();
        wrong[5] = 9;
        assert_eq!(Hello::decode(&wrong), Err(WireError::Version { theirs: 9, ours: VERSION }));
        assert_eq!(Hello::decode(b"GET / HTTP/1.1\r\n"), Err(WireError::NotOurProtocol));
        assert!(matches!(Hello::decode(&out[..8]), Err(WireError::Malformed { .. })));
        assert!(matches!(Hello::decode(&MAGIC), Err(WireError::Malformed { .. })));
    }

    #[test]
    fn proofs_bind_secret_role_and_both_nonces() {
        let (d, a) = (hello(1, 1), hello(2, 2));
        let p = proof(b"secret", Role::Acceptor, &d, &a);
        assert!(verify(b"secret", Role::Acceptor, &d, &a, &p));
        assert!(!verify(b"other", Role::Acceptor, &d, &a, &p));
        assert!(!verify(b"secret", Role::Dialer, &d, &a, &p), "a proof cannot be reflected");
        assert!(!verify(b"secret", Role::Acceptor, &hello(1, 9), &a, &p), "a fresh nonce voids a replay");
        assert!(!verify(b"secret", Role::Acceptor, &d, &a, &p[..31]));
    }

    proptest! {
        #[test]
        fn steps_round_trip(reason in ".{0,64}", proof in any::<[u8; 32]>()) {
            for step in [Step::Refused { reason: reason.clone() }, Step::Proof { proof }, Step::Welcome,
                         Step::Challenge { hello: hello(5, 6), proof }, Step::Linked] {
                let mut out = BytesMut::new();
                step.encode(&mut out);
                prop_assert_eq!(Step::decode(&out).unwrap(), step);
            }
        }

        #[test]
        fn any_bytes_are_a_hello_or_an_error(bytes in prop::collection::vec(any::<u8>(), 0..128)) {
            let _ = Hello::decode(&bytes);
            let _ = Step::decode(&bytes);
            let mut prefixed = MAGIC.to_vec();
            prefixed.extend_from_slice(&VERSION.to_be_bytes());
            prefixed.extend_from_slice(&bytes);
            let _ = Hello::decode(&prefixed);
        }
    }
}
