import AMLAuthCore
import Foundation
import Rendering
import TestSupport
import Testing
import YAMLSource

struct DiagnosticRendererTests {
    @Test func rendersLocationCodeSourceLineAndCaret() throws {
        let text =
            Validate.target + "---\n" + Validate.workspace + "---\n"
            + Doc.webservice("  compute_type: ACI\n  auth_enable: true\n")
        let files = [("m.yaml", text)]
        let result = Validate.files(files)
        let unknown = try #require(result.diagnostics.all.first { $0.code == .unknownField })
        let renderer = DiagnosticRenderer(
            source: SourceText(files: files.map { SourceFile(path: $0.0, bytes: Array($0.1.utf8)) }))
        #expect(
            renderer.text(unknown) == """
                m.yaml:20:3: error[AMLA203]: unknown field 'auth_enable' in Webservice spec
                      auth_enable: true
                      ^
                  hint: did you mean 'auth_enabled'?

                """)
    }

    @Test func keepsTabsSoTheCaretLinesUp() {
        let files = [SourceFile(path: "t.yaml", bytes: Array("a:\t\tb\n".utf8))]
        let diagnostic = Diagnostic(.wrongType, "x", at: SourceLocation(file: "t.yaml", line: 1, column: 5))
        #expect(
            DiagnosticRenderer(source: SourceText(files: files)).text(diagnostic).contains("    a:\t\tb\n      \t\t^\n")
        )
    }

    @Test func notesCarryTheirLocations() throws {
        let result = Validate.files([
            ("a.yaml", Validate.target + "---\n" + Validate.workspace), ("b.yaml", Validate.workspace),
        ])
        let duplicate = try #require(result.diagnostics.all.first)
        let rendered = DiagnosticRenderer(source: SourceText(files: [])).text(duplicate)
        #expect(
            rendered
                == "b.yaml:3:18: error[AMLA300]: duplicate Workspace name 'ml-example'\n  note: first defined here: a.yaml:8:18\n"
        )
    }

    @Test func colourOnlyWhenAsked() {
        let diagnostic = Diagnostic(.aciKeyAuthOff, "x", at: nil)
        let plain = DiagnosticRenderer(source: SourceText(files: []), colored: false).text(diagnostic)
        let colored = DiagnosticRenderer(source: SourceText(files: []), colored: true).text(diagnostic)
        #expect(!plain.contains("\u{1B}["))
        #expect(colored.contains("\u{1B}[1;33mwarning"))
    }

    @Test func jsonReportIsVersionedAndOrdered() {
        let diagnostics = [
            Diagnostic(.unknownField, "second", at: SourceLocation(file: "b.yaml", line: 1, column: 1), hint: "h"),
            Diagnostic(
                .duplicateName, "first", at: SourceLocation(file: "a.yaml", line: 2, column: 3),
                notes: [.init("n", at: SourceLocation(file: "a.yaml", line: 1, column: 1))]),
        ]
        let json = DiagnosticRenderer.json(
            diagnostics, summary: ValidationSummary(files: 2, resources: 3, diagnostics: diagnostics))
        #expect(json.hasPrefix("{\n  \"format_version\": 1,\n  \"valid\": false,"))
        let first = json.range(of: "\"first\"")
        let second = json.range(of: "\"second\"")
        #expect(first != nil && second != nil && first!.lowerBound < second!.lowerBound)
        #expect(json.contains("\"title\": \"duplicate-name\""))
    }

    @Test func githubAnnotationsEscapeTheirFields() {
        let diagnostic = Diagnostic(
            .unknownField, "bad, very: bad\n100%", at: SourceLocation(file: "dir,x/a:b.yaml", line: 4, column: 2),
            hint: "fix it")
        let line = DiagnosticRenderer.githubAnnotations([diagnostic])
        #expect(
            line
                == "::error file=dir%2Cx/a%3Ab.yaml,line=4,col=2,title=AMLA203 unknown-field::bad, very: bad%0A100%25%0Afix it\n"
        )
        let info = DiagnosticRenderer.githubAnnotations([Diagnostic(.v1EndOfSupport, "v1", at: nil)])
        #expect(info.hasPrefix("::notice title="))
    }

    @Test func summaryLine() {
        let diagnostics = [Diagnostic(.unknownField, "x", at: nil), Diagnostic(.aciKeyAuthOff, "y", at: nil)]
        #expect(
            ValidationSummary(files: 1, resources: 2, diagnostics: diagnostics).line
                == "1 error, 1 warning, 0 notes in 1 file (2 resources)")
    }
}
