import AMLAuthCore
import Rendering
import TestSupport
import Testing
import YAMLSource

struct SecretTests {
    static let secret = "abc8Q~aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456_-x"

    @Test(arguments: [
        "client_secret: \(secret)",
        "password: hunter2",
        "primaryKey: 0123456789abcdef0123456789abcdef",
        "notes: \(secret)",
        "token: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
        "cert: |\n    -----BEGIN PRIVATE KEY-----\n    MIIE\n    -----END PRIVATE KEY-----",
    ])
    func literalSecretsAreErrorsAndNeverEchoed(line: String) throws {
        let text = Doc.servicePrincipal(spec: line)
        let result = Validate.files([("base.yaml", Validate.target), ("sp.yaml", text)])
        let finding = try #require(result.diagnostics.all.first { $0.code == .literalSecret })
        #expect(finding.hint?.contains("deliver_to") == true)
        #expect(
            !result.diagnostics.all.contains { $0.code == .unknownField }, "a secret key is reported once, as a secret")
        let files = [SourceFile(path: "sp.yaml", bytes: Array(text.utf8))]
        let rendered = DiagnosticRenderer(source: SourceText(files: files, redactions: result.diagnostics.redactions))
            .text(
                result.diagnostics.all,
                summary: ValidationSummary(files: 1, resources: 1, diagnostics: result.diagnostics.all))
        for secretPart in ["hunter2", Self.secret, "0123456789abcdef0123456789abcdef", "eyJhbGciOiJSUzI1NiJ9", "MIIE"] {
            #expect(!rendered.contains(secretPart), "\(rendered)")
        }
        #expect(rendered.contains("<redacted>"))
    }

    @Test func secretsInWrongTypedFieldsAreNotEchoedByTypeErrors() {
        let text = Doc.webservice("  compute_type: ACI\n  cpu_cores: \(Self.secret)\n")
        let result = Validate.files([("base.yaml", Validate.target + "---\n" + Validate.workspace), ("w.yaml", text)])
        #expect(result.diagnostics.all.contains { $0.code == .literalSecret })
        #expect(!result.diagnostics.all.contains { $0.message.contains(Self.secret) })
    }

    @Test func envInASecretFieldIsStillASecretError() {
        let result = Validate.files([
            ("base.yaml", Validate.target), ("sp.yaml", Doc.servicePrincipal(spec: "client_secret: ${env:SECRET}")),
        ])
        #expect(result.diagnostics.all.map(\.code) == [.literalSecret])
    }

    @Test func emptySecretKeysAreJustUnknownFields() {
        let result = Validate.files([
            ("base.yaml", Validate.target), ("sp.yaml", Doc.servicePrincipal(spec: "password:")),
        ])
        #expect(result.diagnostics.all.map(\.code) == [.unknownField])
    }
}
