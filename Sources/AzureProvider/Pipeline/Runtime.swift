import Foundation

/// Time, sleeping and randomness, injected so retry, throttling and polling tests never wait.
public struct Runtime: Sendable {
    /// Seconds since 1970.
    public var now: @Sendable () -> Double
    /// Sleeps; throws `CancellationError` when the task is cancelled.
    public var sleep: @Sendable (Double) async throws -> Void
    /// A uniform random number in `0..<upperBound`.
    public var random: @Sendable (Double) -> Double

    public init(
        now: @escaping @Sendable () -> Double, sleep: @escaping @Sendable (Double) async throws -> Void,
        random: @escaping @Sendable (Double) -> Double
    ) {
        self.now = now
        self.sleep = sleep
        self.random = random
    }

    public static let system = Runtime(
        now: { Date().timeIntervalSince1970 },
        sleep: { seconds in if seconds > 0 { try await Task.sleep(for: .seconds(seconds)) } },
        random: { upperBound in upperBound > 0 ? Double.random(in: 0..<upperBound) : 0 })
}
