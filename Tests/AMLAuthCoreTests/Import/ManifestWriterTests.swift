import AMLAuthCore
import TestSupport
import Testing
import YAMLSource

/// What `amlauth import` writes: valid manifests that say exactly what the cloud holds, the same
/// bytes every time, and no way for a value from the cloud to add YAML of its own.
struct ManifestWriterTests {
    static let subscription = GUID("a925f2f7-5c63-4b7b-8799-25a5f97bc3b2")!

    static func validate(_ text: String) -> ValidationResult {
        Validate.files([("base.yaml", Validate.target + "---\n" + Validate.workspace), ("imported.yaml", text)])
    }

    static func principal(displayName: String) -> ImportedServicePrincipal {
        ImportedServicePrincipal(
            name: ImportNames.valid(displayName), displayName: displayName,
            appID: "0b6f1c2e-0000-4000-8000-000000000001",
            federatedCredentials: [
                DesiredFederatedCredential(
                    name: "gh-main", issuer: "https://token.actions.githubusercontent.com",
                    subject: "repo:contoso/ml:ref:refs/heads/main", audiences: ["api://AzureADTokenExchange"])
            ],
            certificates: [.init(displayName: "deploy", thumbprint: "0A1B")],
            passwords: [.init(displayName: "ci\nkind: Target", keyID: "k-1", endDateTime: 1_790_000_000)])
    }

    @Test func aHostileDisplayNameStaysOneString() throws {
        let hostile = "ops \"team\": {x}\n---\napiVersion: amlauth/v1\nkind: Target # \\ \t\u{2028}\u{85}end"
        var imported = ImportedManifests(origin: ["application '\(hostile)'"])
        imported.add(.servicePrincipal(Self.principal(displayName: hostile)))
        let text = ManifestWriter.render(imported)
        #expect(!text.contains("\n---\napiVersion: amlauth/v1\nkind: Target"), "no second document")
        let result = Self.validate(text)
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.all)")
        #expect(result.manifests.targets.count == 1)
        let principal = try #require(result.manifests.servicePrincipals.first)
        #expect(principal.displayName == hostile)
        #expect(principal.federatedCredentials.map(\.subject) == ["repo:contoso/ml:ref:refs/heads/main"])
        #expect(principal.credentials.isEmpty, "certificates and passwords are comments")
    }

    @Test func theOutputIsExactAndDeterministic() throws {
        var imported = ImportedManifests(origin: ["target 't' (cloud local)"])
        imported.add(.workspace(ImportedWorkspace(name: "ws-2", resourceGroup: "rg-2", location: "westeurope")))
        imported.add(.servicePrincipal(Self.principal(displayName: "legacy app")))
        imported.add(
            .roleAssignment(
                ImportedRoleAssignment(
                    name: "legacy-app-Reader-ws-2", principal: .servicePrincipal("legacy-app"), role: .reader,
                    scope: .workspace("ws-2"), liveName: "7f0c")))
        imported.add(
            .roleAssignment(
                ImportedRoleAssignment(
                    name: "a-Reader-subscription",
                    principal: .objectID(GUID("0b6f1c2e-0000-4000-8000-0000000000aa")!, .group), role: .reader,
                    scope: .subscription, liveName: "8e1d")))
        imported.add(
            .webservice(
                ImportedWebservice(
                    name: "svc", workspace: "ws-2", computeType: .aks, computeTarget: "aks-1",
                    models: [VersionedName(parsing: "m:3")!], entryScript: "score.py",
                    environment: VersionedName(parsing: "env:2")!, cpuCores: 0.5, memoryGB: 1, authEnabled: false,
                    tokenAuthEnabled: true)))
        imported.skipped = ["web service 'x': compute type 'AMLCOMPUTE' is not ACI or AKS"]
        let text = ManifestWriter.render(imported)
        #expect(text == ManifestWriter.render(imported))
        #expect(
            text == """
                # Written by 'amlauth import' from:
                #   target 't' (cloud local)
                # Objects amlauth does not own yet: review, then take them over with
                # 'amlauth plan --adopt' (it should show only adoptions) and 'amlauth apply --adopt'.
                # Not imported:
                #   web service 'x': compute type 'AMLCOMPUTE' is not ACI or AKS
                apiVersion: amlauth/v1
                kind: Workspace
                metadata:
                  name: "ws-2"
                spec:
                  resource_group: "rg-2"
                  location: "westeurope"
                ---
                apiVersion: amlauth/v1
                kind: ServicePrincipal
                metadata:
                  name: "legacy-app"
                spec:
                  # appId 0b6f1c2e-0000-4000-8000-000000000001
                  display_name: "legacy app"
                  # certificate "deploy", thumbprint 0A1B: not declared (a certificate credential needs its PEM file); amlauth leaves it in place
                  # password "ci\\nkind: Target", keyId k-1, expires 2026-09-21: its secret cannot be read, so it is not declared and amlauth leaves it in place.
                  # To have amlauth rotate a password instead, declare one (it is created at the next apply and
                  # delivered to its sink), move its consumers over, then remove the old one by hand:
                  #   credentials:
                  #     - {name: ci, type: password, lifetime: 90d, renew_before: 30d, deliver_to: "keyvault:VAULT/SECRET"}
                  federated_credentials:
                    - name: "gh-main"
                      issuer: "https://token.actions.githubusercontent.com"
                      subject: "repo:contoso/ml:ref:refs/heads/main"
                      audiences: ["api://AzureADTokenExchange"]
                ---
                # live name: 7f0c
                apiVersion: amlauth/v1
                kind: RoleAssignment
                metadata:
                  name: "legacy-app-Reader-ws-2"
                spec:
                  principal: {service_principal: "legacy-app"}
                  role: "Reader"
                  scope: {workspace: "ws-2"}
                ---
                # live name: 8e1d
                apiVersion: amlauth/v1
                kind: RoleAssignment
                metadata:
                  name: "a-Reader-subscription"
                spec:
                  principal: {object_id: "0b6f1c2e-0000-4000-8000-0000000000aa", type: Group}
                  role: "Reader"
                  scope: {subscription: true}
                ---
                apiVersion: amlauth/v1
                kind: Webservice
                metadata:
                  name: "svc"
                spec:
                  workspace: "ws-2"
                  compute_type: AKS
                  compute_target: "aks-1"
                  models: ["m:3"]
                  entry_script: "score.py"
                  environment: "env:2"
                  cpu_cores: 0.5
                  memory_gb: 1
                  auth_enabled: false
                  token_auth_enabled: true

                """)
    }

    @Test func aValueWithAnInterpolationIsSkippedNotWritten() {
        var imported = ImportedManifests(origin: [])
        imported.add(.servicePrincipal(Self.principal(displayName: "x ${env:AZURE_CLIENT_SECRET}")))
        #expect(imported.documents.isEmpty)
        #expect(imported.skipped.count == 1)
        #expect(imported.skipped.first?.contains("environment interpolation") == true)
        #expect(!ManifestWriter.render(imported).contains("\n  display_name"))
    }

    @Test func namesAreValidAndUnique() {
        #expect(ImportNames.valid("  Légacy App (prod)!! ") == "L-gacy-App-prod")
        #expect(ImportNames.valid("---") == "imported")
        #expect(ImportNames.valid(String(repeating: "a", count: 300)).count == 128)
        var names = ImportNames(declared: [ResourceAddress(.servicePrincipal, "ml-auth")])
        #expect(names.claim(.servicePrincipal, for: "ml-auth") == "ml-auth-2")
        #expect(names.claim(.servicePrincipal, for: "ML-AUTH") == "ML-AUTH-3")
        #expect(names.claim(.roleAssignment, for: "ml-auth") == "ml-auth", "names are unique per kind")
    }

    @Test func quotingEscapesEveryLineBreak() {
        #expect(
            ManifestWriter.quoted("a\"b\\c\n\r\t\u{0}\u{85}\u{2028}\u{2029}\u{FEFF}é")
                == #""a\"b\\c\n\r\t\u0000\u0085\u2028\u2029\uFEFFé""#)
    }
}
