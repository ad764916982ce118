//! Connection log entries as the engine records them (guide: "Connection log entries"); the
//! JSON rendering lives in `report::connlog`.

use std::net::Ipv4Addr;

use crate::model::{AssocId, Millis, PopId};
use crate::sim::reason::FailureReason;

/// One entry: an attempt's outcome, or the end of a connection (same connection id as the
/// successful attempt, with `end` set).
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// `connection-last-update-time`.
    pub at: Millis,
    pub connection_id: u64,
    /// `None` for a successful attempt or an end-of-connection entry.
    pub failure: Option<FailureReason>,
    /// `connection-start-time`: when the attempt began.
    pub start: Millis,
    /// `connection-end-time`, for end-of-connection entries.
    pub end: Option<Millis>,
    /// The address assigned from the client CIDR pool (successful connections only).
    pub client_ip: Option<Ipv4Addr>,
    pub population: PopId,
    /// A stable serial number of the user within the run.
    pub user: u64,
    pub association: Option<AssocId>,
    /// `port`: the client's source port (the guide's example entry shows 50096).
    pub client_port: u16,
}

/// The first port of the dynamic (ephemeral) range, 49152–65535, that clients' operating
/// systems draw source ports from (an assumption: the guide's configuration has `nobind`, so the
/// client takes whatever source port its system gives; the range is IANA's).
pub const EPHEMERAL_PORTS: std::ops::RangeInclusive<u16> = 49152..=65535;

/// The client's source port for connection `id`: a fixed function of the seed, the replica and
/// the connection id (SplitMix64), so the same run gives the same ports and an attempt and the
/// end of its connection carry the same port, without touching any random stream.
pub fn client_port(seed: u64, replica: u32, id: u64) -> u16 {
    let mut z = seed ^ (u64::from(replica) << 48) ^ id.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    let span = u64::from(EPHEMERAL_PORTS.end() - EPHEMERAL_PORTS.start()) + 1;
    EPHEMERAL_PORTS.start() + (z % span) as u16
}
