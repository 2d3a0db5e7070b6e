public import WireFormat

/// Azure Resource Manager's request limits: token buckets per subscription, per principal and per
/// kind of operation (reads, writes, deletes), plus a subscription-wide bucket shared by every
/// principal that is `globalFactor` times larger. The local cloud enforces them; amlauth paces
/// itself by them.
///
/// The documented numbers (bucket 250 reads at 25/s, 200 writes at 10/s, 200 deletes at 10/s;
/// the global limit 15 times the per-principal one; counted per region since 2024) are from
/// learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling
/// ("Regional throttling and token bucket algorithm") and the Azure update "Modernizing ARM
/// throttling" (2024-03-13), as gathered in reference/azure-limits-and-sdks.md §A1.
public struct ARMThrottleLimits: Sendable, Equatable {
    /// One token bucket: at most `size` requests at once, then `refillPerSecond` a second.
    public struct Bucket: Sendable, Equatable {
        public var size: Double
        public var refillPerSecond: Double

        public init(size: Double, refillPerSecond: Double) {
            self.size = size
            self.refillPerSecond = refillPerSecond
        }
    }

    /// ARM's kinds of operation, each with its own bucket; the raw value is the word in the
    /// `x-ms-ratelimit-remaining-subscription-<kind>` headers.
    public enum Operation: String, Sendable, CaseIterable {
        case reads, writes, deletes

        /// GET and HEAD read, DELETE deletes, everything else (PUT, PATCH, POST) writes.
        public init(method: String) {
            switch method.uppercased() {
            case "GET", "HEAD": self = .reads
            case "DELETE": self = .deletes
            default: self = .writes
            }
        }
    }

    public var reads: Bucket
    public var writes: Bucket
    public var deletes: Bucket
    /// How many times larger (in size and refill) the subscription's bucket for all principals is.
    public var globalFactor: Double

    public init(reads: Bucket, writes: Bucket, deletes: Bucket, globalFactor: Double = 15) {
        self.reads = reads
        self.writes = writes
        self.deletes = deletes
        self.globalFactor = globalFactor
    }

    /// The limits Azure documents for a subscription.
    public static let documented = ARMThrottleLimits(
        reads: Bucket(size: 250, refillPerSecond: 25), writes: Bucket(size: 200, refillPerSecond: 10),
        deletes: Bucket(size: 200, refillPerSecond: 10))

    /// The bucket of one principal for `operation`.
    public subscript(operation: Operation) -> Bucket {
        get {
            switch operation {
            case .reads: reads
            case .writes: writes
            case .deletes: deletes
            }
        }
        set {
            switch operation {
            case .reads: reads = newValue
            case .writes: writes = newValue
            case .deletes: deletes = newValue
            }
        }
    }

    /// The subscription-wide bucket for `operation`, shared by all principals.
    public func global(_ operation: Operation) -> Bucket {
        let bucket = self[operation]
        return Bucket(size: bucket.size * globalFactor, refillPerSecond: bucket.refillPerSecond * globalFactor)
    }

    /// The same buckets on a faster clock: every refill rate divided by `timeScale` (0.1 refills
    /// ten times as fast), sizes unchanged, so a run has the shape of a real one in a tenth of the time.
    public func scaled(time timeScale: Double) -> ARMThrottleLimits {
        var copy = self
        for operation in Operation.allCases { copy[operation].refillPerSecond /= timeScale }
        return copy
    }

    /// `{"reads": {"bucket": 250, "refillPerSecond": 25}, …, "globalFactor": 15}`, as a cloud file holds it.
    public var json: JSONValue {
        .object(
            Operation.allCases.map { operation in
                (
                    operation.rawValue,
                    .object([
                        ("bucket", .number(self[operation].size)),
                        ("refillPerSecond", .number(self[operation].refillPerSecond)),
                    ])
                )
            } + [("globalFactor", .number(globalFactor))])
    }

    /// Reads `json`'s form; a missing kind keeps its documented bucket. nil when a value is not a
    /// positive number.
    public init?(json: JSONValue) {
        var limits = ARMThrottleLimits.documented
        for operation in Operation.allCases {
            guard let entry = json[operation.rawValue] else { continue }
            guard let size = entry["bucket"]?.numberValue, let refill = entry["refillPerSecond"]?.numberValue,
                size >= 1, refill > 0
            else { return nil }
            limits[operation] = Bucket(size: size, refillPerSecond: refill)
        }
        if let factor = json["globalFactor"] {
            guard let value = factor.numberValue, value >= 1 else { return nil }
            limits.globalFactor = value
        }
        self = limits
    }
}
