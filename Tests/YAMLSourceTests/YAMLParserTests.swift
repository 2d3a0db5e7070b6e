import TestSupport
import Testing
import YAMLSource

struct YAMLParserTests {
    let parser = YAMLParser()

    private func parse(_ text: String, file: String = "test.yaml") -> YAMLFile {
        parser.parse(Array(text.utf8), file: file)
    }

    @Test func nodesCarryOneBasedLocations() throws {
        let marked = MarkedText(
            """
            1️⃣apiVersion: 2️⃣amlauth/v1
            spec:
              3️⃣list:
                - 4️⃣a
                - {5️⃣k: 6️⃣v}
            """)
        let file = parser.parse(marked.bytes, file: "m.yaml")
        #expect(file.errors.isEmpty)
        let root = try #require(file.documents.first?.root)
        let pairs = try #require(root.pairs)
        #expect("\(pairs[0].keyLocation.line):\(pairs[0].keyLocation.column)" == marked.position("1️⃣"))
        #expect("\(pairs[0].value.location.line):\(pairs[0].value.location.column)" == marked.position("2️⃣"))
        let spec = try #require(root["spec"]?.pairs)
        #expect("\(spec[0].keyLocation.line):\(spec[0].keyLocation.column)" == marked.position("3️⃣"))
        let items = try #require(spec[0].value.items)
        #expect("\(items[0].location.line):\(items[0].location.column)" == marked.position("4️⃣"))
        let inner = try #require(items[1].pairs?.first)
        #expect("\(inner.keyLocation.line):\(inner.keyLocation.column)" == marked.position("5️⃣"))
        #expect("\(inner.value.location.line):\(inner.value.location.column)" == marked.position("6️⃣"))
        #expect(inner.value.location.file == "m.yaml")
    }

    @Test func columnsCountUnicodeScalarsNotBytes() throws {
        let marked = MarkedText("name: \"héllo wörld\"\nnext: 1️⃣x\nk: 'ü' # ü\nz: 2️⃣y\n")
        let file = parser.parse(marked.bytes, file: "u.yaml")
        let root = try #require(file.documents.first?.root)
        let next = try #require(root["next"])
        #expect("\(next.location.line):\(next.location.column)" == marked.position("1️⃣"))
        let z = try #require(root["z"])
        #expect("\(z.location.line):\(z.location.column)" == marked.position("2️⃣"))
    }

    @Test func severalDocumentsPerFile() {
        let file = parse("a: 1\n---\nb: 2\n---\n---\nc: 3\n")
        #expect(file.errors.isEmpty)
        #expect(file.documents.count == 4)
        #expect(file.documents[2].root.scalar?.isNull == true)
        #expect(file.documents[3].root["c"]?.scalar?.value == "3")
        #expect(file.documents.map(\.index) == [0, 1, 2, 3])
    }

    @Test func duplicateKeysAreReportedAtTheSecondKey() throws {
        let marked = MarkedText("1️⃣name: a\nspec: {}\n2️⃣name: b\n")
        let file = parser.parse(marked.bytes, file: "d.yaml")
        let error = try #require(file.errors.first)
        #expect(file.errors.count == 1)
        #expect("\(error.location.line):\(error.location.column)" == marked.position("2️⃣"))
        guard case .duplicateKey(let key, let first) = error.kind else {
            Issue.record("expected a duplicate-key error, got \(error.kind)")
            return
        }
        #expect(key == "name")
        #expect("\(first.line):\(first.column)" == marked.position("1️⃣"))
        // The first value wins; the document is still returned.
        #expect(file.documents.first?.root["name"]?.scalar?.value == "a")
    }

    @Test(arguments: [3, 15, 16, 17, 40])
    func duplicateKeysAreFoundInMappingsOfAnySize(keys: Int) throws {
        var text = (0..<keys).map { "k\($0): v\n" }.joined()
        text += "k1: again\n"
        let file = parse(text)
        let error = try #require(file.errors.first)
        #expect(file.errors.count == 1)
        #expect(error.location.line == keys + 1)
        guard case .duplicateKey(let key, let first) = error.kind else {
            Issue.record("expected duplicateKey")
            return
        }
        #expect(key == "k1")
        #expect(first.line == 2)
        #expect(file.documents.first?.root.pairs?.count == keys)
    }

    @Test func anchorsAndAliasesResolve() throws {
        let file = parse("base: &b {cpu: 1, mem: 2}\ncopy: *b\nlist: [&x one, *x]\n")
        #expect(file.errors.isEmpty)
        let root = try #require(file.documents.first?.root)
        #expect(root["copy"]?["cpu"]?.scalar?.value == "1")
        #expect(root["list"]?.items?.map { $0.scalar?.value } == ["one", "one"])
        // The alias node is located where the alias is written, not at the anchor.
        #expect(root["copy"]?.location.line == 2)
    }

    @Test func billionLaughsFailsFast() throws {
        var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(refs)]\n"
        }
        let clock = ContinuousClock()
        var file: YAMLFile?
        let elapsed = clock.measure { file = parse(text) }
        let error = try #require(file?.errors.first)
        #expect(error.kind == .expansionLimit)
        #expect(error.message.contains("billion laughs"))
        #expect(file?.documents.isEmpty == true)
        #expect(elapsed < .seconds(5))  // a guard against hanging, not a benchmark.
    }

    @Test func undefinedAliasIsAnError() {
        let file = parse("a: *nowhere\n")
        #expect(file.errors.first?.kind == .unsupported)
    }

    @Test func deepNestingIsBounded() {
        let depth = 1_000
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let file = parse(text)
        #expect(file.errors.first?.kind == .expansionLimit)
    }

    @Test func syntaxErrorsCarryLocationAndContext() throws {
        let marked = MarkedText("apiVersion: amlauth/v1\nkind: Target\n  1️⃣bad: indentation\n")
        let file = parser.parse(marked.bytes, file: "s.yaml")
        let error = try #require(file.errors.first)
        #expect(error.kind == .syntax)
        #expect(error.location.line == marked.markers["1️⃣"]?.line)
        #expect(error.message.contains("mapping values are not allowed"))
    }

    @Test func unclosedFlowSequenceNamesWhereItStarted() throws {
        let file = parse("models: [a, b\nnext: 1\n")
        let error = try #require(file.errors.first)
        #expect(error.kind == .syntax)
        #expect(error.message.contains("line 1, column 9"))
    }

    @Test func invalidUTF8IsASyntaxErrorAtTheByte() throws {
        let bytes: [UInt8] = Array("a: 1\nb: ".utf8) + [0xFF, 0xFE] + Array("\n".utf8)
        let file = parser.parse(bytes, file: "bin.yaml")
        let error = try #require(file.errors.first)
        #expect(error.kind == .syntax)
        #expect(error.location.line == 2)
        #expect(error.message.contains("UTF-8"))
    }

    @Test func scalarStylesAndTagsArePreserved() throws {
        let file = parse("a: plain\nb: 'single'\nc: \"double\"\nd: |\n  literal\ne: >\n  folded\nf: !!str true\n")
        let root = try #require(file.documents.first?.root)
        #expect(root["a"]?.scalar?.style == .plain)
        #expect(root["b"]?.scalar?.style == .singleQuoted)
        #expect(root["c"]?.scalar?.style == .doubleQuoted)
        #expect(root["d"]?.scalar == YAMLScalar("literal\n", style: .literal))
        #expect(root["e"]?.scalar?.style == .folded)
        #expect(root["f"]?.scalar?.tag == "tag:yaml.org,2002:str")
        #expect(root["f"]?.scalar?.isPlainUntagged == false)
    }

    @Test func scalarsMayHoldNULCharacters() throws {
        let file = parse("a: \"x\\0y\"\n")
        #expect(file.documents.first?.root["a"]?.scalar?.value == "x\u{0}y")
    }

    @Test func complexKeysAreRejected() {
        let file = parse("? [a, b]\n: value\nok: 1\n")
        #expect(file.errors.first?.kind == .unsupported)
        #expect(file.documents.first?.root["ok"]?.scalar?.value == "1")
    }

    @Test func emptyInputHasNoDocuments() {
        #expect(parse("").documents.isEmpty)
        #expect(parse("# only a comment\n").documents.isEmpty)
    }

    @Test func nullForms() {
        for text in ["", "~", "null", "Null", "NULL"] {
            #expect(YAMLScalar(text).isNull, "\(text)")
        }
        #expect(!YAMLScalar("null", style: .doubleQuoted).isNull)
    }

    /// Found by `scripts/fuzz.sh`: libyaml marks the end of a stream without a final line break
    /// one line past the file, where no caret can point.
    @Test func anErrorAtTheEndOfAFileWithoutAFinalBreakIsOnItsLastLine() throws {
        let error = try #require(parse("a: 1\nb: {c").errors.first)
        #expect(error.location.line == 2)
        #expect(error.location.column == 6)
        let withBreak = try #require(parse("a: 1\nb: {c\n").errors.first)
        #expect(withBreak.location.line == 3)
    }
}
