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
}
