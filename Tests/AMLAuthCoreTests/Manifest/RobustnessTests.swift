import AMLAuthCore
import TestSupport
import Testing
import YAMLSource

/// Bad input never crashes: thousands of deterministic mutations of real manifests go through the
/// whole loader, and every diagnostic they produce points into the file.
struct RobustnessTests {
    /// A small deterministic generator (SplitMix64), so failures reproduce.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let pieces: [[UInt8]] =
        [
            ":", "-", "- ", "{", "}", "[", "]", "&a ", "*a", "!!str ", "? ", "|", ">", "\"", "'", "#", "\n", "\t", "  ",
            "---\n", "~",
            "${env:", "${env:X}", "yes", "true", "0x1F", "1e400", "\u{0}", "é", "🔑", "%YAML 1.1\n", "<<: *a",
        ].map { Array($0.utf8) } + [[0xFF], [0xC3], [0xE2, 0x82]]

    static func mutate(_ bytes: [UInt8], using generator: inout SplitMix) -> [UInt8] {
        var output = bytes
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            let position = output.isEmpty ? 0 : Int.random(in: 0..<output.count, using: &generator)
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: output.insert(contentsOf: pieces.randomElement(using: &generator)!, at: position)
            case 1:
                output.removeSubrange(
                    position..<min(output.count, position + Int.random(in: 1...12, using: &generator)))
            case 2: if !output.isEmpty { output[position] = UInt8.random(in: 0...255, using: &generator) }
            default:
                let start = Int.random(in: 0...output.count, using: &generator)
                let end = min(output.count, start + Int.random(in: 1...40, using: &generator))
                output.insert(contentsOf: output[start..<end], at: position)
            }
        }
        return output
    }

    @Test(arguments: [
        "examples/quickstart/amlauth.yaml", "examples/quickstart/webservices.yaml", "manifests/service-principal.yaml",
        "manifests/role-assignment.yaml", "manifests/role-definition.yaml",
    ])
    func mutatedManifestsNeverCrash(_ path: String) throws {
        let original = Array(try Paths.read(path).utf8)
        var generator = SplitMix(state: UInt64(path.utf8.count))
        let validation = ManifestValidation(environment: Validate.environment)
        for _ in 0..<600 {
            let bytes = Self.mutate(original, using: &generator)
            let result = validation.run([SourceFile(path: "f.yaml", bytes: bytes)])
            for diagnostic in result.diagnostics.all {
                let location = try #require(diagnostic.location)
                #expect(location.file == "f.yaml")
                #expect(location.line >= 1 && location.column >= 1)
            }
        }
    }
}
