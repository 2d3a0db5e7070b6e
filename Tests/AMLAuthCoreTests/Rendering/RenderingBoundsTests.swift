import AMLAuthCore
import Rendering
import Testing
import WireFormat
import YAMLSource

/// Hostile input must not hold a CI job (issue 15 item 9): rendering costs what it shows, long
/// lines are windowed, and each code prints a bounded number of diagnostics.
struct RenderingBoundsTests {
    static let header = "apiVersion: amlauth/v1\nkind: ServicePrincipal\nmetadata: {name: ml-auth}\nspec:\n"

    @Test func eightThousandDiagnosticsPrintAtMostTheLimitPerCode() throws {
        var text = Self.header + "  display_name: x\n"
        for index in 0..<8_000 { text += "  password: planted-\(index)-value\n" }
        let files = [SourceFile(path: "m.yaml", bytes: Array(text.utf8))]
        let result = ManifestValidation(environment: [:]).run(files)
        let diagnostics = result.diagnostics.all
        #expect(diagnostics.count { $0.code == .duplicateKey } == 7_999)
        let summary = ValidationSummary(files: 1, resources: 1, diagnostics: diagnostics)
        let clock = ContinuousClock()
        var output = ""
        let elapsed = clock.measure {
            output = DiagnosticRenderer(source: SourceText(files: files, secrets: result.secrets))
                .text(diagnostics, summary: summary)
        }
        let printed = output.split(separator: "\n").count { $0.contains("error[AMLA101]") }
        #expect(printed == DiagnosticRenderer.defaultLimitPerCode)
        #expect(output.contains("… and \(7_999 - DiagnosticRenderer.defaultLimitPerCode) more AMLA101 (duplicate-key)"))
        // The summary still counts every one; JSON lists more, and counts the rest too.
        #expect(
            output.hasSuffix(
                "\(diagnostics.count { $0.severity == .error }) errors, 0 warnings, 0 notes in 1 file (1 resource)\n"))
        #expect(output.utf8.count < 64 * 1_024)
        #expect(!output.contains("planted-"))
        let json = DiagnosticRenderer.json(diagnostics, summary: summary)
        let document = try JSONParser.parse(json)
        guard case .array(let items)? = document["diagnostics"], case .array(let omitted)? = document["omitted"] else {
            Issue.record("no diagnostics or omitted in the JSON report")
            return
        }
        #expect(items.count { $0["code"]?.stringValue == "AMLA101" } == DiagnosticRenderer.jsonLimitPerCode)
        #expect(omitted.first?["code"]?.stringValue == "AMLA101")
        #expect(omitted.first?["count"]?.numberValue == Double(7_999 - DiagnosticRenderer.jsonLimitPerCode))
        #expect(document["summary"]?["errors"]?.numberValue == Double(summary.errors))
        let annotations = DiagnosticRenderer.githubAnnotations(diagnostics).split(separator: "\n")
        #expect(annotations.count { $0.contains("title=AMLA101") } == DiagnosticRenderer.defaultLimitPerCode + 1)
        #expect(
            annotations.last
                == "::notice title=AMLA101 duplicate-key::\(7_999 - DiagnosticRenderer.defaultLimitPerCode) more not annotated"
        )
        #expect(elapsed < .seconds(5))  // a guard against hanging (was 33 s at 8,000), not a benchmark.
    }

    @Test func theCountLineComesOncePerCodeOverTheLimit() {
        let file = SourceFile(path: "c.yaml", bytes: Array("a: 1\nb: 2\n".utf8))
        let diagnostics =
            (0..<3).map { Diagnostic(.unknownField, "u\($0)", at: SourceLocation(file: "c.yaml", line: 1, column: 1)) }
            + [Diagnostic(.wrongType, "w", at: SourceLocation(file: "c.yaml", line: 2, column: 1))]
        let renderer = DiagnosticRenderer(source: SourceText(files: [file]), limitPerCode: 2)
        let output = renderer.text(
            diagnostics, summary: ValidationSummary(files: 1, resources: 0, diagnostics: diagnostics))
        #expect(output.contains("u0") && output.contains("u1") && !output.contains("u2"))
        #expect(output.contains("c.yaml:2:1: error[AMLA205]: w\n"))
        #expect(
            output.contains("… and 1 more AMLA203 (unknown-field); `amlauth validate --format json` lists up to 1000\n")
        )
        #expect(!output.contains("more AMLA205"))
    }

    @Test func aLongLineShowsAWindowAroundTheCaret() throws {
        let line = String(repeating: "abcdefghij", count: 100_000)  // 1 MB on one line
        let file = SourceFile(path: "l.yaml", bytes: Array(("x: 1\n" + line + "\n").utf8))
        let column = 500_003
        let diagnostic = Diagnostic(.wrongType, "w", at: SourceLocation(file: "l.yaml", line: 2, column: column))
        let rendered = DiagnosticRenderer(source: SourceText(files: [file])).text(diagnostic)
        let lines = rendered.split(separator: "\n", omittingEmptySubsequences: false)
        let quoted = String(lines[1].dropFirst(4))
        let caret = String(lines[2].dropFirst(4))
        #expect(quoted.unicodeScalars.count == 2 * SourceText.windowRadius + 2)
        #expect(quoted.hasPrefix("…") && quoted.hasSuffix("…"))
        // The caret sits under the column's character: 'c' is column 3 of every ten.
        #expect(caret == String(repeating: " ", count: SourceText.windowRadius + 1) + "^")
        let under = quoted.unicodeScalars[
            quoted.unicodeScalars.index(quoted.unicodeScalars.startIndex, offsetBy: caret.unicodeScalars.count - 1)]
        #expect(under == "c")
        #expect(rendered.utf8.count < 1_024)
    }

    @Test func aWindowNearTheStartOrEndIsCutOnOneSideOnly() throws {
        let line = "k: " + String(repeating: "é", count: 1_000)  // two bytes each: columns are scalars
        let source = SourceText(files: [SourceFile(path: "e.yaml", bytes: Array(line.utf8))])
        let start = try #require(source.line(1, of: "e.yaml"))
        #expect(start.hasPrefix("k: é") && start.hasSuffix("…"))
        #expect(start.unicodeScalars.count == 2 * SourceText.windowRadius + 1)
        let diagnostic = Diagnostic(.wrongType, "w", at: SourceLocation(file: "e.yaml", line: 1, column: 1_003))
        let rendered = DiagnosticRenderer(source: source).text(diagnostic)
        let quoted = rendered.split(separator: "\n")[1].dropFirst(4)
        #expect(quoted.hasPrefix("…") && quoted.hasSuffix("é"))
        #expect(quoted.unicodeScalars.count == SourceText.windowRadius + 2)
    }

    @Test func aSecretAcrossTheWindowEdgeStaysMasked() {
        let secret = "Abc8Q~" + String(repeating: "s", count: 400)
        let line = String(repeating: "x", count: 300) + " " + secret + " tail"
        let file = SourceFile(path: "s.yaml", bytes: Array(line.utf8))
        let diagnostic = Diagnostic(.wrongType, "w", at: SourceLocation(file: "s.yaml", line: 1, column: 340))
        let rendered = DiagnosticRenderer(source: SourceText(files: [file])).text(diagnostic)
        #expect(rendered.contains("<redacted>"))
        #expect(!rendered.contains("Q~") && !rendered.contains("ssss"))
    }

    @Test func aLongLineOfDuplicateKeysRendersInBoundedSpace() {
        var text = Self.header + "  display_name: x\n  labels: {"
        while text.utf8.count < 6_000 { text += "a: 1, " }
        text += "a: 1}\n"
        let files = [SourceFile(path: "d.yaml", bytes: Array(text.utf8))]
        let result = ManifestValidation(environment: [:]).run(files)
        let duplicates = result.diagnostics.all.count { $0.code == .duplicateKey }
        #expect(duplicates > 900)
        let output = DiagnosticRenderer(source: SourceText(files: files, secrets: result.secrets))
            .text(
                result.diagnostics.all,
                summary: ValidationSummary(files: 1, resources: 1, diagnostics: result.diagnostics.all))
        // Before: every duplicate quoted the whole 6 KB line (6 MB here, 2.85 GB for a 6 MB line).
        #expect(output.utf8.count < 32 * 1_024)
    }

    @Test func aMessageQuotingAHugeValueIsCut() {
        let diagnostic = Diagnostic(.unknownKind, "unknown kind '\(String(repeating: "k", count: 100_000))'", at: nil)
        let rendered = DiagnosticRenderer(source: SourceText(files: [])).text(diagnostic)
        #expect(rendered.utf8.count < DiagnosticRenderer.maximumMessageLength + 100)
        #expect(rendered.contains("kkk…\n"))
    }

    @Test func aPathWithoutALineIsLocatedInJSON() throws {
        let diagnostics = [
            Diagnostic(.unreadableInput, "cannot read 'a.yaml'", at: nil, path: "a.yaml"),
            Diagnostic(.unreadableInput, "no manifests", at: nil),
        ]
        let json = DiagnosticRenderer.json(
            diagnostics, summary: ValidationSummary(files: 0, resources: 0, diagnostics: diagnostics))
        let document = try JSONParser.parse(json)
        guard case .array(let items)? = document["diagnostics"], items.count == 2 else {
            Issue.record("no diagnostics in \(json)")
            return
        }
        let located = try #require(items.first { $0["message"]?.stringValue == "cannot read 'a.yaml'" })
        #expect(located["location"]?["file"]?.stringValue == "a.yaml")
        #expect(located["location"]?["line"] == .null)
        #expect(located["location"]?["column"] == .null)
        let unplaced = try #require(items.first { $0["message"]?.stringValue == "no manifests" })
        #expect(unplaced["location"] == .null)
        let annotations = DiagnosticRenderer.githubAnnotations(diagnostics)
        #expect(annotations.contains("::error file=a.yaml,title="))
    }
}
