/// Manifest names for imported objects: derived from what the cloud calls them (a display name,
/// a service name), made valid (letters, digits, `-`, `_`, `.`, starting with a letter or digit,
/// at most 128), and unique per kind among the names the Target's manifests already declare.
public struct ImportNames: Sendable {
    private var taken: [ManifestKind: Set<String>] = [:]

    /// `declared`: the addresses the Target's manifests already use.
    public init(declared: [ResourceAddress] = []) {
        for address in declared { taken[address.kind, default: []].insert(address.name.lowercased()) }
    }

    /// A valid, unused name of `kind` for `text`; `-2`, `-3`… when it is taken.
    public mutating func claim(_ kind: ManifestKind, for text: String) -> String {
        let base = Self.valid(text)
        var name = base
        var serial = 2
        while taken[kind, default: []].contains(name.lowercased()) {
            name = String(base.prefix(120)) + "-\(serial)"
            serial += 1
        }
        taken[kind, default: []].insert(name.lowercased())
        return name
    }

    /// `text` as a valid name: other characters become `-` (runs collapsed), a leading non-letter
    /// or non-digit is dropped, and an empty result is `imported`.
    public static func valid(_ text: String) -> String {
        var scalars: [Unicode.Scalar] = []
        for scalar in text.unicodeScalars {
            let kept = ASCII.isWord(scalar, or: "-_.") ? scalar : "-"
            if kept == "-", scalars.last == "-" { continue }
            scalars.append(kept)
        }
        while let first = scalars.first, !ASCII.isAlphanumeric(first) { scalars.removeFirst() }
        while scalars.last == "-" { scalars.removeLast() }
        var name = ""
        name.unicodeScalars.append(contentsOf: scalars.prefix(128))
        return name.isEmpty ? "imported" : name
    }
}
