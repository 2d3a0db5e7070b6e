/// `${env:NAME}` in identifier fields. The environment is passed in: the core never reads it.
enum EnvironmentInterpolation {
    enum Failure: Error, Equatable {
        case malformed(String)
        case unset(String)
    }

    /// True when `text` asks for interpolation at all (so plain values skip the work).
    static func mentions(_ text: String) -> Bool { text.containsBytes("${") }

    /// Replaces every `${env:NAME}`; NAME is `[A-Za-z_][A-Za-z0-9_]*`.
    static func expand(_ text: String, environment: [String: String]) -> Result<String, Failure> {
        var output = ""
        var rest = Substring(text)
        while let dollar = openingIndex(in: rest) {
            output += rest[..<dollar]
            let afterOpen = rest[rest.index(dollar, offsetBy: 2)...]
            guard let close = afterOpen.firstIndex(of: "}") else {
                return .failure(.malformed(String(rest[dollar...])))
            }
            let inner = afterOpen[..<close]
            guard inner.hasPrefix("env:") else { return .failure(.malformed("${\(inner)}")) }
            let name = inner.dropFirst(4)
            guard isVariableName(name) else { return .failure(.malformed("${\(inner)}")) }
            guard let value = environment[String(name)] else { return .failure(.unset(String(name))) }
            output += value
            rest = afterOpen[afterOpen.index(after: close)...]
        }
        output += rest
        return .success(output)
    }

    private static func openingIndex(in text: Substring) -> Substring.Index? {
        var index = text.startIndex
        while let dollar = text[index...].firstIndex(of: "$") {
            let next = text.index(after: dollar)
            if next < text.endIndex, text[next] == "{" { return dollar }
            index = next
        }
        return nil
    }

    private static func isVariableName(_ name: Substring) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || ASCII.isLetter(first) else { return false }
        return name.unicodeScalars.allSatisfy { ASCII.isWord($0, or: "_") }
    }
}
