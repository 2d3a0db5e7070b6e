import AMLAuthCore
import AuthCrypto
import LocalCloud
import Testing
import WireFormat

/// Custom role definitions: PUT, GET, list by name and type, DELETE, assignable scopes enforced
/// when assigning, and RBAC by action, so a token-only role grants exactly that.
struct CustomRoleTests {
    static let api = "api-version=2022-04-01"
    static let tokenAction = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/token/action"

    static func roleBody(name: String, actions: [String], scopes: [String]) -> JSONValue {
        .object([
            (
                "properties",
                .object([
                    ("roleName", .string(name)), ("type", .string("CustomRole")),
                    ("description", .string("fetches endpoint tokens")),
                    ("assignableScopes", .array(scopes.map(JSONValue.string))),
                    (
                        "permissions",
                        .array([
                            .object([
                                ("actions", .array(actions.map(JSONValue.string))), ("notActions", .array([])),
                                ("dataActions", .array([])), ("notDataActions", .array([])),
                            ])
                        ])
                    ),
                ])
            )
        ])
    }

    func assignment(role: String, principal: String) -> JSONValue {
        .object([
            (
                "properties",
                .object([
                    ("roleDefinitionId", .string("/providers/Microsoft.Authorization/roleDefinitions/\(role)")),
                    ("principalId", .string(principal)), ("principalType", .string("ServicePrincipal")),
                ])
            )
        ])
    }

    @Test func lifecycleFiltersAndErrors() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        let id = SecureRandom.uuid()
        let url = "\(harness.workspace)/providers/Microsoft.Authorization/roleDefinitions/\(id)?\(Self.api)"
        let created = await harness.send(
            "PUT", url, token: token,
            json: Self.roleBody(name: "Endpoint Token Reader", actions: [Self.tokenAction], scopes: [harness.workspace])
        )
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json?["properties"]?["type"]?.stringValue == "CustomRole")
        #expect(
            created.json?["id"]?.stringValue
                == "\(harness.subscription)/providers/Microsoft.Authorization/roleDefinitions/\(id)")
        let read = await harness.send("GET", url, token: token)
        #expect(read.json?["properties"]?["roleName"]?.stringValue == "Endpoint Token Reader")
        #expect(
            read.json?["properties"]?["permissions"]?.arrayValue?.first?["actions"]?.arrayValue?.first?.stringValue
                == Self.tokenAction)
        let list = "\(harness.workspace)/providers/Microsoft.Authorization/roleDefinitions?\(Self.api)"
        let byName = await harness.send(
            "GET", list + "&$filter=\(FormEncoding.percentEncode("roleName eq 'Endpoint Token Reader'"))", token: token)
        #expect(byName.json?["value"]?.arrayValue?.map { $0["name"]?.stringValue } == [id])
        let customs = await harness.send(
            "GET", list + "&$filter=\(FormEncoding.percentEncode("type eq 'CustomRole'"))", token: token)
        #expect(customs.json?["value"]?.arrayValue?.count == 1)
        // Not listed where it cannot be assigned (above its assignable scopes).
        let above = await harness.send(
            "GET",
            "\(harness.subscription)/providers/Microsoft.Authorization/roleDefinitions?\(Self.api)&$filter=\(FormEncoding.percentEncode("type eq 'CustomRole'"))",
            token: token)
        #expect(above.json?["value"]?.arrayValue?.isEmpty == true)
        // `atScopeAndBelow()` searches below the scope as well (REST spec, RoleDefinitions_List).
        let below = await harness.send(
            "GET",
            "\(harness.subscription)/providers/Microsoft.Authorization/roleDefinitions?\(Self.api)&$filter=\(FormEncoding.percentEncode("atScopeAndBelow()"))",
            token: token)
        #expect(
            below.json?["value"]?.arrayValue?.filter { $0["properties"]?["type"]?.stringValue == "CustomRole" }.map {
                $0["name"]?.stringValue
            } == [id])
        // Updating keeps the id; a second role with the same name is refused.
        let updated = await harness.send(
            "PUT", url, token: token,
            json: Self.roleBody(
                name: "Endpoint Token Reader", actions: [Self.tokenAction, "*/read"], scopes: [harness.workspace]))
        #expect(updated.status == 200)
        let clash = await harness.send(
            "PUT",
            "\(harness.workspace)/providers/Microsoft.Authorization/roleDefinitions/\(SecureRandom.uuid())?\(Self.api)",
            token: token,
            json: Self.roleBody(name: "endpoint token reader", actions: [], scopes: [harness.workspace]))
        #expect(clash.status == 409)
        #expect(clash.errorCode == "RoleDefinitionWithSameNameExists")
        let noScopes = await harness.send(
            "PUT",
            "\(harness.workspace)/providers/Microsoft.Authorization/roleDefinitions/\(SecureRandom.uuid())?\(Self.api)",
            token: token, json: Self.roleBody(name: "Scopeless", actions: [], scopes: []))
        #expect(noScopes.status == 400)
        // In use: not deletable; unassigned: deleted, then gone.
        let principal = try await harness.makePrincipal("holder")
        let assignmentURL =
            "\(harness.workspace)/providers/Microsoft.Authorization/roleAssignments/\(SecureRandom.uuid())?\(Self.api)"
        #expect(
            await harness.send(
                "PUT", assignmentURL, token: token, json: assignment(role: id, principal: principal.objectID)
            ).status == 201)
        let busy = await harness.send("DELETE", url, token: token)
        #expect(busy.status == 409)
        #expect(busy.errorCode == "RoleDefinitionHasAssignments")
        #expect(await harness.send("DELETE", assignmentURL, token: token).status == 200)
        #expect(await harness.send("DELETE", url, token: token).status == 200)
        #expect(await harness.send("DELETE", url, token: token).status == 204)
        #expect(await harness.send("GET", url, token: token).errorCode == "RoleDefinitionDoesNotExist")
    }

    @Test func assignableScopesAreEnforced() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        let id = SecureRandom.uuid()
        let endpoint = "\(harness.workspace)/onlineEndpoints/ep-scoped"
        let put = await harness.send(
            "PUT", "\(endpoint)/providers/Microsoft.Authorization/roleDefinitions/\(id)?\(Self.api)", token: token,
            json: Self.roleBody(name: "Scoped", actions: [Self.tokenAction], scopes: [endpoint]))
        #expect(put.status == 201, "\(put.text)")
        let principal = try await harness.makePrincipal("scoped")
        let atWorkspace = await harness.send(
            "PUT",
            "\(harness.workspace)/providers/Microsoft.Authorization/roleAssignments/\(SecureRandom.uuid())?\(Self.api)",
            token: token, json: assignment(role: id, principal: principal.objectID))
        #expect(atWorkspace.status == 400)
        #expect(atWorkspace.errorCode == "RoleDefinitionDoesNotExist")
        let atEndpoint = await harness.send(
            "PUT", "\(endpoint)/providers/Microsoft.Authorization/roleAssignments/\(SecureRandom.uuid())?\(Self.api)",
            token: token, json: assignment(role: id, principal: principal.objectID))
        #expect(atEndpoint.status == 201, "\(atEndpoint.text)")
    }

    @Test func creatingRolesNeedsRoleDefinitionsWrite() async throws {
        let harness = try Harness.make()
        let contributor = try await harness.makePrincipal("contributor")
        try await harness.assign("Contributor", to: contributor.objectID, at: harness.resourceGroup)
        let token = try await harness.token(clientID: contributor.appID, secret: contributor.secret)
        let denied = await harness.send(
            "PUT",
            "\(harness.workspace)/providers/Microsoft.Authorization/roleDefinitions/\(SecureRandom.uuid())?\(Self.api)",
            token: token, json: Self.roleBody(name: "Nope", actions: [], scopes: [harness.workspace]))
        #expect(denied.status == 403)
        #expect(denied.json?["error"]?["message"]?.stringValue?.contains("roleDefinitions/write") == true)
    }

    /// The least-privilege case: a role with only `token/action` fetches AML tokens and nothing
    /// else (no read, no keys, no writes).
    @Test func aTokenOnlyRoleFetchesTokensAndNothingElse() async throws {
        let harness = try Harness.make()
        let owner = try await harness.armToken()
        let endpoints = "\(harness.workspace)/onlineEndpoints"
        for (name, mode) in [("ep-token", "AMLToken"), ("ep-key", "Key")] {
            let created = await harness.send(
                "PUT", "\(endpoints)/\(name)?\(OnlineEndpointTests.api)", token: owner,
                json: OnlineEndpointTests.endpointBody(auth: mode))
            #expect(created.status == 201)
        }
        harness.clock.advance(3)
        let id = SecureRandom.uuid()
        #expect(
            await harness.send(
                "PUT", "\(harness.workspace)/providers/Microsoft.Authorization/roleDefinitions/\(id)?\(Self.api)",
                token: owner,
                json: Self.roleBody(name: "Token Only", actions: [Self.tokenAction], scopes: [harness.workspace])
            ).status == 201)
        let client = try await harness.makePrincipal("token-client")
        #expect(
            await harness.send(
                "PUT",
                "\(harness.workspace)/providers/Microsoft.Authorization/roleAssignments/\(SecureRandom.uuid())?\(Self.api)",
                token: owner, json: assignment(role: id, principal: client.objectID)
            ).status == 201)
        let token = try await harness.token(clientID: client.appID, secret: client.secret)
        let api = OnlineEndpointTests.api
        #expect(await harness.send("POST", "\(endpoints)/ep-token/token?\(api)", token: token).status == 200)
        #expect(await harness.send("GET", "\(endpoints)/ep-token?\(api)", token: token).status == 403)
        #expect(await harness.send("POST", "\(endpoints)/ep-key/listKeys?\(api)", token: token).status == 403)
        #expect(await harness.send("DELETE", "\(endpoints)/ep-token?\(api)", token: token).status == 403)
        #expect(await harness.send("GET", "\(harness.workspace)?api-version=2022-05-01", token: token).status == 403)
    }
}
