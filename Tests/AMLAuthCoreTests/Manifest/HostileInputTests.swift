import AMLAuthCore
import Testing
import YAMLSource

/// Work bounded by what amlauth shows, not by what a crafted manifest holds (issue 15 item 9).
struct HostileInputTests {
    @Test func suggestionsSkipWordsAndCandidatesLongerThanTheBound() {
        let long = String(repeating: "a", count: 20_000)
        // One edit apart, but 20,000 × 20,000 cells of edit distance: no suggestion is worth that.
        #expect(Suggestion.closest(to: long, in: [long + "b"]) == nil)
        let longest = String(repeating: "n", count: Suggestion.maximumLength - 1)
        #expect(Suggestion.closest(to: longest + "x", in: [longest + "y", "other"]) == longest + "y")
        #expect(Suggestion.closest(to: "auth_enable", in: [long, "auth_enabled"]) == "auth_enabled")
    }

    @Test func aMegabyteKindValueIsRejectedFast() throws {
        let kind = String(repeating: "Webservice", count: 100_000)
        let text = "apiVersion: amlauth/v1\nkind: \(kind)\nmetadata: {name: a}\nspec: {}\n"
        let clock = ContinuousClock()
        var result: ValidationResult?
        let elapsed = clock.measure {
            result = ManifestValidation(environment: [:]).run([SourceFile(path: "k.yaml", bytes: Array(text.utf8))])
        }
        let unknown = try #require(result?.diagnostics.all.first { $0.code == .unknownKind })
        #expect(unknown.location == SourceLocation(file: "k.yaml", line: 2, column: 7))
        #expect(unknown.hint == nil)
        #expect(elapsed < .seconds(5))  // a guard against hanging (a 50 MB value ran for minutes).
    }

    /// Aliases expanding to 10,108 nodes (110 + 1,110 + 8 × 1,111): far under the limit for one file.
    static let expandingFile = {
        var text = "apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: t}\nspec: {cloud: local}\nx:\n"
        text += "  a0: &a0 [l, l, l, l, l, l, l, l, l, l]\n"
        for level in 1...2 {
            text +=
                "  a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
                + "]\n"
        }
        text += "  b: [" + Array(repeating: "*a2", count: 8).joined(separator: ", ") + "]\n"
        return text
    }()

    @Test func theAliasBudgetIsSharedByEveryFileOfALoad() throws {
        let parser = YAMLParser()
        #expect(parser.parse(Array(Self.expandingFile.utf8), file: "one.yaml").errors.isEmpty)
        let files = (0..<30).map { SourceFile(path: "f\($0).yaml", bytes: Array(Self.expandingFile.utf8)) }
        let result = ManifestValidation(environment: [:]).run(files)
        let limit = try #require(result.diagnostics.all.first { $0.code == .expansionLimit })
        // Nine files expand 90,972 nodes; the tenth passes 100,000 at its eighth `*a2`, on line 9.
        #expect(limit.location == SourceLocation(file: "f9.yaml", line: 9, column: 42))
        #expect(result.diagnostics.all.count { $0.code == .expansionLimit } == 21)
        #expect(limit.message.contains("in this and the files read before it"))
        #expect(limit.message.contains("100000"))
    }

    @Test func aBudgetPassedBetweenParsesCountsTheirSum() {
        let parser = YAMLParser(limits: .init(aliasExpansion: 25_000))
        var budget = parser.aliasBudget()
        let bytes = Array(Self.expandingFile.utf8)
        #expect(parser.parse(bytes, file: "a.yaml", budget: &budget).errors.isEmpty)
        #expect(parser.parse(bytes, file: "b.yaml", budget: &budget).errors.isEmpty)
        let third = parser.parse(bytes, file: "c.yaml", budget: &budget)
        #expect(third.errors.first?.kind == .expansionLimit)
        #expect(third.errors.first?.location.file == "c.yaml")
        #expect(third.documents.isEmpty)
        // Each file alone stays under the limit.
        #expect(parser.parse(bytes, file: "d.yaml").errors.isEmpty)
    }
}
