/// One node of a parsed YAML document, with the location where it starts.
///
/// Aliases are already resolved: an alias node is a copy of its anchor's node (copy-on-write, so
/// cheap), bounded by the parser's expansion limit.
public struct YAMLNode: Sendable {
    /// What the node holds.
    public enum Content: Sendable {
        case scalar(YAMLScalar)
        case mapping([YAMLPair])
        case sequence([YAMLNode])
    }

    public var content: Content
    /// Where the node starts (for a block scalar, the indicator `|` or `>`).
    public var location: SourceLocation

    public init(_ content: Content, at location: SourceLocation) {
        self.content = content
        self.location = location
    }

    /// The scalar, if this node is one.
    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    /// The pairs, if this node is a mapping.
    public var pairs: [YAMLPair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// The items, if this node is a sequence.
    public var items: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    /// The value for `key` in a mapping (first occurrence; duplicates are parse errors).
    public subscript(key: String) -> YAMLNode? {
        pairs?.first(where: { $0.key == key })?.value
    }
}

/// A scalar's text as written (after YAML unescaping), how it was written, and its explicit tag.
///
/// Typing (booleans, numbers, null) is left to the reader: amlauth applies the YAML 1.2 core schema
/// per field, so `yes` can be reported as the mistake it is in a boolean field.
public struct YAMLScalar: Sendable, Hashable {
    /// How the scalar was written in the source.
    public enum Style: Sendable, Hashable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    public var value: String
    public var style: Style
    /// The resolved explicit tag (`tag:yaml.org,2002:str` for `!!str`), or nil when none was written.
    public var tag: String?

    public init(_ value: String, style: Style = .plain, tag: String? = nil) {
        self.value = value
        self.style = style
        self.tag = tag
    }

    /// True when the scalar was written without quotes and without a tag: only such scalars may be
    /// read as booleans, numbers or null.
    public var isPlainUntagged: Bool { style == .plain && tag == nil }

    /// True for the YAML 1.2 core schema's null forms (`~`, `null`, empty) written plain.
    public var isNull: Bool {
        guard isPlainUntagged else { return tag == "tag:yaml.org,2002:null" }
        switch value {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }
}

/// A key and its value in a mapping. Keys are scalars; complex keys are rejected by the parser.
public struct YAMLPair: Sendable {
    public var key: String
    public var keyLocation: SourceLocation
    public var value: YAMLNode

    public init(key: String, keyLocation: SourceLocation, value: YAMLNode) {
        self.key = key
        self.keyLocation = keyLocation
        self.value = value
    }
}

/// A document of a YAML stream: its root node, and where the document began.
public struct YAMLDocument: Sendable {
    public var root: YAMLNode
    /// 0-based position of the document in its file.
    public var index: Int

    public init(root: YAMLNode, index: Int) {
        self.root = root
        self.index = index
    }
}
