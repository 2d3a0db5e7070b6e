public import AMLAuthCore
import Rendering
import WireFormat
import YAMLSource

/// What must hold for any bytes fed to the manifest loader and validator, however hostile: the
/// properties the libFuzzer target (`amlauth-fuzz`, `scripts/fuzz.sh`) asserts on every input,
/// and a unit test asserts on the seed corpus.
///
/// Crashes, time and memory are the fuzzer's to catch (`-timeout`, `-rss_limit_mb`); this checks
/// what it cannot see: every diagnostic is located, every output form stays well-formed, and no
/// planted secret is ever echoed.
public enum ManifestProperties {
    /// Secret-shaped values planted in the seed corpus (`scripts/fuzz.sh` writes seeds holding
    /// them). They are masked wherever they appear verbatim, whatever the YAML around them looks
    /// like, so no output form may contain them. Only shapes are planted: a fuzzer that renames a
    /// `password:` key makes its value an ordinary string, but a shape stays a shape.
    public static let plantedSecrets = [
        // An Entra client secret: three characters, a digit, `Q~`, 34 more.
        "Abc8Q~fUzZpLaNtEdSeCrEt0123456789abcdefgh",
        // A JWT: header, payload and signature, base64url.
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmdXp6LXBsYW50ZWQifQ.c2lnbmF0dXJlLW9mLWEtcGxhbnRlZC10b2tlbg",
    ]

    /// The environment validation sees: a planted secret reachable through `${env:…}` too.
    public static let environment = [
        "AZURE_TENANT_ID": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "AZURE_SUBSCRIPTION_ID": "a925f2f7-5c63-4b7b-8799-25a5f97bc3b2",
        "FUZZ_SECRET": plantedSecrets[0],
    ]

    /// Separates the files of one fuzz input (NUL never occurs in a YAML file libyaml accepts).
    public static let fileSeparator: UInt8 = 0

    /// One fuzz input as manifest files: split at NUL bytes, named `f0.yaml`, `f1.yaml` …
    public static func files(from input: [UInt8]) -> [SourceFile] {
        input.split(separator: fileSeparator, omittingEmptySubsequences: false).enumerated().map {
            SourceFile(path: "f\($0.offset).yaml", bytes: Array($0.element))
        }
    }

    /// A broken property: what and for which diagnostic or output form.
    public struct Violation: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Validates `files` as `amlauth validate` does, renders every output form, and returns every
    /// property that does not hold (empty when all do).
    /// - Parameter inputDiagnostics: findings of the I/O edge (AMLA104), checked like the rest.
    public static func check(_ files: [SourceFile], inputDiagnostics: [Diagnostic] = []) -> [Violation] {
        let result = ManifestValidation(environment: environment).run(files)
        let diagnostics = (inputDiagnostics + result.diagnostics.all).map(result.secrets.mask)
        var violations: [Violation] = []

        let lineCounts = Dictionary(
            files.map { ($0.path, LineBreaks.lines($0.bytes).count) }, uniquingKeysWith: { first, _ in first })
        for diagnostic in diagnostics {
            violations += located(diagnostic, lineCounts: lineCounts)
        }

        let summary = ValidationSummary(
            files: files.count, resources: result.manifests.declarations.count, diagnostics: diagnostics)
        let text = DiagnosticRenderer(source: SourceText(files: files, secrets: result.secrets))
            .text(diagnostics, summary: summary)
        let json = DiagnosticRenderer.json(diagnostics, summary: summary)
        let annotations = DiagnosticRenderer.githubAnnotations(diagnostics)
        for (form, output) in [("text", text), ("json", json), ("annotations", annotations)] {
            for secret in plantedSecrets where output.contains(secret) {
                violations.append(
                    Violation(message: "the \(form) output echoes the planted secret \(secret.prefix(6))…"))
            }
        }
        violations += wellFormed(json: json, diagnostics: diagnostics)
        // One workflow command per line, one line per diagnostic shown or per code cut short.
        let commands = annotations.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let expected = shown(diagnostics, limit: DiagnosticRenderer.defaultLimitPerCode)
        if commands.count != expected.shown + expected.cut || commands.contains(where: { !$0.hasPrefix("::") }) {
            violations.append(
                Violation(message: "\(diagnostics.count) diagnostics gave \(commands.count) workflow command lines"))
        }
        return violations
    }

    /// How many of `diagnostics` an output form listing `limit` per code shows, and how many codes
    /// it cuts short.
    private static func shown(_ diagnostics: [Diagnostic], limit: Int) -> (shown: Int, cut: Int) {
        var counts: [DiagnosticCode: Int] = [:]
        for diagnostic in diagnostics { counts[diagnostic.code, default: 0] += 1 }
        return (counts.values.reduce(0) { $0 + min($1, limit) }, counts.values.count { $0 > limit })
    }

    /// A diagnostic names a file it was given and a line inside it, or (AMLA104 only) a path.
    private static func located(_ diagnostic: Diagnostic, lineCounts: [String: Int]) -> [Violation] {
        let code = diagnostic.code.rawValue
        guard let location = diagnostic.location else {
            if diagnostic.code == .unreadableInput, diagnostic.path != nil { return [] }
            return [Violation(message: "\(code) has no location: \(diagnostic.message)")]
        }
        var violations: [Violation] = []
        if let lines = lineCounts[location.file] {
            if location.line < 1 || location.line > lines || location.column < 1 {
                violations.append(
                    Violation(message: "\(code) at \(location) is outside the file's \(lines) lines"))
            }
        } else {
            violations.append(Violation(message: "\(code) names '\(location.file)', not a file it was given"))
        }
        for note in diagnostic.notes {
            if let noted = note.location, lineCounts[noted.file] == nil {
                violations.append(
                    Violation(message: "a note of \(code) names '\(noted.file)', not a file it was given"))
            }
        }
        return violations
    }

    /// The JSON report parses, lists every diagnostic up to its limit per code, and gives each a location: a file with a
    /// line and column, or (a path with no line) a file with `line` and `column` null.
    private static func wellFormed(json: String, diagnostics: [Diagnostic]) -> [Violation] {
        let count = shown(diagnostics, limit: DiagnosticRenderer.jsonLimitPerCode).shown
        let document: JSONValue
        do {
            document = try JSONParser.parse(json)
        } catch {
            return [Violation(message: "the JSON report does not parse: \(error)")]
        }
        guard case .array(let items)? = document["diagnostics"], items.count == count else {
            return [Violation(message: "the JSON report does not list the \(count) diagnostics it should")]
        }
        for item in items {
            guard let location = item["location"], location["file"]?.stringValue != nil,
                let line = location["line"], let column = location["column"]
            else {
                return [Violation(message: "a JSON diagnostic has no file: \(item.serialized())")]
            }
            let numbered = line.numberValue != nil && column.numberValue != nil
            let pathOnly = line == .null && column == .null && item["code"]?.stringValue == "AMLA104"
            if !numbered && !pathOnly {
                return [Violation(message: "a JSON diagnostic has no line: \(item.serialized())")]
            }
        }
        return []
    }
}
