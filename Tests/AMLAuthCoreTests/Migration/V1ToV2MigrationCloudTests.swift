import AMLAuthCore
import Testing

/// `migrate --from-cloud` in the pure core: live services as `import` reads them become endpoints
/// that validate beside the manifests; a service the manifests declare is taken from them; a value
/// from the cloud cannot add YAML; `--keep-keys` writes `keys_from` for key-auth services only.
struct V1ToV2MigrationCloudTests {
    static let declared = """
        apiVersion: amlauth/v1
        kind: Webservice
        metadata: {name: declared-aci}
        spec:
          workspace: ml-example
          compute_type: ACI
          models: ["mnist:1"]
          entry_script: score.py
          environment: "env:1"
          auth_enabled: true

        """

    static func service(_ name: String, entryScript: String = "score.py", key: Bool = true, token: Bool = false)
        -> ImportedWebservice
    {
        ImportedWebservice(
            name: name, workspace: "ml-example", computeType: token ? .aks : .aci,
            computeTarget: token ? "aks-cluster-1" : nil, models: [VersionedName(parsing: "mnist:1")!],
            entryScript: entryScript, environment: VersionedName(parsing: "env:1")!, cpuCores: 1, memoryGB: 1,
            authEnabled: key, tokenAuthEnabled: token)
    }

    @Test func liveServicesJoinTheManifestsAndTheOutputValidates() throws {
        let base = Validate.files([
            ("base.yaml", Validate.target + "---\n" + Validate.workspace + "---\n" + Self.declared)
        ])
        #expect(!base.diagnostics.hasErrors, "\(base.diagnostics.all)")
        let hostile = "score.py\"\n---\napiVersion: amlauth/v1\nkind: Target\u{1B}[2J # x"
        var imported = ImportedManifests(origin: [])
        imported.add(.webservice(Self.service("legacy-key", entryScript: hostile)))
        imported.add(.webservice(Self.service("legacy-token", key: false, token: true)))
        imported.add(.webservice(Self.service("legacy-env", entryScript: "${HOME}/score.py")))
        let result = V1ToV2Migration.migrate(base.manifests, imported: imported, keepKeys: true)

        #expect(result.endpoints == 3, "declared-aci, legacy-key, legacy-token; legacy-env skipped")
        #expect(result.notes.contains { $0.hasPrefix("not migrated: Webservice/legacy-env") && $0.contains("'${'") })
        #expect(result.notes.contains { $0.contains("legacy-token: its token callers") })
        #expect(!result.yaml.contains("kind: Target"), "\(result.yaml)")
        #expect(result.yaml.contains("keys_from: {webservice: \"declared-aci\"}"))
        #expect(result.yaml.contains("keys_from: {webservice: \"legacy-key\"}"))
        #expect(!result.yaml.contains("keys_from: {webservice: \"legacy-token\"}"), "token auth has no keys")

        let all = Validate.files([
            ("base.yaml", Validate.target + "---\n" + Validate.workspace + "---\n" + Self.declared),
            ("online-endpoints.yaml", result.yaml),
        ])
        #expect(!all.diagnostics.hasErrors, "\(all.diagnostics.all)\n\(result.yaml)")
        #expect(all.manifests.onlineEndpoints.map(\.name).sorted() == ["declared-aci", "legacy-key", "legacy-token"])
        #expect(all.manifests.onlineEndpoints.first { $0.name == "legacy-key" }?.keysFrom == "legacy-key")
        #expect(all.manifests.targets.count == 1)
    }

    @Test func withoutKeepKeysNoKeysAreCopied() {
        let base = Validate.files([
            ("base.yaml", Validate.target + "---\n" + Validate.workspace + "---\n" + Self.declared)
        ])
        #expect(!V1ToV2Migration.migrate(base.manifests).yaml.contains("keys_from"))
        #expect(V1ToV2Migration.migrate(base.manifests, keepKeys: true).yaml.contains("keys_from"))
    }

    @Test func aWorkspaceTheManifestsLackIsWrittenWithTheEndpoints() throws {
        let base = Validate.files([("base.yaml", Validate.target)])
        var imported = ImportedManifests(origin: [])
        imported.add(.workspace(ImportedWorkspace(name: "ml-example", resourceGroup: "ml-rg", location: "westeurope")))
        imported.add(.webservice(Self.service("legacy-key")))
        let result = V1ToV2Migration.migrate(base.manifests, imported: imported, keepKeys: false)
        let all = Validate.files([("base.yaml", Validate.target), ("online-endpoints.yaml", result.yaml)])
        #expect(!all.diagnostics.hasErrors, "\(all.diagnostics.all)\n\(result.yaml)")
        #expect(all.manifests.workspaces.map(\.name) == ["ml-example"])
    }
}
