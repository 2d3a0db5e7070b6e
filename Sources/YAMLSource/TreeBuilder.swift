internal import CYAML

/// Builds `YAMLNode` trees from libyaml events, one open collection per frame.
///
/// Tracks the size of every subtree so that alias expansion is charged at its real cost.
struct TreeBuilder {
    /// An open collection. A class, so appending to the innermost one mutates it in place
    /// instead of copying it out of the stack and back (measurable on large manifest sets).
    private final class Frame {
        let isMapping: Bool
        let location: SourceLocation
        let anchor: String?
        var items: [YAMLNode] = []
        var pairs: [YAMLPair] = []
        var size = 1
        /// The key whose value comes next (mappings only).
        var pending: PendingKey?
        /// Keys already seen, for duplicate detection in large mappings (small ones are scanned).
        var seen: [String: SourceLocation] = [:]

        init(isMapping: Bool, location: SourceLocation, anchor: String?) {
            self.isMapping = isMapping
            self.location = location
            self.anchor = anchor
        }
    }

    /// The key whose value comes next; `discard` drops the value of a rejected key.
    private struct PendingKey {
        var key: String
        var location: SourceLocation
        var discard: Bool
    }

    let file: String
    let limits: YAMLParser.Limits
    /// The load's budget as it stood before this file.
    let budget: YAMLParser.AliasBudget
    private(set) var documents: [YAMLDocument] = []
    private(set) var errors: [YAMLError] = []
    private(set) var isRunning = true

    private var stack: [Frame] = []
    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    private var root: YAMLNode?
    /// Nodes this file's aliases added.
    private(set) var expanded = 0

    init(file: String, limits: YAMLParser.Limits, budget: YAMLParser.AliasBudget) {
        self.file = file
        self.limits = limits
        self.budget = budget
    }

    mutating func fail(_ error: YAMLError) {
        errors.append(error)
        isRunning = false
    }

    mutating func consume(_ event: yaml_event_t) {
        let location = Mark(event.start_mark).location(in: file)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            anchors = [:]
            root = nil
        case YAML_DOCUMENT_END_EVENT:
            if let root { documents.append(YAMLDocument(root: root, index: documents.count)) }
            root = nil
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let value =
                data.value.map {
                    String(decoding: UnsafeBufferPointer(start: $0, count: data.length), as: UTF8.self)
                } ?? ""
            let scalar = YAMLScalar(value, style: Self.style(data.style), tag: Self.string(data.tag))
            complete(YAMLNode(.scalar(scalar), at: location), size: 1, anchor: Self.string(data.anchor))
        case YAML_ALIAS_EVENT:
            alias(Self.string(event.data.alias.anchor) ?? "", at: location)
        case YAML_SEQUENCE_START_EVENT:
            open(Frame(isMapping: false, location: location, anchor: Self.string(event.data.sequence_start.anchor)))
        case YAML_MAPPING_START_EVENT:
            open(Frame(isMapping: true, location: location, anchor: Self.string(event.data.mapping_start.anchor)))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            close()
        default:
            break  // stream start/end and no-op events carry nothing to build.
        }
    }

    private mutating func open(_ frame: Frame) {
        guard stack.count < limits.depth else {
            fail(
                YAMLError(.expansionLimit, "collections nest more than \(limits.depth) levels deep", at: frame.location)
            )
            return
        }
        stack.append(frame)
    }

    private mutating func close() {
        guard let frame = stack.popLast() else { return }
        let content: YAMLNode.Content = frame.isMapping ? .mapping(frame.pairs) : .sequence(frame.items)
        complete(YAMLNode(content, at: frame.location), size: frame.size, anchor: frame.anchor)
    }

    private mutating func alias(_ name: String, at location: SourceLocation) {
        guard let target = anchors[name] else {
            fail(
                YAMLError(
                    .unsupported, "alias '*\(name)' refers to no anchor defined before it in this document",
                    at: location))
            return
        }
        expanded += target.size
        guard expanded <= budget.remaining else {
            // Earlier files of the load share the budget: say so, or the count looks wrong.
            let scope = budget.used == 0 ? "" : " in this and the files read before it"
            fail(
                YAMLError(
                    .expansionLimit,
                    "aliases\(scope) expand to more than \(budget.limit) nodes; the file is rejected (is it a \"billion laughs\" document?)",
                    at: location))
            return
        }
        var node = target.node
        node.location = location
        complete(node, size: target.size, anchor: nil)
    }

    /// Hands a finished node to the open collection (or makes it the document root).
    private mutating func complete(_ node: YAMLNode, size: Int, anchor: String?) {
        if let anchor { anchors[anchor] = (node, size) }
        guard let top = stack.last else {
            root = node
            return
        }
        top.size += size
        guard top.isMapping else {
            top.items.append(node)
            return
        }
        guard let pending = top.pending else {
            top.pending = key(for: node, in: top)
            return
        }
        if !pending.discard {
            top.pairs.append(YAMLPair(key: pending.key, keyLocation: pending.location, value: node))
        }
        top.pending = nil
    }

    /// Accepts a node as a mapping key, or records why it cannot be one.
    private mutating func key(for node: YAMLNode, in frame: Frame) -> PendingKey {
        guard let scalar = node.scalar else {
            errors.append(
                YAMLError(.unsupported, "mapping keys must be plain strings, not collections", at: node.location))
            return PendingKey(key: "", location: node.location, discard: true)
        }
        if let first = Self.firstLocation(of: scalar.value, in: frame) {
            errors.append(
                YAMLError(
                    .duplicateKey(key: scalar.value, first: first),
                    "duplicate key '\(scalar.value)' (first defined at line \(first.line), column \(first.column))",
                    at: node.location))
            return PendingKey(key: scalar.value, location: node.location, discard: true)
        }
        if frame.pairs.count >= Self.scanLimit { frame.seen[scalar.value] = node.location }
        return PendingKey(key: scalar.value, location: node.location, discard: false)
    }

    /// Mappings up to this many keys are searched linearly: cheaper than hashing every key.
    private static let scanLimit = 16

    private static func firstLocation(of key: String, in frame: Frame) -> SourceLocation? {
        if frame.pairs.count < scanLimit {
            return frame.pairs.first { $0.key == key }?.keyLocation
        }
        if frame.seen.isEmpty {
            for pair in frame.pairs where frame.seen[pair.key] == nil { frame.seen[pair.key] = pair.keyLocation }
        }
        return frame.seen[key]
    }

    private static func style(_ style: yaml_scalar_style_t) -> YAMLScalar.Style {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}
