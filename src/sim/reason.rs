//! Why a connection attempt failed: the guide's client connect handler reasons (guide:
//! "Monitor connection authorization failures") and the simulator's own, documented reasons.

/// The single outcome of a failed attempt. `name()` is the exact string written in outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FailureReason {
    /// The Lambda function prevented the connection from being established.
    ClientConnectFailed,
    /// The Lambda function timed out (30 s, guide: "Requirements and considerations").
    HandlerTimedOut,
    /// The Lambda function encountered an unexpected error.
    HandlerOtherExecutionError,
    /// The Lambda function was throttled (in-flight invocations at its concurrency).
    HandlerThrottled,
    /// The Lambda function returned a response that was not valid.
    HandlerInvalidResponse,
    /// There was a service-side error during the connection attempt.
    HandlerServiceError,
    /// Simulator: no free address in the usable half of the client CIDR (docs/model.md §4).
    ClientCidrExhausted,
    /// Simulator: the landing association holds its even share of the connection limit (§3).
    AssociationAtCapacity,
    /// Simulator: the endpoint holds its total connection limit (§3).
    EndpointAtCapacity,
    /// Simulator: DNS had no healthy association to return, or the association the attempt
    /// landed on failed before the connection was established (§5, §7).
    NoHealthyAssociation,
    /// Simulator: the user's credentials were refused (population failure rate, §6).
    AuthenticationFailed,
    /// Simulator: the client certificate is on the certificate revocation list (§6; guide:
    /// "Client certificate revocation lists"). Counts as an authentication failure in metrics.
    CertificateRevoked,
}

impl FailureReason {
    pub const COUNT: usize = 12;

    pub const ALL: [FailureReason; FailureReason::COUNT] = [
        FailureReason::ClientConnectFailed,
        FailureReason::HandlerTimedOut,
        FailureReason::HandlerOtherExecutionError,
        FailureReason::HandlerThrottled,
        FailureReason::HandlerInvalidResponse,
        FailureReason::HandlerServiceError,
        FailureReason::ClientCidrExhausted,
        FailureReason::AssociationAtCapacity,
        FailureReason::EndpointAtCapacity,
        FailureReason::NoHealthyAssociation,
        FailureReason::AuthenticationFailed,
        FailureReason::CertificateRevoked,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            FailureReason::ClientConnectFailed => "client-connect-failed",
            FailureReason::HandlerTimedOut => "client-connect-handler-timed-out",
            FailureReason::HandlerOtherExecutionError => {
                "client-connect-handler-other-execution-error"
            }
            FailureReason::HandlerThrottled => "client-connect-handler-throttled",
            FailureReason::HandlerInvalidResponse => "client-connect-handler-invalid-response",
            FailureReason::HandlerServiceError => "client-connect-handler-service-error",
            FailureReason::ClientCidrExhausted => "client-cidr-exhausted",
            FailureReason::AssociationAtCapacity => "association-at-capacity",
            FailureReason::EndpointAtCapacity => "endpoint-at-capacity",
            FailureReason::NoHealthyAssociation => "no-healthy-association",
            FailureReason::AuthenticationFailed => "authentication-failed",
            FailureReason::CertificateRevoked => "certificate-revoked",
        }
    }

    /// Whether the guide itself names this reason (the rest are the simulator's).
    pub fn is_guide_reason(self) -> bool {
        self.index() <= FailureReason::HandlerServiceError.index()
    }

    /// Whether this failure counts in the `AuthenticationFailures` metric.
    pub fn is_authentication_failure(self) -> bool {
        matches!(
            self,
            FailureReason::AuthenticationFailed | FailureReason::CertificateRevoked
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guide, "Monitor connection authorization failures": the six handler reasons, verbatim.
    #[test]
    fn handler_reasons_are_the_guides_strings() {
        let guide: Vec<&str> = FailureReason::ALL
            .iter()
            .filter(|r| r.is_guide_reason())
            .map(|r| r.name())
            .collect();
        assert_eq!(
            guide,
            [
                "client-connect-failed",
                "client-connect-handler-timed-out",
                "client-connect-handler-other-execution-error",
                "client-connect-handler-throttled",
                "client-connect-handler-invalid-response",
                "client-connect-handler-service-error",
            ]
        );
        for (i, r) in FailureReason::ALL.iter().enumerate() {
            assert_eq!(r.index(), i);
        }
    }
}
