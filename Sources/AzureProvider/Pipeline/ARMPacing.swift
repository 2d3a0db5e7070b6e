public import AMLAuthCore

/// amlauth's estimate of one of ARM's buckets (one subscription, principal and kind of operation),
/// and the decision when the next request may go: a pure value, the clock passed in.
///
/// The estimate is of the tokens a *new* request may use: what the server last reported
/// (`x-ms-ratelimit-remaining-subscription-<kind>` and `…-global-<kind>`), minus every request
/// that may still be counted after that report, refilled at the bucket's rate since. A request
/// goes only when the estimate holds a whole token, so amlauth waits *before* the bucket runs
/// dry rather than after a 429. The report is trusted over the model in both directions: another
/// client using the same bucket lowers it, a bucket that refills faster than assumed raises it.
///
/// Before the first report the level is unknown (earlier requests, or other tools, may have used
/// the bucket): one request goes alone, and its answer says where the bucket stands. A 429
/// empties the estimate and holds every request until its `Retry-After` has passed.
public struct ARMPacing: Sendable, Equatable {
    /// One request that was let through; give it back with `observe`, `throttled` or `abandon`.
    public struct Ticket: Sendable, Equatable {
        /// Requests let through before this one, this one included.
        public var sequence: Int
        /// Requests in flight when this one went.
        public var inFlightAtSend: Int
    }

    /// What `take` decided.
    public enum Decision: Sendable, Equatable {
        case go(Ticket)
        /// Ask again after this many seconds.
        case wait(Double)
    }

    public let limit: ARMThrottleLimits.Bucket
    public let globalLimit: ARMThrottleLimits.Bucket
    /// Tokens a new request may use; nil until the server has reported.
    public private(set) var level: Double?
    public private(set) var globalLevel: Double?
    public private(set) var inFlight = 0
    /// Requests let through so far.
    public private(set) var sent = 0
    /// No request goes before this time (a 429's Retry-After).
    public private(set) var heldUntil = 0.0
    private var updated: Double
    private static let tolerance = 1e-6
    /// Waits are at least this long (seconds), so a waiter never spins.
    private static let shortestWait = 0.001

    public init(limits: ARMThrottleLimits, operation: ARMThrottleLimits.Operation, now: Double) {
        limit = limits[operation]
        globalLimit = limits.global(operation)
        updated = now
    }

    /// Lets one request through now, or says how long to wait.
    public mutating func take(now: Double) -> Decision {
        refill(now: now)
        if now < heldUntil { return .wait(heldUntil - now) }
        guard let level else {
            // Unknown level: one request at a time until the first report.
            return inFlight == 0 ? admit() : .wait(1 / limit.refillPerSecond)
        }
        // A token counts as whole within rounding: (1 - level) / refill × refill need not reach 1
        // again exactly, and a wait too short to move the clock would never end.
        var wait = level >= 1 - Self.tolerance ? 0 : (1 - level) / limit.refillPerSecond
        if let globalLevel, globalLevel < 1 - Self.tolerance {
            wait = max(wait, (1 - globalLevel) / globalLimit.refillPerSecond)
        }
        return wait > 0 ? .wait(max(wait, Self.shortestWait)) : admit()
    }

    /// The server's report on `ticket`'s request. A header that is missing leaves its bucket's estimate.
    public mutating func observe(_ ticket: Ticket, remaining: Int?, globalRemaining: Int?, now: Double) {
        refill(now: now)
        inFlight = max(0, inFlight - 1)
        // Requests that may be counted after this report: those already in flight when it went
        // (the server may take them after it) and every one sent since.
        let uncounted = Double(ticket.inFlightAtSend + sent - ticket.sequence)
        if let remaining { level = Double(remaining) - uncounted }
        if let globalRemaining { globalLevel = Double(globalRemaining) - uncounted }
        // A server that reports nothing: pace by the bucket's own model, assumed full at first.
        if remaining == nil, globalRemaining == nil, level == nil { level = limit.size - 1 - uncounted }
    }

    /// The server refused `ticket`'s request with 429: the bucket is empty, and nothing goes
    /// before `retryAfter` seconds have passed.
    public mutating func throttled(_ ticket: Ticket, retryAfter: Double, now: Double) {
        refill(now: now)
        inFlight = max(0, inFlight - 1)
        level = min(level ?? 0, -Double(inFlight))
        heldUntil = max(heldUntil, now + retryAfter)
    }

    /// The request ended without a report (a broken connection, an answer without the header).
    public mutating func abandon(_ ticket: Ticket) {
        inFlight = max(0, inFlight - 1)
    }

    private mutating func admit() -> Decision {
        let ticket = Ticket(sequence: sent + 1, inFlightAtSend: inFlight)
        sent += 1
        inFlight += 1
        if let level { self.level = level - 1 }
        if let globalLevel { self.globalLevel = globalLevel - 1 }
        return .go(ticket)
    }

    private mutating func refill(now: Double) {
        let elapsed = max(0, now - updated)
        updated = max(updated, now)
        if let level { self.level = min(limit.size, level + elapsed * limit.refillPerSecond) }
        if let globalLevel {
            self.globalLevel = min(globalLimit.size, globalLevel + elapsed * globalLimit.refillPerSecond)
        }
    }
}
