/// The fields of a checked mapping, in the order they were written.
///
/// Objects in manifests have 2–10 fields, and a validate of 20,000 resources holds about 200,000
/// of them, so a dictionary's hash table per object was the largest share of validate's memory
/// (41% at 5,000 resources, `valgrind --tool=massif`; Benchmarks/validate/README.md). A small
/// array scanned on lookup is smaller and, at these sizes, as fast. Keys are unique: the YAML
/// layer reports duplicate keys before a mapping is checked.
public struct ManifestFields: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: ManifestValue)

    private var pairs: [Element]
    // Optional: almost always nil, and an empty array would still be stored per object.
    private var rejected: [String]?

    /// Keys written without a valid value (see `ManifestValue.rejectedKeys`).
    public var rejectedKeys: [String] {
        get { rejected ?? [] }
        set { rejected = newValue.isEmpty ? nil : newValue }
    }

    /// Fields in source order; keys must be unique.
    public init(_ pairs: [Element] = []) { self.pairs = pairs }

    /// Empty, with room for `capacity` fields (a mapping's size is known before it is checked).
    init(capacity: Int) {
        pairs = []
        pairs.reserveCapacity(capacity)
    }

    public init(dictionaryLiteral elements: (String, ManifestValue)...) {
        pairs = elements.map { (key: $0.0, value: $0.1) }
    }

    /// The value written for `key`, if any.
    public subscript(key: String) -> ManifestValue? {
        for pair in pairs where pair.key == key { return pair.value }
        return nil
    }

    /// Adds a field; the caller guarantees `key` is not present yet.
    mutating func append(_ key: String, _ value: ManifestValue) { pairs.append((key: key, value: value)) }

    public var count: Int { pairs.count }
    public var isEmpty: Bool { pairs.isEmpty }
    /// Keys in source order.
    public var keys: [String] { pairs.map(\.key) }
    /// Values in source order.
    public var values: [ManifestValue] { pairs.map(\.value) }

    public func makeIterator() -> IndexingIterator<[Element]> { pairs.makeIterator() }
}
