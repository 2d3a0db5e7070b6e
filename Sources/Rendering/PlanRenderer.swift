public import AMLAuthCore
import WireFormat
import YAMLSource

/// Plans as reviewers read them: human text (with diff symbols), a stable versioned JSON
/// document, and Markdown for pull-request comments. Same plan, same bytes.
public struct PlanRenderer: Sendable {
    public var colored: Bool

    public init(colored: Bool = false) { self.colored = colored }

    public func text(_ plan: Plan) -> String {
        var output = "amlauth plan for target '\(plan.target)'\n\n"
        if let selection = plan.selection { output += Self.selected(selection) + "\n\n" }
        let effective = plan.effective
        if effective.isEmpty {
            output += Self.noChanges(plan) + "\n"
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

    /// The changes as a `diff` block's body: every line starts at column 0 with the marker GitHub
    /// colours, `+` for a create, `-` for a delete, `~` for every other change (with the plan's own
    /// symbol after it), and each field line repeats its change's marker.
    static func diffLines(_ changes: [Change]) -> String {
        var output = ""
        for change in changes {
            let marker =
                switch change.action {
                case .create: "+"
                case .delete: "-"
                case .update, .replace, .rotate, .adopt, .noOp: "~"
                }
            let symbol = marker == change.action.symbol ? "" : change.action.symbol + " "
            output += "\(marker) \(symbol)\(change.address)" + (change.reason.map { "  (\($0))" } ?? "") + "\n"
            for field in change.fields {
                output += "\(marker)     " + describe(field, creating: change.action == .create) + "\n"
            }
        }
        return output
    }

    /// Findings as a Markdown list, in display order: severity, code, `file:line:col`, message.
    /// The line that says a plan was limited with `--only` (Terraform's `-target` warning).
    static func selected(_ selection: PlanSelection) -> String {
        "Limited with --only to " + selection.addresses.map(\.description).joined(separator: ", ")
            + " and what they depend on: the plan may be incomplete."
    }

    /// "No changes", never claiming more than was planned: with `--only`, only the selection; with
    /// notes (a resource waiting, blocked, unread or not adopted), not that the cloud matches.
    static func noChanges(_ plan: Plan) -> String {
        if plan.selection != nil {
            return "No changes to the selected resources. The rest of the manifests was not planned (--only)."
        }
        return plan.notes.isEmpty
            ? "No changes. The cloud matches the manifests."
            : "No changes planned, but the cloud does not match the manifests everywhere: see the notes below."
    }

    static func markdownFindings(_ diagnostics: [Diagnostic]) -> String {
        guard !diagnostics.isEmpty else { return "" }
        return "**Findings**\n\n"
            + Diagnostic.sortedForDisplay(diagnostics).map { diagnostic in
                let location = diagnostic.location.map { " `\(Self.inlineCode($0.description))`" } ?? ""
                let message = Self.inlineText(SecretRedactions.maskShapes(diagnostic.message))
                return "- **\(diagnostic.severity.rawValue)** `\(diagnostic.code.rawValue)`\(location): \(message)\n"
            }.joined() + "\n"
    }

    /// Text for one Markdown line: no line breaks, no HTML.
    static func inlineText(_ text: String) -> String {
        String(
            text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) }
        ).replacing("<", with: "&lt;").replacing(">", with: "&gt;")
    }

    /// Text inside a code span: no backticks or line breaks.
    static func inlineCode(_ text: String) -> String { inlineText(text).replacing("`", with: "'") }

    /// One field: `path: value` for a new resource, `path: before -> after` otherwise. Text is
    /// quoted, booleans and numbers are not (`auth_enabled: false -> true`); a sensitive field shows
    /// only amlauth's own description of it.
    static func describe(_ field: FieldChange, creating: Bool) -> String {
        func shown(_ value: PlanValue?) -> String {
            guard let value else { return field.sensitive ? "" : "(none)" }
            if field.sensitive { return value.description }
            // Validation rejects secrets in any text; masking here is a second line of defence.
            return if case .string(let text) = value {
                "\"\(SecretRedactions.maskShapes(text))\""
            } else {
                value.description
            }
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
    /// `diagnostics` are the run's findings (validation warnings, plan-time policy checks), in
    /// the `diagnostics` array with the shape `validate --format json` uses.
    public static func json(_ plan: Plan, diagnostics: [Diagnostic] = []) -> String {
        var document = PlanDocument(plan: plan)
        document.diagnostics = diagnostics
        return document.json().serialized()
    }

    /// Markdown for a pull-request comment: the run's findings, a summary table, details collapsed.
    public func markdown(_ plan: Plan, diagnostics: [Diagnostic] = []) -> String {
        var output = "### amlauth plan: `\(plan.target)`\n\n"
        output += Self.markdownFindings(diagnostics)
        if let selection = plan.selection { output += "> " + Self.inlineText(Self.selected(selection)) + "\n\n" }
        let effective = plan.effective
        if effective.isEmpty {
            output += Self.noChanges(plan) + "\n"
        } else {
            output += "| | resource | action |\n|---|---|---|\n"
            for change in effective {
                output += "| `\(change.action.symbol)` | `\(change.address)` | \(change.action.rawValue) |\n"
            }
            output += "\n<details><summary>Details</summary>\n\n```diff\n"
            output += Self.diffLines(effective)
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
