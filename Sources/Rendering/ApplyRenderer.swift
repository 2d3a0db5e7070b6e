public import AMLAuthCore
import WireFormat

/// Apply as people and tools read it: one line per change as it ends, the closing summary, and the
/// machine-readable report. Deterministic, like the plan renderer.
public enum ApplyRenderer {
    /// `Apply complete: 3 added, 1 changed, 0 replaced, 0 destroyed, 1 rotated.`
    public static func summaryLine(_ result: ApplyResult) -> String {
        let (counts, failures, skipped) = Self.counts(result)
        let notStarted = result.outcomes.filter { $0.1 == .interrupted }.count
        let head =
            notStarted > 0 ? "Apply interrupted" : failures + skipped == 0 ? "Apply complete" : "Apply failed"
        var line =
            "\(head): \(counts.add) added, \(counts.change) changed, \(counts.replace) replaced, \(counts.destroy) destroyed, \(counts.rotate) rotated."
        if failures + skipped > 0 { line += " \(failures) failed, \(skipped) skipped." }
        if notStarted > 0 { line += " \(notStarted) not started." }
        return line
    }

    /// The counts of an apply: what was done, by action, as the plan's `summary` counts what it
    /// would do, plus what failed and what was skipped because something it needs failed.
    public static func counts(_ result: ApplyResult) -> (done: Plan.Summary, failed: Int, skipped: Int) {
        (
            Plan.Summary(counting: result.outcomes.filter { $0.1 == .applied }.map(\.0.action)),
            result.outcomes.filter { if case .failed = $0.1 { true } else { false } }.count,
            result.outcomes.filter { if case .skipped = $0.1 { true } else { false } }.count
        )
    }

    /// The JSON report (`format_version` 2): `summary` is an object like the plan's (`add`,
    /// `change`, `replace`, `destroy`, `rotate`, plus `failed` and `skipped`), `message` the closing
    /// line; one entry per change with its outcome; a failure keeps Azure's error code, HTTP
    /// status and request id.
    public static func report(target: String, _ result: ApplyResult) -> String {
        let (done, failed, skipped) = counts(result)
        return JSONValue.object([
            ("format_version", .number(2)), ("target", .string(target)), ("succeeded", .bool(!result.failed)),
            (
                "summary",
                .object([
                    ("add", .number(Double(done.add))), ("change", .number(Double(done.change))),
                    ("replace", .number(Double(done.replace))), ("destroy", .number(Double(done.destroy))),
                    ("rotate", .number(Double(done.rotate))), ("failed", .number(Double(failed))),
                    ("skipped", .number(Double(skipped))),
                ])
            ),
            ("message", .string(summaryLine(result))),
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

    /// Markdown for `$GITHUB_STEP_SUMMARY`: the closing line and one row per change with its
    /// outcome (a failure with Azure's error code).
    public static func markdown(target: String, _ result: ApplyResult) -> String {
        var output = "### amlauth apply: `\(target)`\n\n**\(summaryLine(result))**\n"
        guard !result.outcomes.isEmpty else { return output }
        output += "\n| | resource | outcome |\n|---|---|---|\n"
        for (change, outcome) in result.outcomes {
            let text =
                switch outcome {
                case .applied: done(change.action)
                case .failed(let failure): "failed" + (failure.code.map { ": `\($0)`" } ?? "")
                case .skipped(let blocker): "skipped: `\(blocker)` failed"
                case .interrupted: "not started: apply was interrupted"
                }
            output += "| `\(change.action.symbol)` | `\(change.address)` | \(text) |\n"
        }
        return output
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
