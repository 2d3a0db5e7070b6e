/// A problem found while reading YAML, with the location it refers to.
public struct YAMLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of problem, so the core can give each its own diagnostic code.
    public enum Kind: Sendable, Hashable {
        /// libyaml's reader, scanner or parser rejected the text.
        case syntax
        /// A key appears twice in one mapping (reported at the second one).
        case duplicateKey(key: String, first: SourceLocation)
        /// Aliases expand to more nodes than allowed ("billion laughs"), or nesting is too deep.
        case expansionLimit
        /// Valid YAML that amlauth does not accept: complex keys, unknown anchors.
        case unsupported
    }

    public var kind: Kind
    public var message: String
    public var location: SourceLocation

    public init(_ kind: Kind, _ message: String, at location: SourceLocation) {
        self.kind = kind
        self.message = message
        self.location = location
    }

    public var description: String { "\(location): \(message)" }
}

/// What the parser made of one file: the documents it could read completely, and every problem.
public struct YAMLFile: Sendable {
    public var documents: [YAMLDocument]
    public var errors: [YAMLError]

    public init(documents: [YAMLDocument], errors: [YAMLError]) {
        self.documents = documents
        self.errors = errors
    }
}
