public import AMLAuthCore
import WireFormat

/// Apply as people and tools read it: one line per change as it ends, the closing summary, and the
/// machine-readable report. Deterministic, like the plan renderer.
public enum ApplyRenderer {
    /// `Apply complete: 3 added, 1 changed, 0 replaced, 0 destroyed, 1 rotated.`
    public static func summaryLine(_ result: ApplyResult) -> String {
        let counts = Plan.Summary(counting: result.outcomes.filter { $0.1 == .applied }.map(\.0.action))
        let failures = result.outcomes.filter { if case .failed = $0.1 { true } else { false } }.count
        let skipped = result.outcomes.filter { if case .skipped = $0.1 { true } else { false } }.count
        let notStarted = result.outcomes.filter { $0.1 == .interrupted }.count
        let head =
            notStarted > 0 ? "Apply interrupted" : failures + skipped == 0 ? "Apply complete" : "Apply failed"
        var line =
            "\(head): \(counts.add) added, \(counts.change) changed, \(counts.replace) replaced, \(counts.destroy) destroyed, \(counts.rotate) rotated."
        if failures + skipped > 0 { line += " \(failures) failed, \(skipped) skipped." }
        if notStarted > 0 { line += " \(notStarted) not started." }
        return line
    }

    /// The JSON report (`format_version` 1): one entry per change with its outcome; a failure keeps
    /// Azure's error code, HTTP status and request id.
    public static func report(target: String, _ result: ApplyResult) -> String {
        JSONValue.object([
            ("format_version", .number(1)), ("target", .string(target)), ("succeeded", .bool(!result.failed)),
            ("summary", .string(summaryLine(result))),
            (
                "changes",
                .array(
                    result.outcomes.map { change, outcome in
                        var pairs: [(String, JSONValue)] = [
                            ("address", .string(change.address.description)),
                            ("action", .string(change.action.rawValue)),
                        ]
                        switch outcome {
                        case .applied: pairs.append(("outcome", .string("applied")))
                        case .failed(let failure):
                            pairs += [("outcome", .string("failed")), ("error", .string(failure.message))]
                            if let code = failure.code { pairs.append(("error_code", .string(code))) }
                            if let status = failure.status { pairs.append(("http_status", .number(Double(status)))) }
                            if let requestID = failure.requestID { pairs.append(("request_id", .string(requestID))) }
                        case .skipped(let blocker):
                            pairs += [
                                ("outcome", .string("skipped")), ("skipped_because", .string(blocker.description)),
                            ]
                        case .interrupted: pairs.append(("outcome", .string("not_started")))
                        }
                        return .object(pairs)
                    })
            ),
        ]).serialized()
    }

    /// The line printed when a change ends.
    public static func line(_ change: Change, _ outcome: ChangeOutcome, seconds: Double) -> String {
        switch outcome {
        case .applied: "\(change.address): \(done(change.action)) in \(oneDecimal(seconds))s"
        case .failed(let failure): "\(change.address): failed after \(oneDecimal(seconds))s: \(failure.message)"
        case .skipped(let blocker): "\(change.address): skipped because \(blocker) failed"
        case .interrupted: "\(change.address): not started (apply was interrupted)"
        }
    }

    /// The line printed when a change starts.
    public static func startLine(_ change: Change) -> String { "\(change.address): \(verb(change.action))…" }

    static func oneDecimal(_ seconds: Double) -> String {
        let tenths = Int((max(0, seconds) * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    static func verb(_ action: Action) -> String {
        switch action {
        case .create: "creating"
        case .update: "updating"
        case .replace: "replacing"
        case .delete: "destroying"
        case .rotate: "rotating"
        case .adopt: "adopting"
        case .noOp: "checking"
        }
    }

    static func done(_ action: Action) -> String {
        switch action {
        case .create: "created"
        case .update: "updated"
        case .replace: "replaced"
        case .delete: "destroyed"
        case .rotate: "rotated"
        case .adopt: "adopted"
        case .noOp: "unchanged"
        }
    }
}
