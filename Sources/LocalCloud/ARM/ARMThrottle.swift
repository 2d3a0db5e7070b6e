import AMLAuthCore
import Synchronization

/// ARM's token buckets, per subscription, principal and kind of operation, plus the
/// subscription's global bucket shared by all principals (`ARMThrottleLimits`). The local cloud
/// has one region, so per region is per subscription here.
///
/// Every authenticated subscription request takes a token from both buckets and reports what is
/// left in `x-ms-ratelimit-remaining-subscription-<kind>` and `…-subscription-global-<kind>`
/// (header names as ARM sends them, e.g. `X-Ms-Ratelimit-Remaining-Subscription-Global-Writes:
/// 2999` beside `…-Writes: 199` after one write). When `enforcing`, a request that finds either
/// bucket empty is refused with 429, `Retry-After` and ARM's `SubscriptionRequestsThrottled`
/// body, and takes no token: "a request sent before that time is not processed"
/// (request-limits-and-throttling, reference/azure-limits-and-sdks.md §A1). Otherwise the
/// buckets only report, at ARM's documented sizes.
final class ARMThrottle: Sendable {
    /// What one request found.
    struct Decision: Sendable {
        var operation: ARMThrottleLimits.Operation
        /// Tokens left in the principal's bucket, rounded down, as the header reports it.
        var remaining: Int
        /// Tokens left in the subscription's global bucket.
        var globalRemaining: Int
        /// Seconds until a token is there again, when the request was refused.
        var retryAfter: Double?
    }

    private struct Bucket {
        var level: Double
        var updated: Double
    }

    private struct Key: Hashable {
        var subscription: String
        /// nil for the subscription's global bucket.
        var principal: String?
        var operation: ARMThrottleLimits.Operation
    }

    let limits: ARMThrottleLimits
    let enforcing: Bool
    private let buckets = Mutex<[Key: Bucket]>([:])

    init(limits: ARMThrottleLimits?) {
        self.limits = limits ?? .documented
        enforcing = limits != nil
    }

    /// Takes a token for `principal` in `subscription`, or refuses when enforcing and a bucket is empty.
    func take(
        _ operation: ARMThrottleLimits.Operation, subscription: String, principal: String, now: Double
    ) -> Decision {
        let own = Key(subscription: subscription.lowercased(), principal: principal, operation: operation)
        let global = Key(subscription: subscription.lowercased(), principal: nil, operation: operation)
        let (ownLimit, globalLimit) = (limits[operation], limits.global(operation))
        return buckets.withLock { table in
            var mine = Self.refilled(table[own], limit: ownLimit, now: now)
            var shared = Self.refilled(table[global], limit: globalLimit, now: now)
            var decision = Decision(operation: operation, remaining: 0, globalRemaining: 0)
            if enforcing, mine.level < 1 || shared.level < 1 {
                decision.retryAfter = max(
                    (1 - mine.level) / ownLimit.refillPerSecond, (1 - shared.level) / globalLimit.refillPerSecond)
            } else {
                mine.level = max(0, mine.level - 1)
                shared.level = max(0, shared.level - 1)
            }
            table[own] = mine
            table[global] = shared
            decision.remaining = Int(mine.level.rounded(.down))
            decision.globalRemaining = Int(shared.level.rounded(.down))
            return decision
        }
    }

    private static func refilled(_ bucket: Bucket?, limit: ARMThrottleLimits.Bucket, now: Double) -> Bucket {
        guard var bucket else { return Bucket(level: limit.size, updated: now) }
        bucket.level = min(limit.size, bucket.level + max(0, now - bucket.updated) * limit.refillPerSecond)
        // Requests stamped before an earlier-stamped one took the lock must not wind the clock
        // back: the time between would be refilled twice.
        bucket.updated = max(bucket.updated, now)
        return bucket
    }

    /// ARM's answer to a throttled request. The body's code and message are ARM's own
    /// (`SubscriptionRequestsThrottled`: "Number of 'read' requests for subscription '…' actor
    /// '…' exceeded. Please try again after '10' seconds."; code also in the AKS troubleshooting
    /// article "Troubleshoot the SubscriptionRequestsThrottled error code (429)",
    /// MicrosoftDocs/SupportArticles-docs).
    static func refusal(_ decision: Decision, subscription: String, principal: String) -> CloudResponse {
        let wait = decision.retryAfter ?? 1
        let word =
            switch decision.operation {
            case .reads: "read"
            case .writes: "write"
            case .deletes: "delete"
            }
        return ErrorBody.arm(
            429, "SubscriptionRequestsThrottled",
            "Number of '\(word)' requests for subscription '\(subscription)' actor '\(principal)' exceeded. Please try again after '\(max(1, Int(wait.rounded(.up))))' seconds."
        )
        .retrying(after: wait)
    }
}
