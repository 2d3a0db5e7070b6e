import AMLAuthCore
import Testing
import WireFormat

struct ManifestDurationTests {
    @Test(arguments: [
        ("90d", 7_776_000), ("12h", 43_200), ("1d12h", 129_600), ("30m", 1_800), ("2w", 1_209_600), ("45s", 45),
    ])
    func parses(text: String, seconds: Int) {
        #expect(ManifestDuration(parsing: text)?.seconds == seconds)
    }

    @Test(arguments: ["", "90", "d", "90x", "1.5d", "-3d", "9999999999999999999999d", "90 d"])
    func rejects(text: String) {
        #expect(ManifestDuration(parsing: text) == nil)
    }

    @Test func printsCanonically() {
        #expect(ManifestDuration(parsing: "36h")?.description == "1d12h")
        #expect(ManifestDuration.days(90).description == "90d")
    }
}

struct GUIDTests {
    @Test func normalisesCase() {
        #expect(GUID("ACDD72A7-3385-48EF-BD42-F606FBA81AE7")?.value == "acdd72a7-3385-48ef-bd42-f606fba81ae7")
        #expect(GUID("ACDD72A7-3385-48EF-BD42-F606FBA81AE7") == GUID("acdd72a7-3385-48ef-bd42-f606fba81ae7"))
    }

    @Test(arguments: [
        "", "acdd72a7338548efbd42f606fba81ae7", "acdd72a7-3385-48ef-bd42-f606fba81aeg",
        "{acdd72a7-3385-48ef-bd42-f606fba81ae7}",
    ])
    func rejects(text: String) {
        #expect(GUID(text) == nil)
    }
}

struct AzureResourceIDTests {
    let sub = "a925f2f7-5c63-4b7b-8799-25a5f97bc3b2"

    @Test func parsesWorkspaceID() throws {
        let text =
            "/subscriptions/\(sub)/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-example"
        let id = try AzureResourceID.parse(text).get()
        #expect(id.subscription?.value == sub)
        #expect(id.resourceGroup == "ml-rg")
        #expect(id.providerNamespace == "Microsoft.MachineLearningServices")
        #expect(id.segments == [.init(type: "workspaces", name: "ml-example")])
        #expect(id.description == text)
    }

    @Test func comparesCaseInsensitively() throws {
        let a = try AzureResourceID.parse("/subscriptions/\(sub.uppercased())/resourcegroups/ML-RG").get()
        let b = try AzureResourceID.parse("/subscriptions/\(sub)/resourceGroups/ml-rg").get()
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(Set([a, b]).count == 1)
    }

    @Test func parsesManagementGroupScope() throws {
        let id = try AzureResourceID.parse("/providers/Microsoft.Management/managementGroups/contoso").get()
        #expect(id.subscription == nil)
        #expect(id.segments.first?.name == "contoso")
    }

    @Test func toleratesTrailingSlash() throws {
        #expect(try AzureResourceID.parse("/subscriptions/\(sub)/").get().subscription?.value == sub)
    }

    @Test func explainsFailures() {
        #expect(AzureResourceID.parse("subscriptions/x") == .failure(.notAbsolute))
        #expect(AzureResourceID.parse("/subscriptions/not-a-guid") == .failure(.badSubscription("not-a-guid")))
        #expect(
            AzureResourceID.parse("/subscriptions/\(sub)/resourceGroups")
                == .failure(.incomplete("resourceGroups/ needs a name")))
        #expect(AzureResourceID.parse("/subscriptions/\(sub)/foo/bar") == .failure(.unexpected("foo")))
        #expect(
            AzureResourceID.parse("/subscriptions/\(sub)/providers/Microsoft.X/things")
                == .failure(.incomplete("a provider path needs type/name pairs")))
        #expect(AzureResourceID.parse("//x") == .failure(.incomplete("//x")))
    }
}

struct RoleReferenceTests {
    @Test func resolvesBuiltInNamesCaseInsensitively() {
        #expect(RoleReference(parsing: "reader")?.guid.value == "acdd72a7-3385-48ef-bd42-f606fba81ae7")
        #expect(RoleReference(parsing: "AzureML Data Scientist")?.guid.value == "f6c7c914-8db3-469d-8ca1-694a8f32e121")
    }

    @Test func comparesByGUIDOnly() {
        let byName = RoleReference(parsing: "Reader")
        let byGUID = RoleReference(parsing: "ACDD72A7-3385-48EF-BD42-F606FBA81AE7")
        #expect(byName == byGUID)
        #expect(byGUID?.builtInName == "Reader")
    }

    @Test func customRolesByGUID() {
        let custom = RoleReference(parsing: "11111111-2222-3333-4444-555555555555")
        #expect(custom?.builtInName == nil)
        #expect(RoleReference(parsing: "My Custom Role") == nil)
    }

    @Test func privilegedRoles() {
        #expect(RoleReference.owner.isPrivileged)
        #expect(RoleReference.contributor.isPrivileged)
        #expect(RoleReference.userAccessAdministrator.isPrivileged)
        #expect(!RoleReference.reader.isPrivileged)
    }
}

struct SuggestionTests {
    @Test func suggestsCloseNames() {
        #expect(Suggestion.closest(to: "auth_enable", in: ["auth_enabled", "token_auth_enabled"]) == "auth_enabled")
        #expect(Suggestion.closest(to: "Webservise", in: ["Target", "Webservice"]) == "Webservice")
        #expect(Suggestion.closest(to: "ml-auht", in: ["ml-auth", "ml-ci"]) == "ml-auth")
    }

    @Test func staysQuietWhenNothingIsClose() {
        #expect(Suggestion.closest(to: "completely_different", in: ["auth_enabled", "models"]) == nil)
        #expect(Suggestion.closest(to: "x", in: [String]()) == nil)
    }
}

struct FormatTests {
    @Test func sinks() {
        #expect(SecretSink(parsing: "file:.secrets/a.json") == .file(".secrets/a.json"))
        #expect(SecretSink(parsing: "env-file:a.env") == .envFile("a.env"))
        #expect(SecretSink(parsing: "github-output") == .githubOutput)
        #expect(SecretSink(parsing: "file:") == nil)
        #expect(SecretSink(parsing: "stdout") == nil)
    }

    @Test func clouds() {
        #expect(CloudReference(parsing: "AzureChinaCloud") == .azureChinaCloud)
        #expect(CloudReference(parsing: "clouds/dev.json") == .file("clouds/dev.json"))
        #expect(CloudReference(parsing: "azurecloud") == nil)
    }

    @Test func versionedNames() {
        #expect(VersionedName(parsing: "sklearn-mnist:3") == VersionedName(parsing: "sklearn-mnist:3"))
        #expect(VersionedName(parsing: "sklearn-mnist:3")?.version == 3)
        #expect(VersionedName(parsing: "sklearn-mnist") == nil)
        #expect(VersionedName(parsing: "sklearn-mnist:0") == nil)
        #expect(VersionedName(parsing: "a b:1") == nil)
    }
}

/// Graph's `customKeyIdentifier` is compared by value whichever way it is spelled (audit D3).
struct ThumbprintTests {
    @Test func hexAndBase64AreTheSameThumbprint() {
        let bytes: [UInt8] = (0..<20).map { UInt8($0 * 13 % 256) }
        let base64 = Base64.encode(bytes)
        let digits = Array("0123456789ABCDEF")
        let hex = String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
        #expect(Base64.canonicalThumbprint(hex) == base64)
        #expect(Base64.canonicalThumbprint(hex.lowercased()) == base64)
        #expect(Base64.canonicalThumbprint(base64) == base64)
    }

    @Test(arguments: ["", "ABC", String(repeating: "G", count: 40), Base64.encode([1, 2, 3])])
    func othersAreNotThumbprints(text: String) {
        #expect(Base64.canonicalThumbprint(text) == nil)
    }
}
