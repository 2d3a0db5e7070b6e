/// `name:version`, as the Azure ML SDK names registered models and environments.
public struct VersionedName: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var version: Int

    /// Name: letters, digits, `-`, `_`, `.` (1–255); version: a positive integer.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        let name = text[..<colon]
        let versionText = text[text.index(after: colon)...]
        guard (1...255).contains(name.count),
            name.unicodeScalars.allSatisfy({ ASCII.isWord($0, or: "-_.") }),
            let version = Int(versionText), version > 0
        else { return nil }
        self.name = String(name)
        self.version = version
    }

    public var description: String { "\(name):\(version)" }
}

/// Checks for the few string formats that need no type of their own.
enum TextFormats {
    /// An `https://host…` URL without spaces.
    static func isHTTPSURL(_ text: String) -> Bool {
        guard text.hasPrefix("https://"), text.count > 8 else { return false }
        return !text.contains(where: \.isWhitespace) && text.dropFirst(8).first != "/"
    }
}
