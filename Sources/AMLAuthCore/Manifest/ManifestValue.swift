public import YAMLSource

/// A value that has passed its `FieldSpec`: the right type, a valid format, `${env:…}` filled in.
/// Fields that failed are absent, so typed decoding never meets a bad value twice.
public struct ManifestValue: Sendable {
    public enum Content: Sendable {
        case string(String)
        case bool(Bool)
        case integer(Int)
        case number(Double)
        case object(ManifestFields)
        case array([ManifestValue])
    }

    public var content: Content
    /// Where the value starts.
    public var location: SourceLocation
    /// Where its key is, for values held in a mapping.
    public var keyLocation: SourceLocation?
    /// For objects: keys that were written but hold no valid value (null, or failed a check and
    /// already reported), so a rule can tell "missing" from "invalid". Usually empty; kept with
    /// the fields (only objects have any), so a value is a word smaller.
    public var rejectedKeys: [String] {
        get { object?.rejectedKeys ?? [] }
        set {
            guard case .object(var fields) = content else { return }
            fields.rejectedKeys = newValue
            content = .object(fields)
        }
    }

    public init(_ content: Content, at location: SourceLocation, keyLocation: SourceLocation? = nil) {
        self.content = content
        self.location = location
        self.keyLocation = keyLocation
    }

    /// True when `key` was written in this object, valid or not.
    public func wrote(_ key: String) -> Bool { self[key] != nil || rejectedKeys.contains(key) }

    /// True when `key` was written in this object but holds no valid value (null, or failed a
    /// check that was already reported), so a rule must not assume the field's default.
    public func rejected(_ key: String) -> Bool { self[key] == nil && rejectedKeys.contains(key) }

    public subscript(key: String) -> ManifestValue? {
        if case .object(let fields) = content { return fields[key] }
        return nil
    }

    /// Follows a path of keys (`["key_rotation", "primary"]`).
    public subscript(path: [String]) -> ManifestValue? {
        path.reduce(Optional(self)) { value, key in value?[key] }
    }

    public var string: String? {
        if case .string(let value) = content { return value }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let value) = content { return value }
        return nil
    }

    public var integer: Int? {
        if case .integer(let value) = content { return value }
        return nil
    }

    public var number: Double? {
        switch content {
        case .number(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }

    public var array: [ManifestValue]? {
        if case .array(let items) = content { return items }
        return nil
    }

    public var object: ManifestFields? {
        if case .object(let fields) = content { return fields }
        return nil
    }
}
