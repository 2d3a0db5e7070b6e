/// Test input with position markers instead of hard-coded line numbers (after swift-format's
/// MarkedText): write `name: 1️⃣ml-auth` and expect a diagnostic "at 1️⃣".
public struct MarkedText: Sendable {
    /// The text with every marker removed.
    public let text: String
    /// Each marker's 1-based line and column (in Unicode scalars, as libyaml counts).
    public let markers: [String: (line: Int, column: Int)]

    public static let markerSymbols = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟"]

    public init(_ marked: String) {
        var text = ""
        var markers: [String: (line: Int, column: Int)] = [:]
        var line = 1
        var column = 1
        var rest = Substring(marked)
        outer: while let character = rest.first {
            for symbol in Self.markerSymbols where rest.hasPrefix(symbol) {
                markers[symbol] = (line, column)
                rest = rest.dropFirst(symbol.count)
                continue outer
            }
            text.append(character)
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += character.unicodeScalars.count
            }
            rest = rest.dropFirst()
        }
        self.text = text
        self.markers = markers
    }

    /// `line:column` of a marker, for comparing with a diagnostic's location.
    public func position(_ marker: String) -> String? {
        markers[marker].map { "\($0.line):\($0.column)" }
    }

    public var bytes: [UInt8] { Array(text.utf8) }
}
