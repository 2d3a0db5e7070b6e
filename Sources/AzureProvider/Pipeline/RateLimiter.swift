/// A client-side token bucket per principal and kind (reads, writes), so a large plan paces itself
/// instead of provoking 429 storms. Defaults follow ARM's refill rates: 25 reads/s, 10 writes/s.
public actor RateLimiter {
    public enum Kind: Sendable, Hashable { case read, write }

    public struct Rates: Sendable, Equatable {
        public var readsPerSecond: Double = 25
        public var writesPerSecond: Double = 10
        public init() {}
    }

    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    private let rates: Rates
    private let runtime: Runtime
    private var buckets: [String: Bucket] = [:]

    public init(rates: Rates = Rates(), runtime: Runtime = .system) {
        self.rates = rates
        self.runtime = runtime
    }

    /// Takes one token for `principal`, waiting for the bucket to refill when it is empty.
    public func acquire(_ kind: Kind, principal: String) async throws {
        let rate = kind == .read ? rates.readsPerSecond : rates.writesPerSecond
        guard rate > 0 else { return }
        let key = "\(principal)|\(kind)"
        let now = runtime.now()
        var bucket = buckets[key] ?? Bucket(tokens: rate, updated: now)
        bucket.tokens = min(rate, bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        bucket.tokens -= 1
        buckets[key] = bucket
        // A negative balance is a debt: wait until it is paid. Reserving first keeps waiters fair.
        if bucket.tokens < 0 { try await runtime.sleep(-bucket.tokens / rate) }
    }
}
