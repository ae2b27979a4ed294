//! A node's settings and their defaults.

use std::time::Duration;

use crate::membership::phi::PhiSettings;

/// The largest frame a node accepts by default: 8 MiB.
pub const DEFAULT_MAX_FRAME: usize = 8 * 1024 * 1024;
/// Messages in flight to one remote actor before the sender waits: 1024.
pub const DEFAULT_WINDOW: u32 = 1024;
/// Bytes waiting for one peer's link above which user messages wait: 4 MiB.
pub const DEFAULT_OUTBOUND_BUFFER: usize = 4 * 1024 * 1024;
/// Time a peer has to finish the handshake: 5 s.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// Time one write may make no progress before the link is dropped: 10 s.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Time a peer may stay unreachable before it is given up for down: 30 s.
pub const DEFAULT_DOWN_AFTER: Duration = Duration::from_secs(30);
/// Time a lookup waits for the peers' answers: 5 s.
pub const DEFAULT_LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// How often each node sends a heartbeat on each link: 1 s.
pub const DEFAULT_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(1);
/// The phi above which a member is suspected: 8.
pub const DEFAULT_PHI_THRESHOLD: f64 = 8.0;
/// A heartbeat pause absorbed without suspicion: 3 s.
pub const DEFAULT_ACCEPTABLE_PAUSE: Duration = Duration::from_secs(3);
/// Time a suspected member has to show it is alive before it is declared
/// down: 2 s.
pub const DEFAULT_SUSPECT_TIMEOUT: Duration = Duration::from_secs(2);

/// The settings of a running node (see the builder's methods).
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) secret: Vec<u8>,
    pub(crate) max_frame: usize,
    pub(crate) window: u32,
    pub(crate) outbound_buffer: usize,
    pub(crate) handshake_timeout: Duration,
    pub(crate) write_timeout: Duration,
    pub(crate) down_after: Duration,
    pub(crate) lookup_timeout: Duration,
    pub(crate) detector: PhiSettings,
    pub(crate) suspect_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            secret: Vec::new(),
            max_frame: DEFAULT_MAX_FRAME,
            window: DEFAULT_WINDOW,
            outbound_buffer: DEFAULT_OUTBOUND_BUFFER,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            write_timeout: DEFAULT_WRITE_TIMEOUT,
            down_after: DEFAULT_DOWN_AFTER,
            lookup_timeout: DEFAULT_LOOKUP_TIMEOUT,
            detector: PhiSettings {
                interval: DEFAULT_HEARTBEAT_INTERVAL,
                threshold: DEFAULT_PHI_THRESHOLD,
                acceptable_pause: DEFAULT_ACCEPTABLE_PAUSE,
                min_std_dev: Duration::from_millis(100),
            },
            suspect_timeout: DEFAULT_SUSPECT_TIMEOUT,
        }
    }
}
