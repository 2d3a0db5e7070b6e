import AMLAuthCore
import AuthCrypto
import YAMLSource

/// What a fresh local cloud contains: one tenant and subscription, resource group `ml-rg`,
/// workspace `ml-example` with AKS compute `aks-cluster-1`, and a bootstrap service principal
/// with Owner on the subscription. Every workspace has the registered environment `sklearn-env`
/// version 2 and the registered model `sklearn-mnist` versions 1 to 3 (what the examples'
/// services reference; more can be registered through the environment and model APIs, as the
/// SDK's `Environment.register` and `Model.register` do). A seed file can add workspaces,
/// computes and principals.
public struct Seed: Sendable {
    public struct Workspace: Sendable {
        public var name: String
        public var resourceGroup: String
        public var location: String

        public init(name: String, resourceGroup: String, location: String) {
            self.name = name
            self.resourceGroup = resourceGroup
            self.location = location
        }
    }

    public struct Compute: Sendable {
        public var name: String
        public var workspace: String
        public var location: String?
    }

    public struct Principal: Sendable {
        /// `User`, `Group` or `ServicePrincipal`.
        public var type: String
        public var displayName: String
        public var objectID: String?
        /// A role on the subscription, by built-in name.
        public var subscriptionRole: String?
    }

    public var location = "westeurope"
    public var workspaces: [Workspace] = [Workspace(name: "ml-example", resourceGroup: "ml-rg", location: "westeurope")]
    public var computes: [Compute] = [Compute(name: "aks-cluster-1", workspace: "ml-example", location: nil)]
    public var principals: [Principal] = []

    public init() {}

    /// Reads a seed file:
    /// ```yaml
    /// location: chinaeast2
    /// workspaces: [{name: ml-prod, resource_group: prod-rg, location: chinaeast2}]
    /// computes: [{name: aks-prod, workspace: ml-prod, location: chinanorth3}]
    /// principals: [{type: Group, display_name: data-scientists, subscription_role: Reader}]
    /// ```
    /// Entries add to the defaults. Errors name the line.
    public init(yaml bytes: [UInt8], file: String) throws(SeedError) {
        let parsed = YAMLParser().parse(bytes, file: file)
        if let error = parsed.errors.first { throw SeedError("\(error.location): \(error.message)") }
        guard let root = parsed.documents.first?.root, let pairs = root.pairs else {
            throw SeedError("\(file): a seed file is a mapping")
        }
        func text(_ node: YAMLNode?, _ what: String, in item: YAMLNode) throws(SeedError) -> String {
            guard let value = node?.scalar?.value, !value.isEmpty else {
                throw SeedError("\(item.location): missing '\(what)'")
            }
            return value
        }
        for pair in pairs {
            switch pair.key {
            case "location":
                location = try text(pair.value, "location", in: pair.value)
            case "workspaces":
                for item in pair.value.items ?? [] {
                    workspaces.append(
                        Workspace(
                            name: try text(item["name"], "name", in: item),
                            resourceGroup: try text(item["resource_group"], "resource_group", in: item),
                            location: item["location"]?.scalar?.value ?? location))
                }
            case "computes":
                for item in pair.value.items ?? [] {
                    computes.append(
                        Compute(
                            name: try text(item["name"], "name", in: item),
                            workspace: try text(item["workspace"], "workspace", in: item),
                            location: item["location"]?.scalar?.value))
                }
            case "principals":
                for item in pair.value.items ?? [] {
                    let type = try text(item["type"], "type", in: item)
                    guard ["User", "Group", "ServicePrincipal"].contains(type) else {
                        throw SeedError("\(item.location): type is User, Group or ServicePrincipal")
                    }
                    principals.append(
                        Principal(
                            type: type, displayName: try text(item["display_name"], "display_name", in: item),
                            objectID: item["object_id"]?.scalar?.value,
                            subscriptionRole: item["subscription_role"]?.scalar?.value))
                }
            default:
                throw SeedError(
                    "\(pair.keyLocation): unknown seed field '\(pair.key)' (location, workspaces, computes, principals)"
                )
            }
        }
    }

    /// The initial state. Identifiers are random per data directory, like a real tenant's.
    public func makeState(now: Double) throws(SeedError) -> CloudState {
        let bootstrapApp = SecureRandom.uuid()
        let secret = BootstrapSecret.make()
        var state = CloudState(
            tenantID: SecureRandom.uuid(), tenantDomain: "amlauthlocal.onmicrosoft.com",
            subscriptionID: SecureRandom.uuid(),
            subscriptionName: "amlauth local subscription", bootstrapClientID: bootstrapApp,
            bootstrapClientSecret: secret)
        for workspace in workspaces {
            if !state.resourceGroups.contains(where: { $0.name.lowercased() == workspace.resourceGroup.lowercased() }) {
                state.resourceGroups.append(
                    ResourceGroupRecord(name: workspace.resourceGroup, location: workspace.location))
            }
            state.workspaces.append(
                WorkspaceRecord(
                    name: workspace.name, resourceGroup: workspace.resourceGroup, location: workspace.location,
                    workspaceID: SecureRandom.uuid()))
        }
        state.environments = state.workspaces.map { workspace in
            EnvironmentRecord(
                resourceGroup: workspace.resourceGroup, workspace: workspace.name, name: "sklearn-env", version: "2",
                definition: #"{"name":"sklearn-env","version":"2","python":{"userManagedDependencies":false}}"#)
        }
        // `sklearn-mnist` versions 1 to 3 in every workspace: the model the examples' services and
        // the seed's `Model.deploy` name (`sklearn-mnist:3`). More can be registered through MMS,
        // as `Model.register` does.
        state.models = state.workspaces.flatMap { workspace in
            (1...3).map { version in
                ModelRecord(
                    resourceGroup: workspace.resourceGroup, workspace: workspace.name, name: "sklearn-mnist",
                    version: version, url: "aml://asset/" + SecureRandom.uuid().filter { $0 != "-" },
                    mimeType: "application/octet-stream", framework: "ScikitLearn", description: nil, kvTags: [:],
                    properties: [:], createdTime: now - Double(4 - version) * 86_400)
            }
        }
        for compute in computes {
            guard let workspace = state.workspaces.first(where: { $0.name == compute.workspace }) else {
                throw SeedError("compute '\(compute.name)' names unknown workspace '\(compute.workspace)'")
            }
            state.computes.append(
                ComputeRecord(
                    name: compute.name, workspace: workspace.name, resourceGroup: workspace.resourceGroup,
                    computeType: "AKS",
                    location: compute.location ?? workspace.location))
        }
        // One RBAC vault beside the first workspace, for `keyvault:` sinks: nobody may read or set
        // its secrets until granted a Key Vault data role (Owner is not enough, as in Azure).
        if let first = workspaces.first {
            state.vaults = [VaultRecord(name: "ml-vault", resourceGroup: first.resourceGroup, location: first.location)]
        }
        let bootstrap = Directory.newApplication(
            displayName: "amlauth-local-bootstrap", tags: ["amlauth:local-cloud/bootstrap"], appID: bootstrapApp,
            now: now)
        var application = bootstrap.application
        // What amlauth needs: applications written and read, and principals looked up by id.
        application.graphPermissions = ["Application.ReadWrite.All", "Directory.Read.All"]
        application.passwordCredentials.append(
            Directory.passwordRecord(secret: secret, displayName: "bootstrap", start: now, end: now + 10 * 365 * 86_400)
        )
        state.applications.append(application)
        state.servicePrincipals.append(bootstrap.servicePrincipal)
        let owner = Roles.builtIn(named: "Owner")!
        state.roleAssignments.append(
            RoleAssignmentRecord(
                name: SecureRandom.uuid(), scope: "/subscriptions/\(state.subscriptionID)", roleDefinitionID: owner.id,
                principalID: bootstrap.servicePrincipal.id, principalType: "ServicePrincipal",
                description: "local cloud bootstrap owner",
                createdOn: now, createdBy: "local-cloud"))
        // One person who may sign in with `amlauth login` (device code): Owner of the subscription
        // and, in Graph, what an Application Administrator may do, so plan and apply work as them.
        let user = UserRecord(
            id: SecureRandom.uuid(), userPrincipalName: "amlauth-user@\(state.tenantDomain)",
            displayName: "amlauth local user", graphPermissions: ["Application.ReadWrite.All", "Directory.Read.All"])
        state.users = [user]
        state.roleAssignments.append(
            RoleAssignmentRecord(
                name: SecureRandom.uuid(), scope: "/subscriptions/\(state.subscriptionID)", roleDefinitionID: owner.id,
                principalID: user.id, principalType: "User", description: "local cloud user",
                createdOn: now, createdBy: "local-cloud"))
        for principal in principals {
            let id = principal.objectID ?? SecureRandom.uuid()
            if principal.type == "ServicePrincipal" {
                let made = Directory.newApplication(
                    displayName: principal.displayName, tags: [], appID: SecureRandom.uuid(), now: now)
                var sp = made.servicePrincipal
                sp.id = id
                state.applications.append(made.application)
                state.servicePrincipals.append(sp)
            } else {
                state.directoryObjects.append(
                    DirectoryObjectRecord(id: id, type: principal.type, displayName: principal.displayName))
            }
            if let roleName = principal.subscriptionRole {
                guard let role = Roles.builtIn(named: roleName) else {
                    throw SeedError("unknown role '\(roleName)' for '\(principal.displayName)'")
                }
                state.roleAssignments.append(
                    RoleAssignmentRecord(
                        name: SecureRandom.uuid(), scope: "/subscriptions/\(state.subscriptionID)",
                        roleDefinitionID: role.id, principalID: id,
                        principalType: principal.type, description: "seeded", createdOn: now, createdBy: "local-cloud"))
            }
        }
        return state
    }
}

public struct SeedError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Client secrets in the shape Entra issues them (40 characters, `Q~` at offset 4).
enum BootstrapSecret {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.")

    static func make() -> String {
        let bytes = SecureRandom.bytes(40)
        var characters = bytes.map { alphabet[Int($0) % alphabet.count] }
        characters[3] = Character(String(Int(bytes[0]) % 10))
        characters[4] = "Q"
        characters[5] = "~"
        return String(characters)
    }
}
