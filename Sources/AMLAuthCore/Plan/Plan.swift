/// What a change does. The symbol is what the human plan shows.
public enum Action: String, Sendable, CaseIterable {
    case create, update, replace, delete, rotate, adopt
    case noOp = "no-op"

    public var symbol: String {
        switch self {
        case .create: "+"
        case .update: "~"
        case .replace: "-/+"
        case .delete: "-"
        case .rotate: "⟳"
        case .adopt: "<="
        case .noOp: " "
        }
    }
}

/// A value shown in a plan, typed as Terraform's JSON plan types it: booleans and numbers stay
/// booleans and numbers (unquoted in the human plan), text stays text (quoted).
public enum PlanValue: Sendable, Equatable, CustomStringConvertible, ExpressibleByStringLiteral,
    ExpressibleByStringInterpolation
{
    case string(String)
    case bool(Bool)
    case number(Double)

    public init(stringLiteral value: String) { self = .string(value) }

    /// The value as a human reads it: text as is, numbers without a needless `.0`.
    public var description: String {
        switch self {
        case .string(let text): text
        case .bool(let flag): String(flag)
        case .number(let number):
            number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
        }
    }
}

/// One field's before and after: the reviewer's view of what the change's steps do. Secret-bearing
/// fields never carry a value: `sensitive` says the value exists but is not shown.
public struct FieldChange: Sendable, Equatable {
    public var path: String
    public var before: PlanValue?
    public var after: PlanValue?
    public var sensitive: Bool

    public init(_ path: String, before: PlanValue?, after: PlanValue?, sensitive: Bool = false) {
        self.path = path
        self.before = before
        self.after = after
        self.sensitive = sensitive
    }
}

/// A planned change to one resource: what the reviewer reads (`action`, `fields`) and what apply
/// executes (`steps`), decided together, once, by the planner.
public struct Change: Sendable, Equatable {
    public var address: ResourceAddress
    public var action: Action
    /// Why, for display only (e.g. which immutable field forces a replace). Never drives apply.
    public var reason: String?
    public var fields: [FieldChange]
    /// What apply does, in order. A no-op has none.
    public var steps: [Step]
    /// Changes that must succeed first: a failure among them skips this one.
    public var dependsOn: [ResourceAddress]

    public init(
        _ address: ResourceAddress, _ action: Action, reason: String? = nil, fields: [FieldChange] = [],
        steps: [Step] = [],
        dependsOn: [ResourceAddress] = []
    ) {
        self.address = address
        self.action = action
        self.reason = reason
        self.fields = fields
        self.steps = steps
        self.dependsOn = dependsOn
    }
}

/// Something the reviewer should know that is not a change: an unowned object that matches a
/// desired one, an owned orphan kept because prune is off. A blocking note is a change amlauth
/// cannot make as asked (a foreign certificate Graph would drop): plan and apply fail on it.
public struct PlanNote: Sendable, Equatable {
    public var address: ResourceAddress?
    public var message: String
    public var blocking: Bool
    /// A resource the plan could not decide (the part of the cloud it needs could not be read):
    /// nothing is planned for it, the rest of the plan stands, and plan and apply exit 1.
    public var unplanned: Bool
    /// A permission preflight found the caller lacks (a blocking note); its fields are also in
    /// the JSON plan, for tools.
    public var missingPermission: MissingPermission?

    public init(_ message: String, address: ResourceAddress? = nil, blocking: Bool = false, unplanned: Bool = false) {
        self.address = address
        self.message = message
        self.blocking = blocking
        self.unplanned = unplanned
    }
}

/// A plan: every change, in a stable order, with the notes and a summary.
public struct Plan: Sendable, Equatable {
    /// 2: typed field values and each change's steps.
    public static let formatVersion = 2

    public var formatVersion = Plan.formatVersion
    public var target: String
    public var changes: [Change]
    public var notes: [PlanNote]
    /// `--only`: what the plan was limited to; nil for a whole plan.
    public var selection: PlanSelection?

    public init(target: String, changes: [Change], notes: [PlanNote]) {
        self.target = target
        self.changes = changes
        self.notes = notes
    }

    /// The changes that do something.
    public var effective: [Change] { changes.filter { $0.action != .noOp } }
    public var hasChanges: Bool { !effective.isEmpty }
    /// Notes that stop plan and apply: a change that cannot be made as the manifests ask.
    public var blockers: [PlanNote] { notes.filter(\.blocking) }
    /// Resources left out because what they need could not be read (see `PlanNote.unplanned`).
    public var unplanned: [PlanNote] { notes.filter(\.unplanned) }

    public struct Summary: Sendable, Equatable {
        public var add = 0, change = 0, replace = 0, destroy = 0, rotate = 0

        /// Counts actions as the plan and apply summaries do (adoption is a change).
        public init(counting actions: some Sequence<Action>) {
            for action in actions {
                switch action {
                case .create: add += 1
                case .update, .adopt: change += 1
                case .replace: replace += 1
                case .delete: destroy += 1
                case .rotate: rotate += 1
                case .noOp: break
                }
            }
        }

        /// `Plan: 2 to add, 1 to change, 0 to replace, 0 to destroy, 1 to rotate.`
        public var line: String {
            "Plan: \(add) to add, \(change) to change, \(replace) to replace, \(destroy) to destroy, \(rotate) to rotate."
        }
    }

    public var summary: Summary { Summary(counting: changes.map(\.action)) }
}
