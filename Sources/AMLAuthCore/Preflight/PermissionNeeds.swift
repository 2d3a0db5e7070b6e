/// What applying needs the caller to hold, and for which manifest object: ARM operations at
/// scopes (answered by ARM's permissions API) and Microsoft Graph application permissions
/// (answered by the Graph token's claims; Graph has no permissions API). Derived from a plan's
/// steps (`amlauth plan`) or from everything the manifests declare (`amlauth whoami --for`).
public struct PermissionNeeds: Sendable, Equatable {
    /// One ARM operation at one scope, and the manifest objects that need it.
    public struct AtScope: Sendable, Equatable {
        public var scope: AzureResourceID
        public var operation: AzureOperation
        public var neededBy: [ResourceAddress]

        public init(scope: AzureResourceID, operation: AzureOperation, neededBy: [ResourceAddress]) {
            self.scope = scope
            self.operation = operation
            self.neededBy = neededBy
        }
    }

    public var arm: [AtScope] = []
    /// The manifest objects whose changes write applications in Microsoft Graph.
    public var graphWriters: [ResourceAddress] = []
    /// A `keyvault:` sink: `setSecret` is checked at its vault's ARM ID, which the sink does not
    /// say (it names the vault only) and is looked up.
    public struct VaultSink: Sendable, Equatable {
        public var vault: String
        public var neededBy: ResourceAddress

        public init(vault: String, neededBy: ResourceAddress) {
            self.vault = vault
            self.neededBy = neededBy
        }
    }

    /// Key Vault sinks, for `setSecret` on their vaults.
    public var vaultSinks: [VaultSink] = []

    public init() {}

    /// The vault names the sinks write to, without case duplicates.
    public var vaults: [String] {
        var seen: Set<String> = []
        return vaultSinks.map(\.vault).filter { seen.insert($0.lowercased()).inserted }
    }

    /// The distinct scopes the ARM operations are needed at, in first-needed order: one
    /// permissions request each.
    public var scopes: [AzureResourceID] {
        var seen: Set<AzureResourceID> = []
        return arm.map(\.scope).filter { seen.insert($0).inserted }
    }

    mutating func need(_ operation: AzureOperation, at scope: AzureResourceID, by address: ResourceAddress) {
        if let index = arm.firstIndex(where: { $0.scope == scope && $0.operation == operation }) {
            if !arm[index].neededBy.contains(address) { arm[index].neededBy.append(address) }
        } else {
            arm.append(AtScope(scope: scope, operation: operation, neededBy: [address]))
        }
    }

    mutating func needGraphWrite(by address: ResourceAddress) {
        if !graphWriters.contains(address) { graphWriters.append(address) }
    }

    mutating func needSetSecret(vault: String, by address: ResourceAddress) {
        if !vaultSinks.contains(where: { $0.vault.lowercased() == vault.lowercased() && $0.neededBy == address }) {
            vaultSinks.append(VaultSink(vault: vault, neededBy: address))
        }
    }
}

/// The operation names amlauth's changes need, as ARM and Azure ML define them.
public enum NeededOperation {
    /// `Microsoft.Authorization/roleAssignments/write`, to create an assignment.
    public static let roleAssignmentWrite = AzureOperation("Microsoft.Authorization/roleAssignments/write")
    /// `Microsoft.Authorization/roleAssignments/delete`.
    public static let roleAssignmentDelete = AzureOperation("Microsoft.Authorization/roleAssignments/delete")
    /// `Microsoft.Authorization/roleDefinitions/write`, to create or update a custom role (asked at
    /// the subscription the role is written in).
    public static let roleDefinitionWrite = AzureOperation("Microsoft.Authorization/roleDefinitions/write")
    /// `Microsoft.Authorization/roleDefinitions/delete`.
    public static let roleDefinitionDelete = AzureOperation("Microsoft.Authorization/roleDefinitions/delete")
    /// Key Vault's data action for a new secret version (RBAC vaults).
    public static let setSecret = AzureOperation("Microsoft.KeyVault/vaults/secrets/setSecret/action", plane: .data)

    /// An Azure ML v1 web-service action, per compute type, as the Azure ML resource provider
    /// names them (`Microsoft.MachineLearningServices/workspaces/services/aks/write`,
    /// `…/aci/delete`, `…/aks/regeneratekeys/action`; learn.microsoft.com, "Azure permissions
    /// for AI + machine learning", Microsoft.MachineLearningServices).
    /// An Azure ML v2 online-endpoint action (`…/workspaces/onlineEndpoints/write`,
    /// `…/onlineEndpoints/deployments/write`, `…/onlineEndpoints/regenerateKeys/action`; the same
    /// provider operations list).
    public static func onlineEndpoint(_ verb: String) -> AzureOperation {
        AzureOperation("Microsoft.MachineLearningServices/workspaces/onlineEndpoints/\(verb)")
    }

    /// Registering a code version (and its `startPendingUpload`): `…/workspaces/codes/versions/write`.
    public static let codeVersionWrite = AzureOperation(
        "Microsoft.MachineLearningServices/workspaces/codes/versions/write")

    public static func service(_ computeType: String, _ verb: String) -> AzureOperation {
        AzureOperation("Microsoft.MachineLearningServices/workspaces/services/\(computeType.lowercased())/\(verb)")
    }
}

extension PermissionNeeds {
    /// The workspace an endpoint or deployment lives in: permissions are asked for there, since
    /// a resource about to be created has no permissions of its own to list.
    static func workspace(of id: AzureResourceID) -> AzureResourceID {
        var workspace = id
        workspace.segments = Array(id.segments.prefix { $0.type.lowercased() != "onlineendpoints" })
        return workspace
    }

    /// What `plan` needs: each step's operation, where it acts, for the change that carries it.
    /// A patched, re-keyed or deleted service takes its compute type from `live`.
    public init(plan: Plan, live: LiveState) {
        self.init()
        func computeType(_ workspace: AzureResourceID, _ name: String) -> String {
            live.webservices.first { $0.workspaceID == workspace && $0.name.lowercased() == name.lowercased() }?
                .computeType ?? ComputeType.aks.rawValue
        }
        for change in plan.changes {
            let address = change.address
            for step in change.steps {
                switch step {
                case .createApplication, .setApplicationTags, .setDisplayName, .ensureServicePrincipal,
                    .removePassword, .setCertificates, .createFederatedCredential, .updateFederatedCredential,
                    .deleteFederatedCredential, .deleteApplication:
                    needGraphWrite(by: address)
                case .addPassword(let request):
                    needGraphWrite(by: address)
                    if case .keyVault(let vault, _) = request.sink { needSetSecret(vault: vault, by: address) }
                case .useApplication: break
                case .putRoleAssignment(let put): need(NeededOperation.roleAssignmentWrite, at: put.scope, by: address)
                case .deleteRoleAssignment(let scope, _):
                    need(NeededOperation.roleAssignmentDelete, at: scope, by: address)
                case .putRoleDefinition(let put):
                    need(NeededOperation.roleDefinitionWrite, at: put.subscription, by: address)
                case .deleteRoleDefinition(let delete):
                    need(NeededOperation.roleDefinitionDelete, at: delete.subscription, by: address)
                case .createService(let definition):
                    need(
                        NeededOperation.service(definition.computeType.rawValue, "write"), at: definition.workspace,
                        by: address)
                case .patchService(let workspace, let name, _):
                    need(NeededOperation.service(computeType(workspace, name), "write"), at: workspace, by: address)
                case .regenerateKey(let workspace, let name, _):
                    need(
                        NeededOperation.service(computeType(workspace, name), "regeneratekeys/action"), at: workspace,
                        by: address)
                case .deleteService(let workspace, let name):
                    need(NeededOperation.service(computeType(workspace, name), "delete"), at: workspace, by: address)
                case .putOnlineEndpoint(let put):
                    need(NeededOperation.onlineEndpoint("write"), at: put.workspaceID, by: address)
                case .putOnlineDeployment(let put):
                    need(
                        NeededOperation.onlineEndpoint("deployments/write"), at: Self.workspace(of: put.endpointID),
                        by: address)
                case .regenerateOnlineEndpointKey(let endpoint, _):
                    need(
                        NeededOperation.onlineEndpoint("regenerateKeys/action"), at: Self.workspace(of: endpoint),
                        by: address)
                case .copyOnlineEndpointKeys(let endpoint, let workspace, let service):
                    need(
                        NeededOperation.service(computeType(workspace, service), "listkeys/action"), at: workspace,
                        by: address)
                    need(
                        NeededOperation.onlineEndpoint("regenerateKeys/action"), at: Self.workspace(of: endpoint),
                        by: address)
                case .deleteOnlineDeployment(let id):
                    need(NeededOperation.onlineEndpoint("deployments/delete"), at: Self.workspace(of: id), by: address)
                case .deleteOnlineEndpoint(let id):
                    need(NeededOperation.onlineEndpoint("delete"), at: Self.workspace(of: id), by: address)
                case .uploadOnlineCode(let upload):
                    need(NeededOperation.codeVersionWrite, at: upload.workspaceID, by: address)
                }
            }
        }
    }

    /// What applying every manifest from nothing would need (`whoami --for`): assignment writes at
    /// each scope, service writes in each workspace, Graph writes for each service principal, and
    /// `setSecret` on each Key Vault sink's vault; without reading or planning anything.
    public init(desired: DesiredState) {
        self.init()
        for principal in desired.servicePrincipals {
            needGraphWrite(by: principal.address)
            for password in principal.passwords {
                if case .keyVault(let vault, _) = password.sink { needSetSecret(vault: vault, by: principal.address) }
            }
        }
        for assignment in desired.roleAssignments {
            need(NeededOperation.roleAssignmentWrite, at: assignment.scope, by: assignment.address)
        }
        for definition in desired.roleDefinitions {
            need(NeededOperation.roleDefinitionWrite, at: definition.subscription, by: definition.address)
        }
        for service in desired.webservices {
            need(
                NeededOperation.service(service.computeType.rawValue, "write"), at: service.workspaceID,
                by: service.address)
        }
    }

    /// The scopes a plan of `desired` is likely to need, known before anything is read, so their
    /// permissions are read together with the live state: every role-assignment scope and every
    /// declared workspace. A plan that needs another scope (an orphan elsewhere) reads it after.
    public static func likelyScopes(_ desired: DesiredState) -> [AzureResourceID] {
        var seen: Set<AzureResourceID> = []
        let subscriptions = desired.roleDefinitions.map(\.subscription)
        return (desired.roleAssignments.map(\.scope) + desired.workspaces.map(\.id) + subscriptions).filter {
            seen.insert($0).inserted
        }
    }
}
