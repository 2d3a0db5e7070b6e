import AMLAuthCore
import Foundation
import ManifestFuzzing
import TestSupport
import Testing
import YAMLSource

/// The fuzz target's properties over its seed corpus, without libFuzzer (issue 15 item 10): what
/// `scripts/fuzz.sh` starts from must already pass, and the checks must catch what they claim to.
struct ManifestPropertiesTests {
    /// The seeds `scripts/fuzz.sh` builds: one per manifest set, its YAML files joined by NUL.
    static let seeds: [String] = {
        let root = Paths.packageRoot
        let manager = FileManager.default
        func yamlFiles(under directory: String) -> [String] {
            let entries = (manager.subpaths(atPath: directory) ?? []).sorted()
            return entries.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.map { directory + "/" + $0 }
        }
        var sets: [String] = []
        for parent in ["Tests/Fixtures/invalid", "examples"] {
            let directory = root + "/" + parent
            for name in (try? manager.contentsOfDirectory(atPath: directory).sorted()) ?? [] {
                sets.append(directory + "/" + name)
            }
        }
        var seeds = sets.map { yamlFiles(under: $0) }.filter { !$0.isEmpty }.map { $0.joined(separator: "\n") }
        for file in yamlFiles(under: root + "/manifests") + yamlFiles(under: root + "/Tests/Fixtures/fuzz") {
            seeds.append(file)
        }
        return seeds
    }()

    static func input(_ seed: String) -> [UInt8] {
        let paths = seed.split(separator: "\n").map(String.init)
        var bytes: [UInt8] = []
        for (index, path) in paths.enumerated() {
            if index > 0 { bytes.append(ManifestProperties.fileSeparator) }
            bytes += FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
        }
        return bytes
    }

    @Test func theCorpusIsThere() {
        #expect(Self.seeds.count >= 60)
        #expect(Self.seeds.contains { $0.hasSuffix("planted-long-line.yaml") })
    }

    @Test(arguments: seeds)
    func everySeedKeepsEveryProperty(_ seed: String) {
        let files = ManifestProperties.files(from: Self.input(seed))
        #expect(!files.isEmpty)
        #expect(ManifestProperties.check(files) == [], "\(seed)")
    }

    @Test func thePlantedSecretsAreInTheSeeds() {
        let planted = Self.seeds.filter { $0.contains("Tests/Fixtures/fuzz/") }.map {
            String(decoding: Self.input($0), as: UTF8.self)
        }
        for secret in ManifestProperties.plantedSecrets {
            #expect(planted.count { $0.contains(secret) } >= 4, "\(secret.prefix(6))")
        }
    }

    @Test func inputSplitsIntoFilesAtNUL() {
        let files = ManifestProperties.files(from: Array("a: 1\n".utf8) + [0] + Array("b: 2\n".utf8))
        #expect(files.map(\.path) == ["f0.yaml", "f1.yaml"])
        #expect(files.map { String(decoding: $0.bytes, as: UTF8.self) } == ["a: 1\n", "b: 2\n"])
    }

    @Test func unlocatedDiagnosticsBreakTheProperty() {
        let files = [SourceFile(path: "f0.yaml", bytes: Array("a: 1\n".utf8))]
        let unplaced = Diagnostic(.unknownField, "nowhere", at: nil)
        let pastTheEnd = Diagnostic(.unknownField, "far", at: SourceLocation(file: "f0.yaml", line: 9, column: 1))
        let elsewhere = Diagnostic(.unknownField, "other", at: SourceLocation(file: "g.yaml", line: 1, column: 1))
        let readError = Diagnostic(.unreadableInput, "cannot read 'x.yaml'", at: nil, path: "x.yaml")
        let violations = ManifestProperties.check(
            files, inputDiagnostics: [unplaced, pastTheEnd, elsewhere, readError])
        #expect(violations.contains { $0.message.contains("AMLA203 has no location") })
        #expect(violations.contains { $0.message.contains("outside the file's 2 lines") })
        #expect(violations.contains { $0.message.contains("'g.yaml', not a file it was given") })
        #expect(!violations.contains { $0.message.contains("AMLA104") })
    }
}
