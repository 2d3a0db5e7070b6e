import YAMLSource

/// Finds literal secrets anywhere in a document: keys that name a secret and hold a value, and
/// values shaped like a private key, an Entra client secret or a JWT. Secrets never belong in a
/// manifest: amlauth creates passwords itself and delivers them to `deliver_to`.
///
/// Found values are reported by location only and their position is marked for redaction, so no
/// rendering of the source echoes them.
enum SecretScanner {
    /// Key names (lower-cased, `_` and `-` removed) that hold secrets.
    static let secretKeys: Set<String> = [
        "secret", "clientsecret", "password", "passwd", "pwd", "key", "primarykey", "secondarykey", "apikey",
        "accesskey", "token", "accesstoken", "refreshtoken", "secrettext", "privatekey", "connectionstring",
        "sastoken", "keyvalue", "certificatepassword", "clientcertificatepassword",
    ]

    static let advice =
        "secrets never go in a manifest: amlauth generates passwords and writes them to the credential's 'deliver_to' sink; its own login reads AZURE_CLIENT_SECRET or AZURE_CREDENTIALS from the environment"

    /// Every field name of the manifest language: never a secret, and by far the most common keys.
    static let knownFields: Set<String> = {
        var names = Set(ManifestSchema.documentFields)
        func collect(_ spec: ObjectSpec) {
            for field in spec.fields {
                names.insert(field.name)
                if case .object(let nested) = field.type { collect(nested) }
                if case .array(.object(let nested), _) = field.type { collect(nested) }
            }
        }
        collect(ManifestSchema.metadata)
        for kind in ManifestKind.allCases { collect(ManifestSchema.spec(for: kind)) }
        return names
    }()

    static func isSecretKey(_ key: String) -> Bool {
        var key = key
        return key.withUTF8 { isSecretKey(utf8: $0) }
    }

    /// `isSecretKey` on a key's UTF-8 bytes. ASCII keys (all but a few) are normalized and compared
    /// in place, without building or hashing a string: this runs on every key of every manifest,
    /// twice (here and in the raw-text scan).
    static func isSecretKey(utf8 key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard key.allSatisfy({ $0 < 0x80 }) else {
            // Non-ASCII may lower-case to ASCII (the Kelvin sign to `k`): the general path.
            let text = String(decoding: key, as: UTF8.self)
            if knownFields.contains(text) { return false }
            return secretKeys.contains(String(text.lowercased().unicodeScalars.filter { $0 != "_" && $0 != "-" }))
        }
        func isSeparator(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") }
        let length = key.reduce(0) { $0 + (isSeparator($1) ? 0 : 1) }
        func matches(_ candidate: [UInt8]) -> Bool {
            var position = 0
            for byte in key where !isSeparator(byte) {
                let lower = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
                guard lower == candidate[position] else { return false }
                position += 1
            }
            return true
        }
        guard secretKeyBytes.contains(where: { $0.count == length && matches($0) }) else { return false }
        return !knownFields.contains(String(decoding: key, as: UTF8.self))
    }

    private static let secretKeyBytes = secretKeys.map { Array($0.utf8) }

    /// Reports every literal secret in `node` and returns the locations of the keys it flagged.
    static func scan(_ node: YAMLNode, into diagnostics: inout Diagnostics) -> Set<SourceLocation> {
        var flaggedKeys: Set<SourceLocation> = []
        visit(node, diagnostics: &diagnostics, flaggedKeys: &flaggedKeys)
        return flaggedKeys
    }

    private static func visit(_ node: YAMLNode, diagnostics: inout Diagnostics, flaggedKeys: inout Set<SourceLocation>)
    {
        switch node.content {
        case .scalar(let scalar):
            if let shape = secretShape(scalar.value) {
                diagnostics.redact(node.location)
                diagnostics.report(
                    .literalSecret, "this value looks like \(shape); it must not be in a manifest", at: node.location,
                    hint: advice)
            }
        case .sequence(let items):
            for item in items { visit(item, diagnostics: &diagnostics, flaggedKeys: &flaggedKeys) }
        case .mapping(let pairs):
            for pair in pairs {
                if let shape = secretShape(pair.key) {
                    // A secret pasted as a key: reported once, as a secret, not as an unknown field.
                    // `SecretRedactions` masks the key itself in the raw text (the value may be harmless).
                    flaggedKeys.insert(pair.keyLocation)
                    diagnostics.report(
                        .literalSecret, "this key looks like \(shape); it must not be in a manifest",
                        at: pair.keyLocation, hint: advice)
                    visit(pair.value, diagnostics: &diagnostics, flaggedKeys: &flaggedKeys)
                } else if isSecretKey(pair.key), !(pair.value.scalar?.isNull ?? false) {
                    flaggedKeys.insert(pair.keyLocation)
                    diagnostics.redact(pair.value.location)
                    diagnostics.report(
                        .literalSecret, "'\(pair.key)' holds a literal secret", at: pair.keyLocation, hint: advice)
                } else {
                    visit(pair.value, diagnostics: &diagnostics, flaggedKeys: &flaggedKeys)
                }
            }
        }
    }

    /// Describes what a value looks like if it looks like a secret, or holds one inside free text
    /// (`display_name: "temp 8Q~…"`, a description with `AZURE_CLIENT_SECRET=…`). Cheap
    /// prefilters first: this runs on every scalar of every manifest.
    static func secretShape(_ value: String) -> String? {
        // One pass for every marker: almost every scalar has none, and then nothing else runs.
        let markers = SecretMarkers(value)
        if markers.isEmpty { return nil }
        if markers.contains(.pemBegin), value.containsBytes("PRIVATE KEY") { return "a private key" }
        if markers.contains(.clientSecret), isClientSecret(value) { return "an Entra client secret" }
        if value.hasPrefix("eyJ"), value.split(separator: ".").count == 3, !value.containsBytes(" ") {
            return "a JWT token"
        }
        if !markers.isDisjoint(with: [.clientSecret, .jwt]), SecretRedactions.maskShapes(value) != value {
            return markers.contains(.clientSecret) ? "text holding an Entra client secret" : "text holding a JWT token"
        }
        if markers.contains(.assignment), let key = secretAssignment(in: value) {
            return "text holding a secret ('\(key)=…')"
        }
        return nil
    }

    /// Normalized key suffixes that name a secret in `NAME=value` text (`AZURE_CLIENT_SECRET`,
    /// `DB_PASSWORD`, `GITHUB_TOKEN`).
    static let assignmentSuffixes = [
        "secret", "password", "passwd", "pwd", "token", "apikey", "accesskey", "privatekey", "connectionstring",
        "primarykey", "secondarykey",
    ]

    /// Whether `NAME` in `NAME=value` names a secret.
    static func isSecretAssignmentKey(_ key: String) -> Bool {
        let normalized = String(key.lowercased().unicodeScalars.filter { $0 != "_" && $0 != "-" })
        return assignmentSuffixes.contains { normalized.hasSuffix($0) }
    }

    /// The first `NAME=value` in `text` whose name is a secret's and whose value is given (not
    /// empty, not a `${…}` reference or `<placeholder>`).
    static func secretAssignment(in text: String) -> String? {
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() where scalar == "=" {
            var start = index
            while start > 0, ASCII.isWord(scalars[start - 1], or: "_-") { start -= 1 }
            guard start < index else { continue }
            var end = index + 1
            while end < scalars.count, !" \t\"',;".unicodeScalars.contains(scalars[end]) { end += 1 }
            let key = String(String.UnicodeScalarView(scalars[start..<index]))
            let value = scalars[(index + 1)..<end]
            guard value.count >= 4, value.first != "$", value.first != "<", isSecretAssignmentKey(key) else {
                continue
            }
            return key
        }
        return nil
    }

    /// Entra client secrets: 40 characters from `[A-Za-z0-9_~.-]`, with `Q~` at offset 4.
    private static func isClientSecret(_ value: String) -> Bool {
        let scalars = Array(value.unicodeScalars)
        guard (38...42).contains(scalars.count), ASCII.isDigit(scalars[3]), scalars[4] == "Q",
            scalars[5] == "~"
        else { return false }
        return scalars.allSatisfy { ASCII.isWord($0, or: "_~.-") }
    }
}

/// Which secret markers a text holds (`-----BEGIN`, `Q~`, `eyJ`, `=`), found in one pass over its
/// bytes instead of one search per marker.
struct SecretMarkers: OptionSet {
    let rawValue: UInt8

    static let pemBegin = SecretMarkers(rawValue: 1)
    static let clientSecret = SecretMarkers(rawValue: 2)
    static let jwt = SecretMarkers(rawValue: 4)
    static let assignment = SecretMarkers(rawValue: 8)

    private static let pem = Array("-----BEGIN".utf8)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init(_ text: String) {
        var text = text
        self = text.withUTF8 { Self.scan($0) }
    }

    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> SecretMarkers {
        var found: SecretMarkers = []
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "-"):
                if index + pem.count <= bytes.count, pem.indices.allSatisfy({ bytes[index + $0] == pem[$0] }) {
                    found.insert(.pemBegin)
                }
            case UInt8(ascii: "Q"):
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "~") { found.insert(.clientSecret) }
            case UInt8(ascii: "e"):
                if index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "y"), bytes[index + 2] == UInt8(ascii: "J")
                {
                    found.insert(.jwt)
                }
            case UInt8(ascii: "="): found.insert(.assignment)
            default: break
            }
            index += 1
        }
        return found
    }
}
