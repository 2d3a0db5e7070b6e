import AMLAuthCore
import Foundation
import Rendering
import TestSupport
import Testing
import YAMLSource

/// Rendering never echoes a secret, never splits lines differently from libyaml, and never lets
/// a file name or a quoted line forge a location or a GitHub workflow command.
struct OutputSafetyTests {
    static let secret = "abc8Q~aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456_-x"

    static func render(_ text: String, file: String = "m.yaml") -> (result: ValidationResult, output: String) {
        let result = Validate.files([("base.yaml", Validate.target), (file, text)])
        let source = SourceText(
            files: [SourceFile(path: file, bytes: Array(text.utf8))], redactions: result.diagnostics.redactions)
        let all = result.diagnostics.all
        let summary = ValidationSummary(files: 2, resources: 1, diagnostics: all)
        let output =
            DiagnosticRenderer(source: source).text(all, summary: summary)
            + DiagnosticRenderer.json(all, summary: summary)
            + DiagnosticRenderer.githubAnnotations(all)
        return (result, output)
    }

    @Test(arguments: ["\n", "\r\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"])
    func sourceTextSplitsLinesWhereLibyamlDoes(_ lineBreak: String) throws {
        let text = ["a: 1", "bb: 2", "  # c", "ccc: 3", ""].joined(separator: lineBreak)
        let parsed = YAMLParser().parse(Array(text.utf8), file: "b.yaml")
        #expect(parsed.errors.isEmpty)
        let pairs = try #require(parsed.documents.first?.root.pairs)
        let source = SourceText(files: [SourceFile(path: "b.yaml", bytes: Array(text.utf8))])
        for pair in pairs {
            let line = try #require(source.line(pair.keyLocation.line, of: "b.yaml"))
            #expect(line == "\(pair.key): \(pair.value.scalar?.value ?? "")", "line \(pair.keyLocation.line)")
        }
        #expect(source.line(3, of: "b.yaml") == "  # c")
    }

    @Test(arguments: [
        ("comment", "display_nme: x  # was \(secret)", secret),
        ("key", "\(secret): 1", secret),
        ("jwt in a comment", "display_nme: x  # eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "eyJhbGciOiJSUzI1NiJ9"),
        ("duplicate", "password: one-secret-value\n  password: two-secret-value", "two-secret-value"),
        ("duplicate shape", "display_name: x\n  display_name: \(secret)", secret),
        ("tab", "display_name: x\n\tclient_secret: tab-secret-value", "tab-secret-value"),
        ("syntax", "password: colon-secret: value", "colon-secret"),
        (
            "second line", "{display_name: x, password: \"line-one-secret\n    line-two-secret\", nme: y}",
            "line-two-secret"
        ),
        ("pem", "notes: \"-----BEGIN PRIVATE KEY-----\\nMIIEsecret\\n-----END PRIVATE KEY-----\" : x", "MIIEsecret"),
    ])
    func secretsAreMaskedInEveryForm(_ name: String, _ spec: String, _ planted: String) {
        let text = Doc.servicePrincipal(spec: spec)
        let (result, output) = Self.render(text)
        #expect(!result.diagnostics.all.isEmpty, "\(name): something to report")
        #expect(!output.contains(planted), "\(name):\n\(output)")
    }

    @Test func secretShapedKeysAreLiteralSecrets() {
        let result = Validate.files([
            ("base.yaml", Validate.target), ("sp.yaml", Doc.servicePrincipal(spec: "\(Self.secret): 1")),
        ])
        #expect(result.diagnostics.all.map(\.code) == [.literalSecret])
    }

    @Test func aSnippetMasksOnlyTheSecretAndKeepsTheCaret() {
        let text = "a: 1\nkind: Nope  # \(Self.secret)\n"
        let source = SourceText(files: [SourceFile(path: "k.yaml", bytes: Array(text.utf8))])
        let diagnostic = Diagnostic(
            .unknownKind, "unknown kind 'Nope'", at: SourceLocation(file: "k.yaml", line: 2, column: 7))
        #expect(
            DiagnosticRenderer(source: source).text(diagnostic) == """
                k.yaml:2:7: error[AMLA202]: unknown kind 'Nope'
                    kind: Nope  # <redacted>
                          ^

                """)
    }

    static func workflowCommandLines(_ text: String) -> [String] {
        text.split(omittingEmptySubsequences: true) { $0 == "\n" || $0 == "\r" }.map(String.init).filter {
            $0.drop { $0 == " " || $0 == "\t" }.hasPrefix("::") || $0.contains("##[")
        }
    }

    @Test func textEscapesFileNamesAndMessages() {
        let location = SourceLocation(file: "x\n::warning::y.yaml", line: 3, column: 2)
        let diagnostic = Diagnostic(
            .unknownField, "bad\r::error::z ##[error]w", at: location, hint: "h\n::notice::n",
            notes: [.init("first", at: SourceLocation(file: "a.yaml:9:9", line: 1, column: 1))])
        let text = DiagnosticRenderer(source: SourceText(files: [])).text(diagnostic)
        #expect(Self.workflowCommandLines(text).isEmpty, "\(text)")
        #expect(text.hasPrefix("x%0A%3A%3Awarning%3A%3Ay.yaml:3:2: error[AMLA203]: "), "\(text)")
        #expect(text.contains("note: first: a.yaml%3A9%3A9:1:1\n"), "\(text)")
        #expect(text.split(separator: "\n").count == 3, "one header, one hint, one note line: \(text)")
    }

    @Test func quotedLinesCannotBecomeWorkflowCommands() {
        let text = "a:\n  - ::error::from-a-manifest\n  - x ##[warning]legacy\n::set-output name=x::y\n"
        let source = SourceText(files: [SourceFile(path: "c.yaml", bytes: Array(text.utf8))])
        var output = ""
        for line in 2...4 {
            output += DiagnosticRenderer(source: source).text(
                Diagnostic(.unknownField, "x", at: SourceLocation(file: "c.yaml", line: line, column: 3)))
        }
        #expect(Self.workflowCommandLines(output).isEmpty, "\(output)")
    }

    @Test func jsonAndAnnotationsKeepHostileNamesInert() throws {
        let name = "x\n::warning::y,z:1.yaml"
        let diagnostic = Diagnostic(.unknownField, "m ##[error]q", at: SourceLocation(file: name, line: 1, column: 1))
        let json = DiagnosticRenderer.json(
            [diagnostic], summary: ValidationSummary(files: 1, resources: 0, diagnostics: [diagnostic]))
        #expect(Self.workflowCommandLines(json).isEmpty, "\(json)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let first = try #require((report["diagnostics"] as? [[String: Any]])?.first)
        #expect((first["location"] as? [String: Any])?["file"] as? String == name)
        #expect(first["message"] as? String == "m ##[error]q")
        let annotation = DiagnosticRenderer.githubAnnotations([diagnostic])
        #expect(annotation.hasPrefix("::error file=x%0A%3A%3Awarning%3A%3Ay%2Cz%3A1.yaml,line=1,col=1,"))
        #expect(annotation.split(separator: "\n").count == 1)
    }
}
