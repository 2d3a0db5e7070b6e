import AMLAuthCore
import AuthCrypto
import AzureProvider
import Foundation
import HTTPClient
import LocalCloud
import TestSupport
import Testing

/// The typed clients against the local cloud over TLS: paging, LROs, retries under injected
/// faults, and a verbose log free of secrets.
@Suite(.serialized)
struct ClientTests {
    @Test func roleAssignmentsAcrossPagesWithDeterministicNames() async throws {
        var options = LocalCloudOptions()
        options.armPageSize = 3
        let connected = try await Connected.start(options)
        defer { Task { await connected.stop() } }
        let authorization = AuthorizationClient(
            pipeline: connected.pipeline(connected.bootstrapCredential()), cloud: connected.cloud)
        let scope = "/subscriptions/\(connected.subscription)/resourceGroups/ml-rg"
        let reader = try #require(
            try await authorization.roleDefinitionGUID(
                named: "Reader", scope: "/subscriptions/\(connected.subscription)"))
        let graph = GraphClient(pipeline: connected.pipeline(connected.bootstrapCredential()), cloud: connected.cloud)
        var principals: [String] = []
        for index in 0..<7 {
            let app = try await graph.createApplication(displayName: "p\(index)", tags: [])
            principals.append(try await graph.createServicePrincipal(appID: app.appID, tags: []).id)
        }
        for principal in principals {
            let name = DeterministicName.uuidV5(
                namespace: Array(repeating: 1, count: 16), name: "\(scope.lowercased())|\(principal)|\(reader)")
            let created = try await authorization.createRoleAssignment(
                scope: scope, name: name, roleDefinitionGUID: reader, principalID: principal,
                principalType: "ServicePrincipal", description: "managed by amlauth: test/r")
            #expect(created.name == name)
            // Re-applying is idempotent: same name, 200.
            #expect(
                try await authorization.createRoleAssignment(
                    scope: scope, name: name, roleDefinitionGUID: reader, principalID: principal,
                    principalType: "ServicePrincipal", description: "managed by amlauth: test/r"
                ).name == name)
        }
        let listed = try await authorization.listRoleAssignments(scope: scope)
        #expect(
            listed.count == 9,
            "seven at the group, and the bootstrap owner's and the seeded user's above it, over three pages")
        #expect(Set(listed.filter { $0.roleDefinitionGUID == reader }.map(\.principalID)) == Set(principals))
        #expect(
            connected.live.cloud.counters.total(
                matching: "GET /subscriptions/{}/resourceGroups/{}/providers/Microsoft.Authorization/roleAssignments")
                == 3)
        let names = try await authorization.roleDefinitionNames(scope: "/subscriptions/\(connected.subscription)")
        #expect(names[reader] == "Reader")
        let first = try #require(listed.first { $0.principalID == principals[0] })
        #expect(try await authorization.deleteRoleAssignment(scope: scope, name: first.name))
        #expect(try await authorization.deleteRoleAssignment(scope: scope, name: first.name) == false)
        #expect(try await authorization.getRoleAssignment(scope: scope, name: first.name) == nil)
    }

    @Test func duplicateTripleUnderAnotherNameIsATypedConflict() async throws {
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        let authorization = AuthorizationClient(
            pipeline: connected.pipeline(connected.bootstrapCredential()), cloud: connected.cloud)
        let scope = "/subscriptions/\(connected.subscription)/resourceGroups/ml-rg"
        let owner = try #require(await connected.live.cloud.store.state.servicePrincipals.first?.id)
        let reader = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
        _ = try await authorization.createRoleAssignment(
            scope: scope, name: "6f1b8c84-1c53-4d2a-9d43-d1c1f1e3c0a1", roleDefinitionGUID: reader, principalID: owner,
            principalType: nil, description: nil)
        await #expect {
            _ = try await authorization.createRoleAssignment(
                scope: scope, name: "6f1b8c84-1c53-4d2a-9d43-d1c1f1e3c0a2", roleDefinitionGUID: reader,
                principalID: owner, principalType: nil, description: nil)
        } throws: { error in
            let error = error as! AzureError
            return error.code == "RoleAssignmentExists" && error.status == 409 && !error.isRetryable
                && error.message.contains("6f1b8c841c534d2a9d43d1c1f1e3c0a1")
        }
    }

    /// Management-group scopes take the tenant-level role definition id (audit D6).
    @Test func roleDefinitionIDFollowsTheScope() {
        let reader = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
        let subscription = "11111111-1111-1111-1111-111111111111"
        #expect(
            AuthorizationClient.roleDefinitionID(
                scope: "/providers/Microsoft.Management/managementGroups/ml", guid: reader)
                == "/providers/Microsoft.Authorization/roleDefinitions/\(reader)")
        #expect(
            AuthorizationClient.roleDefinitionID(
                scope: "/subscriptions/\(subscription)/resourceGroups/ml-rg", guid: reader)
                == "/subscriptions/\(subscription)/providers/Microsoft.Authorization/roleDefinitions/\(reader)")
        #expect(
            AuthorizationClient.roleDefinitionID(scope: "/", guid: reader)
                == "/providers/Microsoft.Authorization/roleDefinitions/\(reader)")
    }

    @Test func modelManagementOperationsArePolled() async throws {
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        let manual = ManualRuntime()
        let ml = MachineLearningClient(
            pipeline: connected.pipeline(connected.bootstrapCredential(), runtime: manual.runtime),
            cloud: connected.cloud)
        let workspace = try #require(
            try await ml.workspace(subscriptionID: connected.subscription, resourceGroup: "ml-rg", name: "ml-example"))
        #expect(
            try await ml.workspace(subscriptionID: connected.subscription, resourceGroup: "ml-rg", name: "missing")
                == nil)
        let base = try await ml.modelManagementBase(for: workspace)
        try await ml.createService(
            base: base,
            ServiceDefinition(
                workspace: workspace.id, name: "svc-aks", computeType: .aks, computeTarget: "aks-cluster-1",
                authEnabled: false, tokenAuthEnabled: true,
                cpuCores: 1, memoryGB: 1, kvTags: ["amlauth.target": "t"],
                models: [VersionedName(parsing: "sklearn-mnist:3")!], entryScript: "score.py",
                environment: VersionedName(parsing: "sklearn-env:2")!, description: nil,
                entryScriptFile: EntryScriptUploadTests.script))
        #expect(
            manual.sleeps.filter { $0 == 0 }.count == 1,
            "Running once, then Succeeded after the Retry-After: 0 the local cloud sends")
        let created = try #require(try await ml.service(base: base, name: "svc-aks"))
        #expect(created.state == "Healthy")
        #expect(created.aadAuthEnabled && !created.authEnabled && created.computeName == "aks-cluster-1")
        #expect(try await ml.services(base: base).count == 1)
        let token = try await ml.token(base: base, name: "svc-aks")
        #expect(token.expiryOn > token.refreshAfter)
        try await ml.updateService(
            base: base, name: "svc-aks", patches: [.kvTags(["amlauth.target": "u"]), .cpuCores(2)])
        let updated = try #require(try await ml.service(base: base, name: "svc-aks"))
        #expect(updated.kvTags == ["amlauth.target": "u"] && updated.cpuCores == 2)
        // An AKS update answers 200 with `operationId` in the body: followed to the end, like a 202.
        #expect(updated.state == "Healthy")
        let keys = try await ml.listKeys(base: base, name: "svc-aks")
        try await ml.regenerateKey(base: base, name: "svc-aks", key: .secondary)
        let after = try await ml.listKeys(base: base, name: "svc-aks")
        #expect(after.primary == keys.primary)
        #expect(after.secondary != keys.secondary)
        // Deletes are asynchronous (202 + operation): when deleteService returns, the name is free.
        try await ml.deleteService(base: base, name: "svc-aks")
        #expect(try await ml.service(base: base, name: "svc-aks") == nil)
        #expect(try await ml.services(base: base).isEmpty)
        // Every model-management call carries the audience azureml-core uses (audit D10).
        let mmsAudiences = Set(
            connected.live.cloud.requestLog.all.filter { $0.path.hasPrefix("/modelmanagement/") }.map(\.audience))
        #expect(mmsAudiences == ["https://management.core.windows.net/"])
    }

    @Test func retriesThroughInjectedThrottlingErrorsAndDrops() async throws {
        var options = LocalCloudOptions()
        options.faults = try FaultPlan(parsing: "429=0.25,500=0.15,reset=0.15,route=/discovery/,seed=11")
        let connected = try await Connected.start(options)
        defer { Task { await connected.stop() } }
        let manual = ManualRuntime()
        var retry = RetryPolicy()
        retry.maxAttempts = 10
        let pipeline = connected.pipeline(connected.bootstrapCredential(), runtime: manual.runtime, retry: retry)
        for index in 0..<30 {
            let response = try await pipeline.send(
                .init("GET", connected.live.base + "/discovery/r\(index)", service: .modelManagement, audience: nil))
            #expect(response.status == 200)
        }
        let counters = connected.live.cloud.counters
        #expect(counters.total(matching: "/discovery/") > 30, "some attempts failed and were repeated")
        #expect(manual.sleeps.contains(1), "a 429's Retry-After: 1 was honoured")
        let log = connected.log.all.joined(separator: "\n")
        #expect(log.contains("→ 429"))
        #expect(log.contains("→ connection"))
    }

    /// Issue 15 item 11: the creates whose repeat is safe (Graph answers a second one with 409)
    /// adopt what an earlier attempt made instead of failing; a second removal of a password is
    /// not an error once a first attempt may have done it.
    @Test func repeatedCreatesAdoptWhatAnEarlierAttemptMade() async throws {
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        let graph = GraphClient(pipeline: connected.pipeline(connected.bootstrapCredential()), cloud: connected.cloud)
        let app = try await graph.createApplication(displayName: "twice", tags: [])
        let first = try await graph.createServicePrincipal(appID: app.appID, tags: [])
        #expect(try await graph.createServicePrincipal(appID: app.appID, tags: []) == first)
        #expect(await connected.live.cloud.store.state.servicePrincipals.filter { $0.appID == app.appID }.count == 1)
        let credential = DesiredFederatedCredential(
            name: "gh", issuer: "https://token.actions.githubusercontent.com", subject: "repo:o/r:ref:refs/heads/main",
            audiences: ["api://AzureADTokenExchange"])
        try await graph.createFederatedCredential(applicationID: app.id, credential)
        try await graph.createFederatedCredential(applicationID: app.id, credential)
        #expect(try await graph.federatedCredentials(applicationID: app.id).count == 1)
        var other = credential
        other.subject = "repo:o/r:ref:refs/heads/other"
        await #expect(throws: AzureError.self, "the same name for another subject is a real conflict") {
            try await graph.createFederatedCredential(applicationID: app.id, other)
        }
    }

    @Test func federatedCredentialsChangeInPlace() async throws {
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        let graph = GraphClient(pipeline: connected.pipeline(connected.bootstrapCredential()), cloud: connected.cloud)
        let app = try await graph.createApplication(displayName: "fic", tags: [])
        var credential = DesiredFederatedCredential(
            name: "gh", issuer: "https://token.actions.githubusercontent.com",
            subject: "repo:contoso/ml:ref:refs/heads/main",
            audiences: ["api://AzureADTokenExchange"])
        try await graph.createFederatedCredential(applicationID: app.id, credential)
        let created = try #require(try await graph.federatedCredentials(applicationID: app.id).first)
        credential.subject = "repo:contoso/ml:environment:prod"
        try await graph.updateFederatedCredential(applicationID: app.id, id: created.id, credential)
        let updated = try await graph.federatedCredentials(applicationID: app.id)
        #expect(updated.map(\.id) == [created.id])
        #expect(updated.first?.subject == "repo:contoso/ml:environment:prod")
    }

    @Test func verboseLogHoldsNoSecretsOrTokens() async throws {
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        let credential = connected.bootstrapCredential()
        let pipeline = connected.pipeline(credential)
        let graph = GraphClient(pipeline: pipeline, cloud: connected.cloud)
        let app = try await graph.createApplication(displayName: "logged", tags: [])
        let password = try await graph.addPassword(applicationID: app.id, displayName: "ci", endDateTime: nil)
        let secretText = password.secretText
        #expect(!"\(password)".contains(secretText), "a created password never prints its secret")
        let token = try #require(await pipeline.tokens?.token(audience: connected.cloud.microsoftGraphAudience))
        let log = connected.log.all.joined(separator: "\n")
        #expect(log.contains("POST \(connected.live.base)/graph/v1.0/applications → 201"))
        for secret in [connected.extras.bootstrapClientSecret ?? "?", secretText, token, String(token.prefix(20))] {
            #expect(!log.contains(secret))
        }
    }
}
