public import AMLAuthCore
import WireFormat

/// Plans as reviewers read them: human text (with diff symbols), a stable versioned JSON
/// document, and Markdown for pull-request comments. Same plan, same bytes.
public struct PlanRenderer: Sendable {
    public var colored: Bool

    public init(colored: Bool = false) { self.colored = colored }

    public func text(_ plan: Plan) -> String {
        var output = "amlauth plan for target '\(plan.target)'\n\n"
        let effective = plan.effective
        if effective.isEmpty {
            output += "No changes. The cloud matches the manifests.\n"
        }
        for change in effective {
            output += paint("  \(change.action.symbol) \(change.address)", change.action)
            if let reason = change.reason { output += "  (\(reason))" }
            output += "\n"
            for field in change.fields {
                output += "      " + Self.describe(field, creating: change.action == .create) + "\n"
            }
        }
        let blockers = plan.blockers
        if !blockers.isEmpty {
            output += "\nCannot be applied as written (nothing will change until this is fixed):\n"
            for note in blockers { output += "  ✗ " + (note.address.map { "\($0): " } ?? "") + note.message + "\n" }
        }
        let notes = plan.notes.filter { !$0.blocking }
        if !notes.isEmpty {
            output += "\nNotes:\n"
            for note in notes { output += "  - " + (note.address.map { "\($0): " } ?? "") + note.message + "\n" }
        }
        return output + "\n" + plan.summary.line + "\n"
    }

    /// One field: `path: value` for a new resource, `path: before -> after` otherwise. Text is
    /// quoted, booleans and numbers are not (`auth_enabled: false -> true`); a sensitive field shows
    /// only amlauth's own description of it.
    static func describe(_ field: FieldChange, creating: Bool) -> String {
        func shown(_ value: PlanValue?) -> String {
            guard let value else { return field.sensitive ? "" : "(none)" }
            if field.sensitive { return value.description }
            return if case .string(let text) = value { "\"\(text)\"" } else { value.description }
        }
        let prefix = field.sensitive ? "(sensitive) " : ""
        switch (field.before, field.after) {
        case (nil, .some) where creating || field.sensitive: return "\(field.path): \(prefix)\(shown(field.after))"
        case (.some, nil): return "\(field.path): \(prefix)\(shown(field.before)) -> (removed)"
        case (let before, let after): return "\(field.path): \(prefix)\(shown(before)) -> \(shown(after))"
        }
    }

    private func paint(_ text: String, _ action: Action) -> String {
        guard colored else { return text }
        let code =
            switch action {
            case .create: "32"
            case .delete: "31"
            case .update, .adopt: "33"
            case .replace: "35"
            case .rotate: "36"
            case .noOp: "0"
            }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    /// The JSON form (`PlanDocument`): `format_version` 2, changes in plan order, keys in a fixed order.
    public static func json(_ plan: Plan) -> String { PlanDocument(plan: plan).json().serialized() }

    /// Markdown for a pull-request comment: a summary table, details collapsed.
    public func markdown(_ plan: Plan) -> String {
        var output = "### amlauth plan: `\(plan.target)`\n\n"
        let effective = plan.effective
        if effective.isEmpty {
            output += "No changes. The cloud matches the manifests.\n"
        } else {
            output += "| | resource | action |\n|---|---|---|\n"
            for change in effective {
                output += "| `\(change.action.symbol)` | `\(change.address)` | \(change.action.rawValue) |\n"
            }
            output += "\n<details><summary>Details</summary>\n\n```diff\n"
            output += PlanRenderer(colored: false).text(plan)
            output += "```\n\n</details>\n"
        }
        if !plan.notes.isEmpty {
            output +=
                "\n"
                + plan.notes.map {
                    ($0.blocking ? "- **cannot be applied:** " : "- ") + ($0.address.map { "`\($0)`: " } ?? "")
                        + $0.message
                }
                .joined(separator: "\n") + "\n"
        }
        return output + "\n**\(plan.summary.line)**\n"
    }
}
