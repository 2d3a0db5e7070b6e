/// One thing apply does, decided by the planner and carried out verbatim by the executor: the plan
/// is a program, not a report. Values only apply can know (a new application's object id, the
/// service principal a role assignment names) flow through the apply context, never through a
/// second look at the live state.
///
/// A service principal's steps act on one application: the live one `useApplication` names, or
/// the one `createApplication` makes; they run in order.
public enum Step: Sendable, Equatable {
    // MARK: Applications and service principals (Microsoft Graph)
    /// Creates the application by its deterministic `uniqueName` (Graph's upsert), or updates the
    /// one that already has it: two applies that both planned this create make one application.
    case createApplication(displayName: String, tags: [String], uniqueName: String)
    case useApplication(ApplicationReference)
    case setApplicationTags([String])
    case setDisplayName(String)
    /// Finds or creates the application's service principal (created with these tags).
    case ensureServicePrincipal(tags: [String])
    /// Adds a password, delivers it to its sink, and removes it again if delivery fails.
    case addPassword(PasswordRequest)
    case removePassword(keyID: String)
    /// Replaces the application's whole certificate collection (Graph has no per-key update).
    /// Graph's PATCH replaces the whole collection: `keeping` names (by keyId) the certificates
    /// amlauth does not own, re-sent unchanged so that none is dropped (audit D12).
    case setCertificates([CertificateUpload], keeping: [String] = [])
    case createFederatedCredential(DesiredFederatedCredential)
    /// Changes issuer, subject or audiences in place (Graph's PATCH by id): unlike delete and
    /// create, no moment without the credential (fidelity audit D11).
    case updateFederatedCredential(id: String, DesiredFederatedCredential)
    case deleteFederatedCredential(id: String, name: String)
    case deleteApplication(objectID: String)

    // MARK: Role assignments (ARM)
    case putRoleAssignment(RoleAssignmentPut)
    case deleteRoleAssignment(scope: AzureResourceID, name: String)

    // MARK: Custom roles (ARM; Step+RoleDefinition.swift)
    /// Creates or updates the custom role (ARM PUT by its GUID: repeating it converges).
    case putRoleDefinition(RoleDefinitionPut)
    /// Deletes the custom role; its assignments are deleted first (`dependsOn`).
    case deleteRoleDefinition(RoleDefinitionDelete)

    // MARK: Web services (Azure ML v1 model management)
    case createService(ServiceDefinition)
    case patchService(workspace: AzureResourceID, name: String, patches: [ServicePatch])
    case regenerateKey(workspace: AzureResourceID, name: String, key: ServiceKey)
    case deleteService(workspace: AzureResourceID, name: String)

    // MARK: Online endpoints (Azure ML v2, ARM)
    /// Creates or replaces the endpoint (ARM PUT, whole resource) and waits for it.
    case putOnlineEndpoint(OnlineEndpointPut)
    case putOnlineDeployment(OnlineDeploymentPut)
    case regenerateOnlineEndpointKey(endpoint: AzureResourceID, key: ServiceKey)
    /// Reads the v1 service's primary and secondary keys and sets them on the endpoint
    /// (`regenerateKeys` with `keyValue`). The keys are read by apply and never written anywhere.
    case copyOnlineEndpointKeys(endpoint: AzureResourceID, workspace: AzureResourceID, service: String)
    case deleteOnlineDeployment(AzureResourceID)
    /// Deletes the endpoint and, with it, its deployments (ARM deletes children with the parent).
    case deleteOnlineEndpoint(AzureResourceID)
    /// Uploads a deployment's code directory and registers its code version, unless the version
    /// its content hash names exists already (`OnlineDeploymentCode.swift`).
    case uploadOnlineCode(OnlineCodeUpload)
}

/// A live application the planner found, with what apply needs to act on it.
public struct ApplicationReference: Sendable, Equatable {
    public var objectID: String
    public var appID: String
    /// Its service principal's object id, when it has one.
    public var servicePrincipalID: String?

    public init(objectID: String, appID: String, servicePrincipalID: String?) {
        self.objectID = objectID
        self.appID = appID
        self.servicePrincipalID = servicePrincipalID
    }
}

/// A new password: named `amlauth:<credential>:<serial>`, valid for `lifetime` from the moment
/// apply creates it, and written to `sink` only.
public struct PasswordRequest: Sendable, Equatable {
    public var credential: String
    public var serial: Int
    public var lifetime: ManifestDuration
    public var sink: SecretSink

    public init(credential: String, serial: Int, lifetime: ManifestDuration, sink: SecretSink) {
        self.credential = credential
        self.serial = serial
        self.lifetime = lifetime
        self.sink = sink
    }

    /// The password's displayName, amlauth's ownership marker.
    public var displayName: String { Markers.passwordName(credential, serial: serial) }
}

/// A public certificate to set on an application, with amlauth's marker as its displayName.
public struct CertificateUpload: Sendable, Equatable {
    public var displayName: String
    public var der: [UInt8]

    public init(displayName: String, der: [UInt8]) {
        self.displayName = displayName
        self.der = der
    }
}

/// Whose role assignment: an object id known when planning, or the service principal a change of
/// this apply creates.
public enum AssigneeReference: Sendable, Equatable {
    case id(GUID)
    case createdBy(ResourceAddress)
}

/// A role-assignment PUT. `name` is nil when it depends on a principal created during apply: it
/// is then the deterministic name of the triple, computed once the principal exists.
public struct RoleAssignmentPut: Sendable, Equatable {
    public var scope: AzureResourceID
    public var role: GUID
    public var principal: AssigneeReference
    public var principalType: PrincipalType?
    public var name: String?
    public var description: String

    public init(
        scope: AzureResourceID, role: GUID, principal: AssigneeReference, principalType: PrincipalType?, name: String?,
        description: String
    ) {
        self.scope = scope
        self.role = role
        self.principal = principal
        self.principalType = principalType
        self.name = name
        self.description = description
    }
}

/// Everything model management needs to create a v1 web service.
public struct ServiceDefinition: Sendable, Equatable {
    public var workspace: AzureResourceID
    public var name: String
    public var computeType: ComputeType
    public var computeTarget: String?
    public var authEnabled: Bool
    public var tokenAuthEnabled: Bool
    public var cpuCores: Double
    public var memoryGB: Double
    public var kvTags: [String: String]
    public var models: [VersionedName]
    public var entryScript: String
    public var environment: VersionedName
    public var description: String?
    /// The entry script's content (read at plan time), uploaded before the create; nil when the
    /// plan was made without it, which the client refuses.
    public var entryScriptFile: EntryScriptFile?

    public init(
        workspace: AzureResourceID, name: String, computeType: ComputeType, computeTarget: String?, authEnabled: Bool,
        tokenAuthEnabled: Bool,
        cpuCores: Double, memoryGB: Double, kvTags: [String: String], models: [VersionedName], entryScript: String,
        environment: VersionedName,
        description: String?, entryScriptFile: EntryScriptFile? = nil
    ) {
        self.workspace = workspace
        self.name = name
        self.computeType = computeType
        self.computeTarget = computeTarget
        self.authEnabled = authEnabled
        self.tokenAuthEnabled = tokenAuthEnabled
        self.cpuCores = cpuCores
        self.memoryGB = memoryGB
        self.kvTags = kvTags
        self.models = models
        self.entryScript = entryScript
        self.environment = environment
        self.description = description
        self.entryScriptFile = entryScriptFile
    }
}

/// One in-place change to a web service; the model-management client turns it into JSON-patch.
public enum ServicePatch: Sendable, Equatable {
    case kvTags([String: String])
    case authEnabled(Bool)
    case tokenAuthEnabled(Bool)
    case cpuCores(Double)
    case memoryGB(Double)
    /// A new definition (models, entry script, environment): azureml-core's `update(models=…,
    /// inference_config=…)` replaces `/environmentImageRequest` in place.
    /// `script` is the entry script's content, uploaded before the patch (nil: the client refuses).
    case definition(models: [VersionedName], entryScript: String, environment: VersionedName, script: EntryScriptFile?)
}

/// Which of a key-auth service's two keys.
public enum ServiceKey: String, Sendable, Equatable, CaseIterable {
    case primary, secondary
}
