import AMLAuthCore
import TestSupport
import Testing
import YAMLSource

/// Validation as the CLI runs it, over in-memory files.
enum Validate {
    static let environment = [
        "AZURE_TENANT_ID": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "AZURE_SUBSCRIPTION_ID": "a925f2f7-5c63-4b7b-8799-25a5f97bc3b2",
    ]

    static let target = """
        apiVersion: amlauth/v1
        kind: Target
        metadata: {name: t}
        spec: {cloud: local}

        """

    static let workspace = """
        apiVersion: amlauth/v1
        kind: Workspace
        metadata: {name: ml-example}
        spec: {resource_group: ml-rg}

        """

    /// Validates `files` (path → text) as one set.
    static func files(_ files: [(String, String)], environment: [String: String] = environment) -> ValidationResult {
        ManifestValidation(environment: environment).run(files.map { SourceFile(path: $0.0, bytes: Array($0.1.utf8)) })
    }

    /// Validates a marked document next to a Target and a Workspace; returns the diagnostics.
    static func marked(_ marked: MarkedText, withTarget: Bool = true, environment: [String: String] = environment)
        -> [Diagnostic]
    {
        var set = [("m.yaml", marked.text)]
        if withTarget { set.insert(("base.yaml", target + "---\n" + workspace), at: 0) }
        return files(set, environment: environment).diagnostics.all
    }
}

extension Diagnostic {
    /// `line:column` of the diagnostic, to compare with `MarkedText.position`.
    var position: String? { location.map { "\($0.line):\($0.column)" } }
}

/// Resource documents for rule tests.
enum Doc {
    static func servicePrincipal(_ name: String = "ml-auth", spec: String = "display_name: x") -> String {
        "apiVersion: amlauth/v1\nkind: ServicePrincipal\nmetadata: {name: \(name)}\nspec:\n  \(spec)\n"
    }

    static func webservice(_ specLines: String, name: String = "svc-one") -> String {
        """
        apiVersion: amlauth/v1
        kind: Webservice
        metadata: {name: \(name)}
        spec:
          workspace: ml-example
          models: [m:1]
          entry_script: score.py
          environment: env:1
        \(specLines)
        """
    }
}

/// Golden mismatches print every difference as a unified diff.
struct UnifiedDiffTests {
    @Test func showsEveryChangeWithContext() {
        let expected = (1...20).map { "line \($0)" }.joined(separator: "\n")
        var lines = (1...20).map { "line \($0)" }
        lines[2] = "line three"
        lines.insert("inserted", at: 15)
        let diff = UnifiedDiff.of(expected: expected, actual: lines.joined(separator: "\n"), context: 1)
        #expect(
            diff == """
                --- expected
                +++ actual
                @@ -2,3 +2,3 @@
                 line 2
                -line 3
                +line three
                 line 4
                @@ -15,2 +15,3 @@
                 line 15
                +inserted
                 line 16

                """)
        #expect(UnifiedDiff.of(expected: "same", actual: "same").isEmpty)
    }
}
