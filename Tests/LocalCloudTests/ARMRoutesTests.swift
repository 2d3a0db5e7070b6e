import AMLAuthCore
import AuthCrypto
import LocalCloud
import Testing
import WireFormat

struct ARMRoutesTests {
    static let api = "api-version=2022-04-01"

    func assignmentBody(role: String, principal: String, type: String? = "ServicePrincipal") -> JSONValue {
        var properties: [(String, JSONValue)] = [
            (
                "roleDefinitionId",
                .string(
                    "/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/\(Roles.builtIn(named: role)!.id)"
                )
            ),
            ("principalId", .string(principal)),
        ]
        if let type { properties.append(("principalType", .string(type))) }
        return .object([("properties", .object(properties))])
    }

    @Test func readsSubscriptionGroupWorkspaceAndCompute() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        let subscription = await harness.send("GET", "\(harness.subscription)?api-version=2022-12-01", token: token)
        #expect(subscription.json?["subscriptionId"]?.stringValue == harness.state.subscriptionID)
        #expect(subscription.header("x-ms-request-id") != nil)
        #expect(subscription.header("x-ms-ratelimit-remaining-subscription-reads") == "249")
        #expect(
            await harness.send(
                "GET", "\(harness.subscription)/resourcegroups/ML-RG?api-version=2021-04-01", token: token
            ).json?["name"]?.stringValue == "ml-rg")
        let missing = await harness.send(
            "GET", "\(harness.subscription)/resourceGroups/nope?api-version=2021-04-01", token: token)
        #expect(missing.status == 404)
        #expect(missing.errorCode == "ResourceGroupNotFound")
        let workspace = await harness.send("GET", "\(harness.workspace)?api-version=2022-05-01", token: token)
        #expect(workspace.json?["properties"]?["discoveryUrl"]?.stringValue == "\(Harness.base)/discovery/westeurope")
        let discovery = await harness.send("GET", "/discovery/westeurope")
        #expect(discovery.json?["modelmanagement"]?.stringValue == Harness.base)
        let compute = await harness.send(
            "GET", "\(harness.workspace)/computes/aks-cluster-1?api-version=2022-05-01", token: token)
        #expect(compute.json?["properties"]?["computeType"]?.stringValue == "AKS")
        #expect(await harness.send("GET", harness.subscription, token: token).errorCode == "MissingApiVersionParameter")
    }

    @Test func bearerErrorsAsARMWritesThem() async throws {
        let harness = try Harness.make()
        let target = "\(harness.subscription)?\(Self.api)"
        let missing = await harness.send("GET", target)
        #expect(missing.status == 401)
        #expect(missing.errorCode == "AuthenticationFailed")
        #expect(missing.header("WWW-Authenticate")?.hasPrefix("Bearer authorization_uri=") == true)
        #expect(await harness.send("GET", target, token: "garbage").errorCode == "InvalidAuthenticationToken")
        let graph = try await harness.graphToken()
        let wrongAudience = await harness.send("GET", target, token: graph)
        #expect(wrongAudience.errorCode == "InvalidAuthenticationTokenAudience")
        #expect(
            wrongAudience.json?["error"]?["message"]?.stringValue?.contains("'https://management.azure.com/'") == true)
        let token = try await harness.armToken()
        let tampered = String(token.dropLast(4)) + "AAAA"
        #expect(await harness.send("GET", target, token: tampered).errorCode == "InvalidAuthenticationToken")
        harness.clock.advance(3601)
        #expect(await harness.send("GET", target, token: token).errorCode == "ExpiredAuthenticationToken")
    }

    @Test func roleDefinitions() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        let base = "\(harness.subscription)/providers/Microsoft.Authorization/roleDefinitions"
        let all = await harness.send("GET", "\(base)?\(Self.api)", token: token)
        #expect(all.json?["value"]?.arrayValue?.count == Roles.builtIns.count)
        let reader = await harness.send(
            "GET", "\(base)?\(Self.api)&$filter=\(FormEncoding.percentEncode("roleName eq 'Reader'"))", token: token)
        #expect(
            reader.json?["value"]?.arrayValue?.first?["name"]?.stringValue == "acdd72a7-3385-48ef-bd42-f606fba81ae7")
        #expect(
            reader.json?["value"]?.arrayValue?.first?["properties"]?["permissions"]?.arrayValue?.first?["actions"]?
                .arrayValue?.first?.stringValue == "*/read")
        #expect(
            await harness.send("GET", "\(base)/8e3af657-a8ff-443c-a75c-2fe8c4bcb635?\(Self.api)", token: token).json?[
                "properties"]?["roleName"]?.stringValue == "Owner")
        #expect(
            await harness.send("GET", "\(base)/00000000-0000-0000-0000-000000000000?\(Self.api)", token: token)
                .errorCode == "RoleDefinitionDoesNotExist")
    }

    @Test func roleAssignmentLifecycleAndErrors() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        let principal = try await harness.makePrincipal("ra-app")
        let name = "05c5a614-a7d6-4502-b150-c2fb455033ff"
        let url = "\(harness.workspace)/providers/Microsoft.Authorization/roleAssignments/\(name)?\(Self.api)"
        let created = await harness.send(
            "PUT", url, token: token, json: assignmentBody(role: "Reader", principal: principal.objectID))
        #expect(created.status == 201, "\(created.text)")
        #expect(
            created.json?["id"]?.stringValue
                == "\(harness.workspace)/providers/Microsoft.Authorization/roleAssignments/\(name)")
        #expect(
            created.json?["properties"]?["roleDefinitionId"]?.stringValue
                == "\(harness.subscription)/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
        )
        #expect(created.json?["properties"]?["scope"]?.stringValue == harness.workspace)
        #expect(created.header("x-ms-ratelimit-remaining-subscription-writes") != nil)

        let again = await harness.send(
            "PUT", url, token: token, json: assignmentBody(role: "Reader", principal: principal.objectID))
        #expect(again.status == 200)
        let changed = await harness.send(
            "PUT", url, token: token, json: assignmentBody(role: "Contributor", principal: principal.objectID))
        #expect(changed.errorCode == "RoleAssignmentUpdateNotPermitted")
        let otherName =
            "\(harness.workspace)/providers/Microsoft.Authorization/roleAssignments/\(SecureRandom.uuid())?\(Self.api)"
        let duplicate = await harness.send(
            "PUT", otherName, token: token, json: assignmentBody(role: "Reader", principal: principal.objectID))
        #expect(duplicate.status == 409)
        #expect(duplicate.errorCode == "RoleAssignmentExists")
        #expect(
            duplicate.json?["error"]?["message"]?.stringValue
                == "The role assignment already exists. The ID of the existing role assignment is 05c5a614a7d64502b150c2fb455033ff."
        )

        // Case differences in the scope do not matter.
        #expect(
            await harness.send(
                "GET", url.uppercased().replacing("API-VERSION=2022-04-01", with: Self.api), token: token
            ).status == 200)

        let badName = await harness.send(
            "PUT", "\(harness.workspace)/providers/Microsoft.Authorization/roleAssignments/not-a-guid?\(Self.api)",
            token: token, json: assignmentBody(role: "Reader", principal: principal.objectID))
        #expect(badName.errorCode == "InvalidRoleAssignmentId")
        let noRole = await harness.send(
            "PUT", otherName, token: token,
            json: .object([
                (
                    "properties",
                    .object([
                        (
                            "roleDefinitionId",
                            .string(
                                "/providers/Microsoft.Authorization/roleDefinitions/00000000-0000-0000-0000-000000000000"
                            )
                        ), ("principalId", .string(principal.objectID)),
                    ])
                )
            ]))
        #expect(noRole.errorCode == "RoleDefinitionDoesNotExist")
        let ghost = await harness.send(
            "PUT", otherName, token: token,
            json: assignmentBody(role: "Reader", principal: "11111111-1111-1111-1111-111111111111"))
        #expect(ghost.status == 400)
        #expect(ghost.errorCode == "PrincipalNotFound")
        #expect(
            ghost.json?["error"]?["message"]?.stringValue?.contains("does not exist in the directory \(harness.tenant)")
                == true)

        #expect(await harness.send("DELETE", url, token: token).status == 200)
        #expect(await harness.send("DELETE", url, token: token).status == 204)
        #expect(await harness.send("GET", url, token: token).errorCode == "RoleAssignmentNotFound")
    }

    @Test func listsAtScopeWithFiltersAndPages() async throws {
        let harness = try Harness.make { $0.armPageSize = 2 }
        let token = try await harness.armToken()
        let principal = try await harness.makePrincipal("list-app")
        for (role, scope) in [
            ("Reader", harness.workspace), ("AzureML Data Scientist", harness.workspace),
            ("Reader", harness.resourceGroup),
        ] {
            try await harness.assign(role, to: principal.objectID, at: scope)
        }
        func collect(_ scope: String, filter: String?) async -> [JSONValue] {
            var target: String? =
                "\(scope)/providers/Microsoft.Authorization/roleAssignments?\(Self.api)"
                + (filter.map { "&$filter=\(FormEncoding.percentEncode($0))" } ?? "")
            var items: [JSONValue] = []
            while let next = target {
                let page = await harness.send("GET", next, token: token)
                items += page.json?["value"]?.arrayValue ?? []
                target = page.json?["nextLink"]?.stringValue.map { String($0.dropFirst(Harness.base.count)) }
            }
            return items
        }
        // At the workspace, atScope(): its two, the group's one, and the bootstrap owner's and the
        // seeded user's at the subscription.
        #expect(await collect(harness.workspace, filter: "atScope()").count == 5)
        #expect(
            await collect(harness.workspace, filter: "atScope() and principalId eq '\(principal.objectID)'").count == 3)
        // At the resource group without atScope(): below counts too.
        #expect(await collect(harness.resourceGroup, filter: "principalId eq '\(principal.objectID)'").count == 3)
        #expect(
            await collect(harness.resourceGroup, filter: "atScope() and principalId eq '\(principal.objectID)'").count
                == 1)
        let unsupported = await harness.send(
            "GET",
            "\(harness.workspace)/providers/Microsoft.Authorization/roleAssignments?\(Self.api)&$filter=roleName%20eq%20'x'",
            token: token)
        #expect(unsupported.status == 400)
    }

    @Test func replicationDelayAndPrincipalType() async throws {
        let harness = try Harness.make { $0.replicationDelay = 30 }
        let token = try await harness.armToken()
        let principal = try await harness.makePrincipal("new-app")
        let url = {
            "\(harness.workspace)/providers/Microsoft.Authorization/roleAssignments/\(SecureRandom.uuid())?\(Self.api)"
        }
        let early = await harness.send(
            "PUT", url(), token: token, json: assignmentBody(role: "Reader", principal: principal.objectID, type: nil))
        #expect(early.errorCode == "PrincipalNotFound")
        let typed = await harness.send(
            "PUT", url(), token: token, json: assignmentBody(role: "Reader", principal: principal.objectID))
        #expect(typed.status == 201)
        harness.clock.advance(31)
        let later = await harness.send(
            "PUT", url(), token: token,
            json: assignmentBody(role: "AzureML Data Scientist", principal: principal.objectID, type: nil))
        #expect(later.status == 201)
        #expect(later.json?["properties"]?["principalType"]?.stringValue == "ServicePrincipal")
    }

    @Test func rbacIsEnforcedWithInheritance() async throws {
        let harness = try Harness.make()
        let principal = try await harness.makePrincipal("reader-app")
        try await harness.assign("Reader", to: principal.objectID, at: harness.resourceGroup)
        let token = try await harness.token(clientID: principal.appID, secret: principal.secret)
        // Reader on the group reads the workspace below it, not the subscription above it.
        #expect(await harness.send("GET", "\(harness.workspace)?api-version=2022-05-01", token: token).status == 200)
        let above = await harness.send("GET", "\(harness.subscription)?api-version=2022-12-01", token: token)
        #expect(above.status == 403)
        #expect(above.errorCode == "AuthorizationFailed")
        #expect(
            above.json?["error"]?["message"]?.stringValue?.hasPrefix(
                "The client '\(principal.objectID)' with object id '\(principal.objectID)' does not have authorization to perform action 'Microsoft.Resources/subscriptions/read'"
            ) == true)
        let write = await harness.send(
            "PUT",
            "\(harness.workspace)/providers/Microsoft.Authorization/roleAssignments/\(SecureRandom.uuid())?\(Self.api)",
            token: token, json: assignmentBody(role: "Reader", principal: principal.objectID))
        #expect(write.status == 403)
        #expect(
            write.json?["error"]?["message"]?.stringValue?.contains("Microsoft.Authorization/roleAssignments/write")
                == true)
    }

    @Test func actionPatterns() {
        let contributor = Roles.builtIn(named: "Contributor")!
        #expect(Roles.grants(contributor, "Microsoft.MachineLearningServices/workspaces/services/aks/write"))
        #expect(!Roles.grants(contributor, "Microsoft.Authorization/roleAssignments/write"))
        let scientist = Roles.builtIn(named: "AzureML Data Scientist")!
        #expect(Roles.grants(scientist, "Microsoft.MachineLearningServices/workspaces/services/aks/listkeys/action"))
        #expect(!Roles.grants(scientist, "Microsoft.MachineLearningServices/workspaces/write"))
        let reader = Roles.builtIn(named: "Reader")!
        #expect(Roles.grants(reader, "Microsoft.MachineLearningServices/workspaces/services/aks/read"))
        #expect(!Roles.grants(reader, "Microsoft.MachineLearningServices/workspaces/services/aks/listkeys/action"))
    }
}
