/// What a change does. The symbol is what the human plan shows.
public enum Action: String, Sendable, Codable, CaseIterable {
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

/// One field's before and after. Secret-bearing fields never carry a value: `sensitive` says the
/// value exists but is not shown.
public struct FieldChange: Sendable, Codable, Equatable {
    public var path: String
    public var before: String?
    public var after: String?
    public var sensitive: Bool

    public init(_ path: String, before: String?, after: String?, sensitive: Bool = false) {
        self.path = path
        self.before = before
        self.after = after
        self.sensitive = sensitive
    }
}

/// A planned change to one resource.
public struct Change: Sendable, Codable, Equatable {
    public var address: ResourceAddress
    public var action: Action
    /// Why, for display only (e.g. which immutable field forces a replace). Never drives apply.
    public var reason: String?
    public var fields: [FieldChange]
    /// Resources that must be applied first.
    public var dependsOn: [ResourceAddress]

    public init(_ address: ResourceAddress, _ action: Action, reason: String? = nil, fields: [FieldChange] = [], dependsOn: [ResourceAddress] = []) {
        self.address = address
        self.action = action
        self.reason = reason
        self.fields = fields
        self.dependsOn = dependsOn
    }
}

/// Something the reviewer should know that is not a change: an unowned object that matches a
/// desired one, an owned orphan kept because prune is off.
public struct PlanNote: Sendable, Codable, Equatable {
    public var address: ResourceAddress?
    public var message: String

    public init(_ message: String, address: ResourceAddress? = nil) {
        self.address = address
        self.message = message
    }
}

/// A plan: every change, in a stable order, with the notes and a summary.
public struct Plan: Sendable, Codable, Equatable {
    public static let formatVersion = 1

    public var formatVersion = Plan.formatVersion
    public var target: String
    public var changes: [Change]
    public var notes: [PlanNote]

    public init(target: String, changes: [Change], notes: [PlanNote]) {
        self.target = target
        self.changes = changes
        self.notes = notes
    }

    /// The changes that do something.
    public var effective: [Change] { changes.filter { $0.action != .noOp } }
    public var hasChanges: Bool { !effective.isEmpty }

    public struct Summary: Sendable, Equatable {
        public var add = 0, change = 0, replace = 0, destroy = 0, rotate = 0

        /// `Plan: 2 to add, 1 to change, 0 to replace, 0 to destroy, 1 to rotate.`
        public var line: String {
            "Plan: \(add) to add, \(change) to change, \(replace) to replace, \(destroy) to destroy, \(rotate) to rotate."
        }
    }

    public var summary: Summary {
        var summary = Summary()
        for change in changes {
            switch change.action {
            case .create: summary.add += 1
            case .update, .adopt: summary.change += 1
            case .replace: summary.replace += 1
            case .delete: summary.destroy += 1
            case .rotate: summary.rotate += 1
            case .noOp: break
            }
        }
        return summary
    }
}
