public import AMLAuthCore
import Synchronization

/// Which faults to inject and how often: `--faults 429=0.2,500=0.05,503=0.05,reset=0.02,latency=20ms,retry-after=50ms,route=roleAssignments,seed=7`.
///
/// `arm-throttle=on` makes ARM enforce its documented token buckets (`ARMThrottleLimits`) with
/// real 429s; `arm-throttle=scale:0.1` runs their refill ten times as fast (sizes unchanged), and
/// `arm-reads=250/25`, `arm-writes=200/10`, `arm-deletes=200/10` set one bucket (size/refill per
/// second) exactly.
public struct FaultPlan: Sendable, Equatable {
    public var throttle = 0.0
    public var serverError = 0.0
    public var unavailable = 0.0
    public var reset = 0.0
    /// Added to every matching request, in seconds.
    public var latency = 0.0
    /// Seconds a 429 or 503 asks the client to wait. ARM sends whole seconds in `Retry-After`;
    /// below one second the answer also carries `x-ms-retry-after-ms`, which clients read first,
    /// so fault runs stay fast while the client still honours what the server asks.
    public var retryAfter = 1.0
    /// Only requests whose path contains this (case-insensitive) are affected.
    public var route: String?
    public var seed: UInt64 = 1
    /// Seconds a new application or service principal stays unknown to the Graph replica that
    /// answers by id: reads and writes of it 404, and creating its service principal 400
    /// (fidelity audit D4/D5; terraform-provider-azuread retries both for minutes).
    public var graphReplicationLag = 0.0
    /// Seconds after `addPassword` before Entra accepts the new secret (AADSTS7000215 meanwhile;
    /// microsoft-graph-docs#17966 reports 4–18 s), so rotation must prove it before removing the old.
    public var passwordActivationLag = 0.0
    /// ARM's buckets, enforced; nil: ARM only reports its (documented) buckets in headers.
    public var armThrottle: ARMThrottleLimits?

    public init() {}

    /// Azure's awkward behaviours, short enough for tests: Graph replication lag after creates and
    /// a new password that works only after a moment (issue 10 item 5). The engine and conformance
    /// tests run with these on.
    public static let awkward: FaultPlan = {
        var plan = FaultPlan()
        plan.graphReplicationLag = 0.3
        plan.passwordActivationLag = 0.3
        return plan
    }()

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public init(parsing spec: String) throws(ParseError) {
        var timeScale: Double?
        var buckets: [(ARMThrottleLimits.Operation, ARMThrottleLimits.Bucket)] = []
        for item in spec.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { String($0).trimmingPrefix(" ") }.map(String.init)
            guard parts.count == 2 else { throw ParseError(description: "'\(item)' is not key=value") }
            let (key, value) = (parts[0], parts[1])
            func rate() throws(ParseError) -> Double {
                guard let rate = Double(value), (0...1).contains(rate) else {
                    throw ParseError(description: "\(key)=\(value): a rate is a number from 0 to 1")
                }
                return rate
            }
            switch key {
            case "429": throttle = try rate()
            case "500": serverError = try rate()
            case "503": unavailable = try rate()
            case "reset": reset = try rate()
            case "latency":
                guard value.hasSuffix("ms"), let milliseconds = Double(value.dropLast(2)), milliseconds >= 0 else {
                    throw ParseError(description: "latency=\(value): write milliseconds, e.g. latency=20ms")
                }
                latency = milliseconds / 1000
            case "retry-after":
                guard value.hasSuffix("ms"), let milliseconds = Double(value.dropLast(2)), milliseconds >= 0 else {
                    throw ParseError(description: "retry-after=\(value): write milliseconds, e.g. retry-after=50ms")
                }
                retryAfter = milliseconds / 1000
            case "graph-lag", "password-lag":
                guard value.hasSuffix("ms"), let milliseconds = Double(value.dropLast(2)), milliseconds >= 0 else {
                    throw ParseError(description: "\(key)=\(value): write milliseconds, e.g. \(key)=300ms")
                }
                if key == "graph-lag" {
                    graphReplicationLag = milliseconds / 1000
                } else {
                    passwordActivationLag = milliseconds / 1000
                }
            case "arm-throttle":
                if value == "on" {
                    timeScale = 1
                } else if value.hasPrefix("scale:"), let scale = Double(value.dropFirst(6)), scale > 0 {
                    timeScale = scale
                } else {
                    throw ParseError(description: "arm-throttle=\(value): write on or scale:S, e.g. scale:0.1")
                }
            case "arm-reads", "arm-writes", "arm-deletes":
                let numbers = value.split(separator: "/").compactMap { Double($0) }
                guard numbers.count == 2, numbers[0] >= 1, numbers[1] > 0 else {
                    throw ParseError(description: "\(key)=\(value): write bucket/refill-per-second, e.g. 200/10")
                }
                let operation = ARMThrottleLimits.Operation(rawValue: String(key.dropFirst(4))) ?? .reads
                buckets.append((operation, ARMThrottleLimits.Bucket(size: numbers[0], refillPerSecond: numbers[1])))
            case "route": route = value
            case "seed":
                guard let number = UInt64(value) else { throw ParseError(description: "seed=\(value): a whole number") }
                seed = number
            default:
                throw ParseError(
                    description:
                        "unknown fault '\(key)'; use 429, 500, 503, reset, latency, retry-after, graph-lag, password-lag, route, seed, arm-throttle, arm-reads, arm-writes, arm-deletes"
                )
            }
        }
        if timeScale != nil || !buckets.isEmpty {
            var limits = ARMThrottleLimits.documented.scaled(time: timeScale ?? 1)
            for (operation, bucket) in buckets { limits[operation] = bucket }
            armThrottle = limits
        }
    }
}

/// What happens to one request.
public struct PlannedFault: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case none, throttle, serverError, unavailable, reset }
    public var kind: Kind
    public var latency: Double
    /// Seconds a 429 or 503 asks the client to wait.
    public var retryAfter = 1.0

    /// The response that replaces the real one, if any. Status 0 means "drop the connection".
    func response(context: RequestContext) -> CloudResponse? {
        switch kind {
        case .none: return nil
        case .reset: return CloudResponse(status: 0)
        case .throttle:
            return ErrorBody.arm(
                429, "TooManyRequests",
                "The request is being throttled as the limit has been reached for operation type - 'Read'. For more information, see - https://aka.ms/msdn-throttling"
            )
            .retrying(after: retryAfter)
        case .serverError:
            return ErrorBody.arm(
                500, "InternalServerError",
                "Encountered internal server error. Diagnostic information: timestamp '\(context.timestamp)'.")
        case .unavailable:
            return ErrorBody.arm(503, "ServiceUnavailable", "The server is currently unable to handle the request.")
                .retrying(after: retryAfter)
        }
    }
}

/// Draws faults from a seeded generator, so a failing run can be repeated exactly.
final class FaultInjector: Sendable {
    let plan: FaultPlan
    private let state: Mutex<UInt64>

    init(_ plan: FaultPlan) {
        self.plan = plan
        state = Mutex(plan.seed)
    }

    func decide(for request: CloudRequest) -> PlannedFault? {
        if request.path.hasPrefix("/_local") { return nil }
        if let route = plan.route, !request.path.lowercased().contains(route.lowercased()) { return nil }
        let draw = state.withLock { value -> Double in
            value &+= 0x9E37_79B9_7F4A_7C15
            var z = value
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
        var threshold = plan.throttle
        let kind: PlannedFault.Kind
        if draw < threshold {
            kind = .throttle
        } else if draw
            < {
                threshold += plan.serverError
                return threshold
            }()
        {
            kind = .serverError
        } else if draw
            < {
                threshold += plan.unavailable
                return threshold
            }()
        {
            kind = .unavailable
        } else if draw
            < {
                threshold += plan.reset
                return threshold
            }()
        {
            kind = .reset
        } else {
            kind = .none
        }
        return PlannedFault(kind: kind, latency: plan.latency, retryAfter: plan.retryAfter)
    }
}

extension CloudResponse {
    /// `Retry-After` in whole seconds (at least 1), plus `x-ms-retry-after-ms` when the wait is not
    /// a whole number of seconds.
    func retrying(after seconds: Double) -> CloudResponse {
        let whole = max(1, Int(seconds.rounded(.up)))
        let response = adding("Retry-After", String(whole))
        guard Double(whole) != seconds else { return response }
        return response.adding("x-ms-retry-after-ms", String(Int((seconds * 1000).rounded())))
    }
}
