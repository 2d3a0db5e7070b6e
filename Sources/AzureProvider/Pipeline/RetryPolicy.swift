import Foundation

/// One retry policy for every call: retry 408, 429, 500, 502, 503, 504 and broken connections with
/// exponential backoff and full jitter, honour `Retry-After` (seconds or HTTP date),
/// `retry-after-ms` and `x-ms-retry-after-ms`, bound attempts and total waiting, and never repeat a
/// non-idempotent request unless the server asked for it with Retry-After.
///
/// Modelled on azure-core's `RetryPolicy` (azure-sdk-for-python
/// `sdk/core/azure-core/azure/core/pipeline/policies/_retry.py`): `retry_total=10`, backoff
/// `0.8 * 2^(n-1)` s, Retry-After honoured in full, GET/PUT/DELETE retried on any retryable
/// status. Two differences, both for an apply that must not give up on one unlucky read: reads
/// are bounded by waiting time (`maxReadWait`) rather than by azure-core's ten attempts, and a
/// Retry-After above `maxRetryAfter` stops at once (as Go azcore's policy does) instead of
/// sleeping for however long the server names.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all for a write, the first included (azure-core's `retry_total`).
    public var maxAttempts = 10
    /// Attempts in all for a read, at most; reads are bounded by `maxReadWait` first.
    public var maxReadAttempts = 40
    /// Total seconds spent waiting between attempts of one write, at most.
    public var maxTotalWait = 300.0
    /// Total seconds spent waiting between attempts of one read, at most: a read fails only after
    /// minutes of faults, because a failed read stops the whole plan.
    public var maxReadWait = 600.0
    /// The longest single Retry-After honoured; a server that asks for more is reported.
    public var maxRetryAfter = 300.0
    /// Retries after broken or refused connections in a row, per request (azure-core's
    /// `retry_connect` and `retry_read` are 3 each): a cloud that cannot be reached is reported in
    /// seconds, not after the read budget of minutes, which is for a service that answers. Any
    /// answer from the service starts the count again, so scattered resets are outlasted.
    public var maxConnectionRetries = 3
    /// First backoff ceiling; it doubles per attempt.
    public var baseDelay = 0.8
    /// Largest backoff ceiling (Retry-After may ask for more, within `maxRetryAfter`).
    public var maxDelay = 30.0

    public static let retryableStatuses: Set<Int> = [408, 429, 500, 502, 503, 504]

    public init() {}

    /// What happened on one attempt, as far as retrying cares.
    public enum Outcome: Sendable {
        case status(Int, retryAfter: Double?)
        /// `failures`: connection failures of this request in a row, this one included.
        case transport(retryable: Bool, failures: Int = 1)
    }

    /// The delay before the next attempt, or nil to stop.
    /// - Parameters:
    ///   - attempt: attempts made so far (1 after the first).
    ///   - idempotent: whether repeating the request is safe.
    ///   - read: whether the request only reads (bounded by `maxReadWait`, not `maxAttempts`).
    ///   - waited: seconds already spent waiting on this request.
    public func delay(
        after outcome: Outcome, attempt: Int, idempotent: Bool, read: Bool = false, waited: Double,
        random: (Double) -> Double
    ) -> Double? {
        guard attempt < (read ? maxReadAttempts : maxAttempts) else { return nil }
        let delay: Double
        switch outcome {
        case .status(let status, let retryAfter):
            guard Self.retryableStatuses.contains(status) else { return nil }
            if let retryAfter {
                guard retryAfter <= maxRetryAfter else { return nil }
                delay = max(0, retryAfter)
            } else {
                guard idempotent else { return nil }
                delay = random(min(maxDelay, baseDelay * pow(2, Double(attempt - 1))))
            }
        case .transport(let retryable, let failures):
            // A request whose connection broke may or may not have been applied: repeat only
            // what is safe to repeat.
            guard retryable, idempotent, failures <= maxConnectionRetries else { return nil }
            delay = random(min(maxDelay, baseDelay * pow(2, Double(attempt - 1))))
        }
        return waited + delay <= (read ? maxReadWait : maxTotalWait) ? delay : nil
    }

    /// Seconds the server asked to wait: `retry-after-ms`, `x-ms-retry-after-ms`, or `Retry-After`
    /// as seconds or an HTTP date.
    public static func retryAfter(_ header: (String) -> String?, now: Double) -> Double? {
        for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
            if let value = header(name).flatMap(Double.init), value >= 0 { return value / 1000 }
        }
        guard let value = header("retry-after")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(value), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, date.timeIntervalSince1970 - now)
    }
}
