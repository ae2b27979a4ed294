//! Mutual TLS: nodes with certificates from the cluster's CA talk; a
//! plain-text peer, or a certificate from another CA, is refused with a
//! clear error on both sides.

use std::time::Duration;

use actor_remote::facts::HandshakeFailed;
use actor_remote::{ConnectError, HandshakeError, TlsConfig};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

use crate::common::*;

const NAME: &str = "node.test.internal";

/// A CA, and a way to issue node certificates from it.
struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    fn new() -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        Ca { issuer: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap() }
    }

    /// A node's TLS settings: a fresh key and a certificate for [`NAME`].
    fn node(&self) -> TlsConfig {
        let mut params = CertificateParams::new(vec![NAME.to_owned()]).unwrap();
        params.extended_key_usages =
            vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        TlsConfig::from_pem(
            cert.pem().as_bytes(),
            key.serialize_pem().as_bytes(),
            self.issuer.pem().as_bytes(),
            NAME,
        )
        .unwrap()
    }
}

async fn next_refusal(events: &mut actor_core::events::Subscription<HandshakeFailed>) -> String {
    tokio::time::timeout(Duration::from_secs(10), events.recv()).await.unwrap().unwrap().reason
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_of_one_ca_talk_over_mutual_tls() {
    let ca = Ca::new();
    let (a_tls, b_tls) = (ca.node(), ca.node());
    let pair = pair_with(|a| a.tls(a_tls), |b| b.tls(b_tls)).await;
    for n in 0..100 {
        pair.remote.tell(Record(n)).await.unwrap();
    }
    assert_eq!(pair.remote.ask(Entries).await.unwrap(), (0..100).collect::<Vec<_>>());
    pair.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_text_peer_is_told_the_node_requires_tls() {
    let ca = Ca::new();
    let (sys_t, tls_node) = node_with(|b| b.tls(ca.node())).await;
    let mut refused = tls_node.system().events().subscribe::<HandshakeFailed>();
    let (sys_p, plain) = node().await;
    let error = plain.connect(&tls_node.local_addr().unwrap().to_string()).await.unwrap_err();
    match &error {
        ConnectError::Handshake { reason: HandshakeError::RefusedByPeer(reason), .. } => {
            assert!(reason.contains("requires TLS"), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(next_refusal(&mut refused).await.contains("requires TLS"));
    tls_node.shutdown().await;
    plain.shutdown().await;
    sys_t.shutdown().await;
    sys_p.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_node_against_a_plain_one_fails_clearly() {
    let ca = Ca::new();
    let (sys_p, plain) = node().await;
    let mut refused = plain.system().events().subscribe::<HandshakeFailed>();
    let (sys_t, tls_node) = node_with(|b| b.tls(ca.node())).await;
    let error = tls_node.connect(&plain.local_addr().unwrap().to_string()).await.unwrap_err();
    assert!(error.to_string().contains("TLS handshake failed"), "{error}");
    // The plain node read a TLS record as a frame: not the protocol.
    let reason = next_refusal(&mut refused).await;
    assert!(reason.contains("exceeds the limit") || reason.contains("not an actor-remote peer"), "{reason}");
    tls_node.shutdown().await;
    plain.shutdown().await;
    sys_t.shutdown().await;
    sys_p.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_from_another_ca_is_refused() {
    let (ours, theirs) = (Ca::new(), Ca::new());
    let (sys_a, a) = node_with(|b| b.tls(ours.node())).await;
    let mut refused = a.system().events().subscribe::<HandshakeFailed>();
    let (sys_b, b) = node_with(|b| b.tls(theirs.node())).await;
    let error = b.connect(&a.local_addr().unwrap().to_string()).await.unwrap_err();
    assert!(error.to_string().contains("TLS"), "{error}");
    assert!(next_refusal(&mut refused).await.contains("TLS"));
    assert!(a.peers().is_empty() && b.peers().is_empty());
    a.shutdown().await;
    b.shutdown().await;
    sys_a.shutdown().await;
    sys_b.shutdown().await;
}
