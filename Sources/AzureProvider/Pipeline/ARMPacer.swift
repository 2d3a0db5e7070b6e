public import AMLAuthCore

/// Paces ARM requests by ARM's own token buckets: one `ARMPacing` estimate per subscription,
/// principal and kind of operation, shared by every request of the pipeline, so `--parallelism`
/// changes how many requests wait, not how many go.
///
/// Every ARM request under `/subscriptions/{id}` asks `acquire` before it is sent and reports
/// its answer with `settle`; a retry asks again, so a retried request is paced like a new one.
public actor ARMPacer {
    /// A request that may go, to settle when its answer is in.
    public struct Permit: Sendable {
        fileprivate var key: Key
        fileprivate var ticket: ARMPacing.Ticket
    }

    fileprivate struct Key: Hashable, Sendable {
        var subscription: String
        var principal: String
        var operation: ARMThrottleLimits.Operation
    }

    public let limits: ARMThrottleLimits
    private let runtime: Runtime
    private var buckets: [Key: ARMPacing] = [:]

    public init(limits: ARMThrottleLimits = .documented, runtime: Runtime = .system) {
        self.limits = limits
        self.runtime = runtime
    }

    /// The subscription an ARM URL is in (`…/subscriptions/{id}/…`), lowercased; nil for
    /// tenant-level requests, which ARM counts elsewhere.
    public static func subscription(of url: String) -> String? {
        let path = url.split(separator: "?", maxSplits: 1).first ?? ""
        let segments = path.split(separator: "/")
        guard let index = segments.firstIndex(where: { $0.lowercased() == "subscriptions" }),
            index + 1 < segments.count, !segments[index + 1].contains(":")
        else { return nil }
        return segments[index + 1].lowercased()
    }

    /// Waits until the bucket for `method` has a token for this request, and takes it.
    public func acquire(method: String, subscription: String, principal: String) async throws -> Permit {
        let operation = ARMThrottleLimits.Operation(method: method)
        let key = Key(subscription: subscription, principal: principal, operation: operation)
        while true {
            let now = runtime.now()
            var pacing = buckets[key] ?? ARMPacing(limits: limits, operation: operation, now: now)
            let decision = pacing.take(now: now)
            buckets[key] = pacing
            switch decision {
            case .go(let ticket): return Permit(key: key, ticket: ticket)
            case .wait(let seconds): try await runtime.sleep(seconds)
            }
        }
    }

    /// Reports the answer to a permitted request: its status and headers (nil for a request that
    /// got no answer).
    public func settle(_ permit: Permit, status: Int?, header: @Sendable (String) -> String?) {
        guard var pacing = buckets[permit.key] else { return }
        let now = runtime.now()
        let kind = permit.key.operation.rawValue
        if status == 429 {
            let wait = RetryPolicy.retryAfter(header, now: now) ?? 1
            pacing.throttled(permit.ticket, retryAfter: wait, now: now)
        } else if let status, status > 0 {
            let remaining = header("x-ms-ratelimit-remaining-subscription-\(kind)").flatMap { Int($0) }
            let global = header("x-ms-ratelimit-remaining-subscription-global-\(kind)").flatMap { Int($0) }
            pacing.observe(permit.ticket, remaining: remaining, globalRemaining: global, now: now)
        } else {
            pacing.abandon(permit.ticket)
        }
        buckets[permit.key] = pacing
    }

    /// The estimate for one bucket, for tests and diagnostics.
    public func pacing(method: String, subscription: String, principal: String) -> ARMPacing? {
        buckets[
            Key(
                subscription: subscription, principal: principal, operation: ARMThrottleLimits.Operation(method: method)
            )]
    }
}
