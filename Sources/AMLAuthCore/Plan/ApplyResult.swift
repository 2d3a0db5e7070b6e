/// Why a change failed, as the service said it: the message, and when Azure answered, its error
/// code, HTTP status and request id (what support asks for). Never holds a secret.
public struct ApplyFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var code: String?
    public var status: Int?
    public var requestID: String?

    public init(_ message: String, code: String? = nil, status: Int? = nil, requestID: String? = nil) {
        self.message = message
        self.code = code
        self.status = status
        self.requestID = requestID
    }

    public var description: String { message }
}

/// How one change ended.
public enum ChangeOutcome: Sendable, Equatable {
    case applied
    case failed(ApplyFailure)
    /// Not attempted because a change it depends on failed: the root cause, reported once.
    case skipped(because: ResourceAddress)
    /// Not started because apply was interrupted (SIGINT, SIGTERM) before its turn.
    case interrupted
}

/// What an apply did, change by change, in plan order.
public struct ApplyResult: Sendable {
    public var outcomes: [(Change, ChangeOutcome)]

    public init(outcomes: [(Change, ChangeOutcome)]) { self.outcomes = outcomes }

    public var failed: Bool { outcomes.contains { if case .applied = $0.1 { false } else { true } } }

    /// Whether some change was not started because apply was interrupted.
    public var interrupted: Bool { outcomes.contains { $0.1 == .interrupted } }
}
