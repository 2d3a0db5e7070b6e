/// A parsed Azure Resource Manager ID. Equality and hashing ignore case, as ARM does, so that
/// `/subscriptions/X/resourceGroups/ML-RG` and `/subscriptions/x/resourcegroups/ml-rg` are one
/// resource and never cause a perpetual diff.
public struct AzureResourceID: Sendable, Hashable, CustomStringConvertible {
    /// One `type/name` step below a provider namespace.
    public struct Segment: Sendable, Hashable {
        public var type: String
        public var name: String

        public init(type: String, name: String) {
            self.type = type
            self.name = name
        }
    }

    public var subscription: GUID?
    public var resourceGroup: String?
    /// `Microsoft.MachineLearningServices`, or nil for a subscription or resource-group ID.
    public var providerNamespace: String?
    public var segments: [Segment]

    public init(
        subscription: GUID?, resourceGroup: String? = nil, providerNamespace: String? = nil, segments: [Segment] = []
    ) {
        self.subscription = subscription
        self.resourceGroup = resourceGroup
        self.providerNamespace = providerNamespace
        self.segments = segments
    }

    /// The parsed ID, or nil when `text` is not one (see `parse` for why).
    public init?(_ text: String) {
        guard case .success(let id) = Self.parse(text) else { return nil }
        self = id
    }

    /// Why an ID could not be parsed, for the diagnostic.
    public enum ParseError: Error, Sendable, Equatable {
        case notAbsolute
        case badSubscription(String)
        case incomplete(String)
        case unexpected(String)
    }

    /// Parses `/subscriptions/{guid}[/resourceGroups/{name}][/providers/{ns}/{type}/{name}…]` and
    /// tenant-level `/providers/{ns}/{type}/{name}…` (management groups).
    public static func parse(_ text: String) -> Result<AzureResourceID, ParseError> {
        guard text.hasPrefix("/") else { return .failure(.notAbsolute) }
        // The tenant root scope: role assignments made there reach every subscription.
        if text == "/" { return .success(AzureResourceID(subscription: nil)) }
        var parts = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.last == "" { parts.removeLast() }
        guard !parts.isEmpty, !parts.contains("") else { return .failure(.incomplete(text)) }
        var id = AzureResourceID(subscription: nil)
        var index = 0
        if parts[0].lowercased() == "subscriptions" {
            guard parts.count > 1 else { return .failure(.incomplete("subscriptions/ needs a subscription GUID")) }
            guard let guid = GUID(parts[1]) else { return .failure(.badSubscription(parts[1])) }
            id.subscription = guid
            index = 2
            if index < parts.count, parts[index].lowercased() == "resourcegroups" {
                guard index + 1 < parts.count else { return .failure(.incomplete("resourceGroups/ needs a name")) }
                id.resourceGroup = parts[index + 1]
                index += 2
            }
        }
        guard index < parts.count else { return .success(id) }
        guard parts[index].lowercased() == "providers" else { return .failure(.unexpected(parts[index])) }
        guard index + 1 < parts.count else { return .failure(.incomplete("providers/ needs a namespace")) }
        id.providerNamespace = parts[index + 1]
        index += 2
        let rest = parts[index...]
        guard !rest.isEmpty, rest.count % 2 == 0 else {
            return .failure(.incomplete("a provider path needs type/name pairs"))
        }
        var iterator = rest.makeIterator()
        while let type = iterator.next(), let name = iterator.next() {
            id.segments.append(Segment(type: type, name: name))
        }
        return .success(id)
    }

    /// The canonical string form (ARM's casing of the fixed words).
    public var description: String {
        var text = ""
        if let subscription { text += "/subscriptions/\(subscription)" }
        if let resourceGroup { text += "/resourceGroups/\(resourceGroup)" }
        if let providerNamespace {
            text += "/providers/\(providerNamespace)"
            for segment in segments { text += "/\(segment.type)/\(segment.name)" }
        }
        return text.isEmpty ? "/" : text
    }

    /// The ID of a child resource (`<this>/<type>/<name>`), such as a workspace's compute.
    public func child(_ type: String, _ name: String) -> AzureResourceID {
        var id = self
        id.segments.append(Segment(type: type, name: name))
        return id
    }

    /// Whether an assignment at this scope applies to `other`: the same scope or an ancestor of it
    /// (ARM's inheritance), compared case-insensitively.
    public func covers(_ other: AzureResourceID) -> Bool {
        let ancestor = canonicalKey == "/" ? "" : canonicalKey
        return other.canonicalKey == canonicalKey || other.canonicalKey.hasPrefix(ancestor + "/")
    }

    /// The lower-cased form used for equality, hashing and deterministic names.
    public var canonicalKey: String { description.lowercased() }

    public static func == (lhs: AzureResourceID, rhs: AzureResourceID) -> Bool { lhs.canonicalKey == rhs.canonicalKey }
    public func hash(into hasher: inout Hasher) { hasher.combine(canonicalKey) }
}

/// Encoded as its ARM ID text, so recorded live states and saved plans read as Azure writes them.
extension AzureResourceID: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        switch Self.parse(text) {
        case .success(let id): self = id
        case .failure(let error):
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "'\(text)': \(error)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension AzureResourceID.ParseError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notAbsolute: "an ARM ID starts with '/' (e.g. /subscriptions/<guid>/resourceGroups/<name>)"
        case .badSubscription(let text): "'\(text)' is not a subscription GUID"
        case .incomplete(let detail): "the ID is incomplete: \(detail)"
        case .unexpected(let segment): "unexpected segment '\(segment)'; expected resourceGroups or providers"
        }
    }
}
