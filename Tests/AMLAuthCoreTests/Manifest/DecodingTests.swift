import AMLAuthCore
import Foundation
import TestSupport
import Testing
import YAMLSource

struct DecodingTests {
    @Test func quickstartShapedSetDecodesToTypedValues() throws {
        let result = Validate.files([
            (
                "a.yaml",
                Validate.target + "---\n" + Validate.workspace + """
                    ---
                    apiVersion: amlauth/v1
                    kind: ServicePrincipal
                    metadata: {name: ml-auth}
                    spec:
                      credentials:
                        - {name: ci, type: password, lifetime: 60d, deliver_to: "file:.secrets/a.json"}
                        - {name: deploy, type: certificate, certificate_file: certs/d.pem}
                      federated_credentials:
                        - {name: gh, issuer: "https://token.actions.githubusercontent.com", subject: "repo:o/r:ref:refs/heads/main"}
                    ---
                    apiVersion: amlauth/v1
                    kind: RoleAssignment
                    metadata: {name: reads}
                    spec: {principal: {service_principal: ml-auth}, role: reader, scope: {workspace: ml-example}}
                    ---
                    apiVersion: amlauth/v1
                    kind: Webservice
                    metadata: {name: aks-one}
                    spec:
                      workspace: ml-example
                      compute_type: AKS
                      compute_target: aks-cluster-1
                      models: [sklearn-mnist:3]
                      entry_script: score.py
                      environment: sklearn-env:2
                      token_auth_enabled: true
                      token_clients: [ml-auth]
                    """
            )
        ])
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.all)")
        let set = result.manifests
        #expect(set.target?.cloud == .local)
        #expect(set.target?.maxPasswordLifetime == .days(180))
        let principal = try #require(set.servicePrincipals.first)
        #expect(principal.displayName == "ml-auth")  // defaults to the name
        guard case .password(let lifetime, let renewBefore, let sink) = principal.credentials[0].kind else {
            Issue.record("expected a password")
            return
        }
        #expect(lifetime == .days(60))
        #expect(renewBefore == .days(20))  // a third of the lifetime by default
        #expect(sink == .file(".secrets/a.json"))
        // Unset: the Target cloud's token-exchange audience, filled in when the state is resolved.
        #expect(principal.federatedCredentials.first?.audiences == nil)
        let desired = DesiredState.resolve(
            set, target: "t", subscriptionID: GUID("00000000-0000-0000-0000-000000000001")!)
        #expect(
            desired.servicePrincipals.first?.federatedCredentials.first?.audiences == ["api://AzureADTokenExchange"])
        var china = set
        china.targets[0].cloud = .azureChinaCloud
        #expect(
            DesiredState.resolve(china, target: "t", subscriptionID: GUID("00000000-0000-0000-0000-000000000001")!)
                .servicePrincipals.first?.federatedCredentials.first?.audiences == ["api://AzureADTokenExchangeChina"])
        let assignment = try #require(set.roleAssignments.first)
        #expect(assignment.role == .reader)
        #expect(assignment.scope == .workspace("ml-example"))
        let service = try #require(set.webservices.first)
        #expect(service.authEnabled == false)  // AKS: not token_auth_enabled
        #expect(service.cpuCores == 0.1)
        #expect(service.models.first?.description == "sklearn-mnist:3")
    }

    @Test func aksKeyAuthDefaultsOnAndACIOff() throws {
        let result = Validate.files([
            (
                "a.yaml",
                Validate.target + "---\n" + Validate.workspace + "---\n"
                    + Doc.webservice("  compute_type: AKS\n  compute_target: aks\n", name: "aks-svc") + "---\n"
                    + Doc.webservice("  compute_type: ACI\n", name: "aci-svc")
            )
        ])
        let services = Dictionary(uniqueKeysWithValues: result.manifests.webservices.map { ($0.name, $0) })
        #expect(services["aks-svc"]?.authEnabled == true)
        #expect(services["aci-svc"]?.authEnabled == false)
    }

    @Test func environmentFillsIdentifiersOnly() throws {
        let result = Validate.files([
            (
                "t.yaml",
                """
                apiVersion: amlauth/v1
                kind: Target
                metadata: {name: prod}
                spec:
                  cloud: AzureChinaCloud
                  tenant_id: ${env:AZURE_TENANT_ID}
                  subscription_id: ${env:AZURE_SUBSCRIPTION_ID}
                """
            )
        ])
        #expect(!result.diagnostics.hasErrors)
        #expect(result.manifests.target?.tenantID?.value == "72f988bf-86f1-41af-91ab-2d7cd011db47")
        #expect(result.manifests.target?.cloud == .azureChinaCloud)
    }

    @Test func environmentValuesAreNeverEchoed() throws {
        let marked = MarkedText(
            """
            apiVersion: amlauth/v1
            kind: Target
            metadata: {name: prod}
            spec: {cloud: AzureCloud, tenant_id: 1️⃣"${env:TENANT}", subscription_id: "${env:AZURE_SUBSCRIPTION_ID}"}
            """)
        let diagnostics = Validate.marked(
            marked, withTarget: false, environment: Validate.environment.merging(["TENANT": "s3cr3t-value"]) { $1 })
        let error = try #require(diagnostics.first { $0.code == .invalidGUID })
        #expect(error.message == "the value of ${env:TENANT} is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)")
        #expect(!diagnostics.contains { $0.message.contains("s3cr3t") })
    }

    @Test func targetOutsideLocalNeedsTenantAndSubscription() {
        let result = Validate.files([
            ("t.yaml", "apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: t}\nspec: {cloud: AzureCloud}\n")
        ])
        let missing = result.diagnostics.all.filter { $0.code == .missingField }.map(\.message)
        #expect(missing.count == 2)
        #expect(missing.allSatisfy { $0.contains("required unless cloud is local") })
    }

    @Test func unsetEnvironmentIsNotAlsoReportedMissing() {
        let result = Validate.files([
            (
                "t.yaml",
                "apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: t}\nspec: {cloud: AzureCloud, tenant_id: \"${env:NOPE}\", subscription_id: \"${env:NOPE}\"}\n"
            )
        ])
        #expect(result.diagnostics.all.map(\.code) == [.envUnset, .envUnset])
    }

    @Test func policyOverridesChangeSeverityOrSilence() {
        let services = Doc.webservice("  compute_type: ACI\n", name: "open-svc")
        func codes(_ policy: String) -> [DiagnosticCode: Severity] {
            let target =
                "apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: t}\nspec: {cloud: local, policy: {\(policy)}}\n"
            let result = Validate.files([("a.yaml", target + "---\n" + Validate.workspace + "---\n" + services)])
            return Dictionary(
                result.diagnostics.all.map { ($0.code, $0.severity) }, uniquingKeysWith: { first, _ in first })
        }
        #expect(codes("")[.aciKeyAuthOff] == .warning)
        #expect(codes("AMLA003: error")[.aciKeyAuthOff] == .error)
        #expect(codes("AMLA003: off")[.aciKeyAuthOff] == nil)
        #expect(codes("AMLA006: off")[.v1EndOfSupport] == nil)
        #expect(codes("AMLA999: off")[.policyOverride] == .error)
    }

    @Test func everyProblemIsReportedNotJustTheFirst() {
        let result = Validate.files([
            (
                "a.yaml",
                Validate.target + "---\n" + Validate.workspace + """
                    ---
                    apiVersion: amlauth/v1
                    kind: Webservice
                    metadata: {name: svc}
                    spec:
                      workspace: ml-exampel
                      compute_type: aks
                      auth_enable: true
                      cpu_cores: -1
                      models: [m]
                      entry_script: s.py
                      environment: e:1
                    """
            )
        ])
        let codes = Set(result.diagnostics.all.map(\.code))
        #expect(codes.isSuperset(of: [.invalidEnum, .unknownField, .outOfRange, .invalidFormat]))
        #expect(result.diagnostics.all.filter { $0.severity == .error }.count >= 4)
    }

    @Test func referencesSuggestExistingNames() throws {
        let result = Validate.files([
            (
                "a.yaml",
                Validate.target + "---\n" + Validate.workspace + "---\n"
                    + Doc.webservice("  compute_type: ACI\n  auth_enabled: true\n").replacingOccurrences(
                        of: "workspace: ml-example", with: "workspace: ml-exampel")
            )
        ])
        let dangling = try #require(result.diagnostics.all.first { $0.code == .danglingReference })
        #expect(dangling.hint == "did you mean 'ml-example'?")
    }

    @Test func duplicateNamesPointAtBothPlaces() throws {
        let result = Validate.files([
            ("a.yaml", Validate.target + "---\n" + Validate.workspace),
            ("b.yaml", Validate.workspace),
        ])
        let duplicate = try #require(result.diagnostics.all.first { $0.code == .duplicateName })
        #expect(duplicate.location?.file == "b.yaml")
        #expect(duplicate.notes.first?.location?.file == "a.yaml")
    }

    @Test func noTargetIsReportedOnce() {
        let result = Validate.files([("a.yaml", Validate.workspace)])
        #expect(result.diagnostics.all.map(\.code) == [.targetCount])
        #expect(result.diagnostics.all.first?.location?.file == "a.yaml")
    }

    @Test func syntaxErrorsSuppressCrossFileChecks() {
        // b.yaml is broken, so its Target is unknown: no false "no Target" or "not found" errors.
        let result = Validate.files([
            ("a.yaml", Doc.webservice("  compute_type: ACI\n  auth_enabled: true\n")),
            ("b.yaml", "apiVersion: amlauth/v1\nkind: Target\n  oops: [\n"),
        ])
        #expect(result.diagnostics.all.map(\.code) == [.yamlSyntax])
    }

    @Test func tokenClientWithPrivilegedRoleIsFlagged() throws {
        let result = Validate.files([
            (
                "a.yaml",
                Validate.target + "---\n" + Validate.workspace + "---\n"
                    + Doc.servicePrincipal() + "---\n"
                    + "apiVersion: amlauth/v1\nkind: RoleAssignment\nmetadata: {name: r}\nspec: {principal: {service_principal: ml-auth}, role: Owner, scope: {resource_group: ML-RG}}\n---\n"
                    + Doc.webservice(
                        "  compute_type: AKS\n  compute_target: aks\n  token_auth_enabled: true\n  token_clients: [ml-auth]\n"
                    )
            )
        ])
        let access = try #require(result.diagnostics.all.first { $0.code == .tokenClientAccess })
        #expect(access.message.contains("holds 'Owner'"))
    }

    @Test func emptyDocumentsAreIgnored() {
        let result = Validate.files([("a.yaml", "---\n" + Validate.target + "---\n---\n")])
        #expect(result.diagnostics.all.isEmpty)
    }
}
