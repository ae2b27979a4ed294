//! Mutual TLS for links, through tokio-rustls: each node presents its
//! certificate and checks the peer's against the cluster's CA. The
//! handshake (and the secret's proof) then runs inside TLS.

use std::sync::Arc;

use crate::net::Rewound;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore, ServerConfig};
use tokio_rustls::{TlsAcceptor, TlsConnector};

use crate::error::{HandshakeError, NodeError};

/// A byte stream a link runs on: TCP, or TLS over TCP.
pub(crate) use crate::net::Stream as Io;

/// Why an incoming connection did not become TLS.
pub(crate) enum NotTls {
    /// The peer spoke plain text: it should be told, in plain text.
    PlainText(Box<dyn Io>),
    /// TLS itself failed.
    Failed(HandshakeError),
}

/// The first byte of a TLS handshake record.
const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// Mutual TLS for a node's links: its certificate and key, and the CA that
/// every node's certificate must chain to.
///
/// Every node's certificate must be valid for `server_name` (one name for
/// the cluster, e.g. `node.cluster.internal`), which dialers check.
#[derive(Clone)]
pub struct TlsConfig {
    tls: Tls,
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConfig").field("server_name", &self.tls.name).finish_non_exhaustive()
    }
}

impl TlsConfig {
    /// From PEM: this node's certificate chain, its private key, and the
    /// cluster CA's certificate(s).
    ///
    /// # Errors
    /// [`NodeError::Tls`] naming what could not be read or was refused.
    pub fn from_pem(
        cert_chain: &[u8],
        key: &[u8],
        ca: &[u8],
        server_name: &str,
    ) -> Result<TlsConfig, NodeError> {
        let bad = |what: &str, e: &dyn std::fmt::Display| NodeError::Tls(format!("{what}: {e}"));
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_chain)
            .collect::<Result<_, _>>()
            .map_err(|e| bad("certificate chain", &e))?;
        if chain.is_empty() {
            return Err(NodeError::Tls("certificate chain: no certificate in the PEM".into()));
        }
        let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| bad("private key", &e))?;
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(ca) {
            roots.add(cert.map_err(|e| bad("CA certificate", &e))?).map_err(|e| bad("CA certificate", &e))?;
        }
        if roots.is_empty() {
            return Err(NodeError::Tls("CA: no certificate in the PEM".into()));
        }
        let roots = Arc::new(roots);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone())
            .build()
            .map_err(|e| bad("client verifier", &e))?;
        let server = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| bad("TLS versions", &e))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain.clone(), key.clone_key())
            .map_err(|e| bad("certificate and key", &e))?;
        let client = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| bad("TLS versions", &e))?
            .with_root_certificates(roots)
            .with_client_auth_cert(chain, key)
            .map_err(|e| bad("certificate and key", &e))?;
        let name = ServerName::try_from(server_name.to_owned()).map_err(|e| bad("server name", &e))?;
        Ok(TlsConfig {
            tls: Tls {
                acceptor: TlsAcceptor::from(Arc::new(server)),
                connector: TlsConnector::from(Arc::new(client)),
                name,
            },
        })
    }

    pub(crate) fn into_tls(self) -> Tls {
        self.tls
    }
}

/// The TLS side of a node's links.
#[derive(Clone)]
pub(crate) struct Tls {
    acceptor: TlsAcceptor,
    connector: TlsConnector,
    name: ServerName<'static>,
}

impl Tls {
    pub(crate) async fn connect(&self, tcp: Box<dyn Io>) -> Result<Box<dyn Io>, HandshakeError> {
        match self.connector.connect(self.name.clone(), tcp).await {
            Ok(tls) => Ok(Box::new(tls)),
            Err(e) => Err(HandshakeError::Tls(format!("TLS handshake failed (does the peer use TLS?): {e}"))),
        }
    }

    /// Accepts TLS, or hands a plain-text peer's stream back so that the
    /// caller can tell it why it is refused (both ends then see the reason).
    pub(crate) async fn accept(&self, mut stream: Box<dyn Io>) -> Result<Box<dyn Io>, NotTls> {
        use tokio::io::AsyncReadExt;
        // The first byte says whether the peer speaks TLS; it is read again
        // by whoever reads the stream next.
        let first = match stream.read_u8().await {
            Ok(byte) => byte,
            Err(e) => return Err(NotTls::Failed(HandshakeError::Io(e.to_string()))),
        };
        let stream: Box<dyn Io> = Box::new(Rewound::new(first, stream));
        if first != TLS_HANDSHAKE_RECORD {
            return Err(NotTls::PlainText(stream));
        }
        match self.acceptor.accept(stream).await {
            Ok(tls) => Ok(Box::new(tls)),
            Err(e) => Err(NotTls::Failed(HandshakeError::Tls(format!("TLS handshake failed: {e}")))),
        }
    }
}
