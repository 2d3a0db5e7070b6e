import AMLAuthCLI
import ArgumentParser
import Foundation
import TestSupport
import Testing
import YAMLSource

/// The CI examples and the action parse as YAML, and every `amlauth …` command line in their
/// scripts parses with the real command tree: a renamed or removed flag fails here, not in a
/// team's pipeline.
struct CIExamplesTests {
    /// An `amlauth` invocation found in a script, with where its script starts.
    struct Invocation: CustomStringConvertible {
        var arguments: [String]
        var location: YAMLSource.SourceLocation
        var description: String { "\(location): amlauth \(arguments.joined(separator: " "))" }
    }

    static func parse(_ relativePath: String) throws -> YAMLNode {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Paths.packageRoot + "/" + relativePath)))
        let file = YAMLParser().parse(bytes, file: relativePath)
        #expect(file.errors.isEmpty, "\(file.errors)")
        return try #require(file.documents.first?.root, "\(relativePath) has a document")
    }

    /// The script texts of steps (`run`, `script`, `bash`, `inlineScript`), anywhere in the tree.
    static func scripts(in node: YAMLNode) -> [(String, YAMLSource.SourceLocation)] {
        switch node.content {
        case .scalar: return []
        case .sequence(let items): return items.flatMap(scripts(in:))
        case .mapping(let pairs):
            return pairs.flatMap { pair -> [(String, YAMLSource.SourceLocation)] in
                if ["run", "script", "bash", "inlineScript"].contains(pair.key), let text = pair.value.scalar?.value {
                    return [(text, pair.value.location)]
                }
                return scripts(in: pair.value)
            }
        }
    }

    /// Shell words of each line that starts with `amlauth` or `"$AMLAUTH"`, up to a redirection,
    /// pipe or list operator. Quotes group words; `$(…)` and `${{ … }}` stay opaque arguments.
    static func invocations(in script: String, at location: YAMLSource.SourceLocation) -> [Invocation] {
        let joined = script.replacingOccurrences(of: "\\\n", with: " ")
        return joined.split(separator: "\n").compactMap { line in
            var words = words(of: line.trimmingCharacters(in: .whitespaces))
            guard let first = words.first, ["amlauth", "$AMLAUTH"].contains(first) else { return nil }
            words.removeFirst()
            if let end = words.firstIndex(where: { ["|", "||", "&&", ";"].contains($0) || $0.hasPrefix(">") }) {
                words = Array(words[..<end])
            }
            return Invocation(arguments: words, location: location)
        }
    }

    static func words(of line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
                inWord = true
            } else if character == " " || character == "\t" {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    /// Every invocation in `file`, each parsed by the command tree (unknown flags throw).
    static func checkedSubcommands(_ file: String) throws -> Set<String> {
        let root = try parse(file)
        let found = scripts(in: root).flatMap { invocations(in: $0.0, at: $0.1) }
        for invocation in found {
            #expect(throws: Never.self, "\(invocation)") { _ = try AMLAuthCommand.parseAsRoot(invocation.arguments) }
        }
        return Set(found.compactMap(\.arguments.first))
    }

    @Test func theCheckerRejectsAnUnknownFlag() {
        #expect(throws: (any Error).self) { _ = try AMLAuthCommand.parseAsRoot(["plan", "auth", "--no-such-flag"]) }
        let found = Self.invocations(
            in: "set -e\n\"$AMLAUTH\" output auth \\\n  --json > out.json\necho amlauth",
            at: YAMLSource.SourceLocation(file: "test", line: 1, column: 1))
        #expect(found.map(\.arguments) == [["output", "auth", "--json"]])
    }

    @Test func githubActionsExample() throws {
        #expect(try Self.checkedSubcommands("examples/ci/github-actions.yml") == ["whoami", "output"])
        // Every input the workflow passes to the action exists in action.yml.
        let inputs = Set(try #require(Self.parse("action.yml")["inputs"]?.pairs).map(\.key))
        let workflow = try Self.parse("examples/ci/github-actions.yml")
        var usesOfAction = 0
        for job in try #require(workflow["jobs"]?.pairs) {
            for step in job.value["steps"]?.items ?? [] {
                guard let uses = step["uses"]?.scalar?.value, uses == "./" || uses.contains("/amlauth@") else {
                    continue
                }
                usesOfAction += 1
                for key in step["with"]?.pairs?.map(\.key) ?? [] {
                    #expect(inputs.contains(key), "\(job.key): '\(key)' is not an input of action.yml")
                }
            }
        }
        #expect(usesOfAction == 2)
        let apply = try #require(workflow["jobs"]?["apply"])
        #expect(apply["environment"]?.scalar?.value == "amlauth-production")
        #expect(apply["permissions"]?["id-token"]?.scalar?.value == "write")
    }

    @Test func azurePipelinesExample() throws {
        #expect(
            try Self.checkedSubcommands("examples/ci/azure-pipelines.yml") == ["plan", "show", "apply", "output"])
        let pipeline = try Self.parse("examples/ci/azure-pipelines.yml")
        let stages = try #require(pipeline["stages"]?.items)
        #expect(stages.compactMap { $0["stage"]?.scalar?.value } == ["plan", "approve", "apply"])
        let gate = stages[1]["jobs"]?.items?.first?["steps"]?.items?.first?["task"]?.scalar?.value
        #expect(gate == "ManualValidation@0")
        let text = try String(
            contentsOfFile: Paths.packageRoot + "/examples/ci/azure-pipelines.yml", encoding: .utf8)
        #expect(text.contains(";issecret=true]"))
    }

    @Test func actionParsesAndItsScriptsExist() throws {
        let action = try Self.parse("action.yml")
        #expect(action["runs"]?["using"]?.scalar?.value == "composite")
        for path in ["scripts/action/amlauth_action.py", "scripts/action/install.sh"] {
            #expect(FileManager.default.isExecutableFile(atPath: Paths.packageRoot + "/" + path), "\(path)")
        }
    }
}
