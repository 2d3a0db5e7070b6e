import YAMLSource

/// Decodes one YAML document into a typed resource: the document envelope (`apiVersion`, `kind`,
/// `metadata`, `spec`), then the kind's spec through `SpecChecker`, then a draft of the typed value
/// (every resource with a mapping spec, for the rules) and, when the draft is complete, the typed
/// manifest (for planning).
struct ManifestDecoder {
    var checker: SpecChecker
    var diagnostics: Diagnostics { checker.diagnostics }
    /// Every resource as far as it could be read, complete or not.
    private(set) var drafts = ManifestDrafts()

    init(environment: [String: String]) {
        checker = SpecChecker(environment: environment)
    }

    /// Decodes `root` and appends the resource to `set`; problems go to the decoder's diagnostics.
    mutating func decode(_ root: YAMLNode, into set: inout ManifestSet) {
        if root.scalar?.isNull == true { return }  // an empty document (e.g. a trailing `---`).
        guard let pairs = root.pairs else {
            checker.diagnostics.report(
                .notAManifest,
                "a manifest document must be a mapping with apiVersion, kind, metadata and spec, not \(SpecChecker.describe(root))",
                at: root.location)
            return
        }
        if let foreign = Self.foreignReason(root) {
            checker.diagnostics.report(
                .foreignDocument, "skipped a document that is not an amlauth manifest (\(foreign))", at: root.location,
                hint:
                    "amlauth reads documents with 'apiVersion: \(ManifestSchema.apiVersion)'; keep other YAML out of the manifest directory to silence this note"
            )
            return
        }
        var secretFindings = Diagnostics()
        checker.secretKeys.formUnion(SecretScanner.scan(root, into: &secretFindings))
        checker.secretValues.formUnion(secretFindings.redactions)
        checker.diagnostics.append(contentsOf: secretFindings)

        for pair in pairs
        where !ManifestSchema.documentFields.contains(pair.key) && !checker.secretKeys.contains(pair.keyLocation)
            && !checker.secretValues.contains(pair.value.location)
        {
            checker.diagnostics.report(
                .unknownField, "unknown top-level field '\(pair.key)'", at: pair.keyLocation,
                hint: Suggestion.hint(for: pair.key, in: ManifestSchema.documentFields))
        }
        let apiVersionOK = checkAPIVersion(root)
        guard let (kind, kindLocation) = kind(of: root) else { return }
        let metadata = root["metadata"].flatMap {
            checker.checkObject(
                $0, ManifestSchema.metadata, keyLocation: pairs.first { $0.key == "metadata" }?.keyLocation)
        }
        if root["metadata"] == nil {
            checker.diagnostics.report(
                .missingField, "missing required field 'metadata' (with a name) in \(kind.rawValue)", at: kindLocation)
        }
        guard let specNode = root["spec"] else {
            checker.diagnostics.report(
                .missingField, "missing required field 'spec' in \(kind.rawValue)", at: kindLocation)
            return
        }
        let spec = checker.checkObject(
            specNode, ManifestSchema.spec(for: kind), keyLocation: pairs.first { $0.key == "spec" }?.keyLocation)
        guard let nameValue = metadata?["name"], let name = nameValue.string, checkName(name, at: nameValue.location)
        else { return }
        set.declarations.append(
            Declaration(
                address: ResourceAddress(kind, name), kindLocation: kindLocation, nameLocation: nameValue.location))
        guard apiVersionOK, let spec else { return }
        let source = ResourceSource(location: kindLocation, nameLocation: nameValue.location, spec: spec)
        switch kind {
        case .target:
            let target = decodeTarget(name, source)
            drafts.targets.append(target)
            if let complete = target.manifest { set.targets.append(complete) }
        case .workspace:
            let workspace = decodeWorkspace(name, source)
            drafts.workspaces.append(workspace)
            if let complete = workspace.manifest { set.workspaces.append(complete) }
        case .servicePrincipal:
            let principal = decodeServicePrincipal(name, source)
            drafts.servicePrincipals.append(principal)
            set.servicePrincipals.append(principal)
        case .roleDefinition:
            let definition = decodeRoleDefinition(name, source)
            drafts.roleDefinitions.append(definition)
            if let complete = definition.manifest { set.roleDefinitions.append(complete) }
        case .roleAssignment:
            let assignment = decodeRoleAssignment(name, source)
            drafts.roleAssignments.append(assignment)
            if let complete = assignment.manifest { set.roleAssignments.append(complete) }
        case .webservice:
            let service = decodeWebservice(name, source)
            drafts.webservices.append(service)
            if let complete = service.manifest { set.webservices.append(complete) }
        case .onlineEndpoint:
            let endpoint = decodeOnlineEndpoint(name, source)
            drafts.onlineEndpoints.append(endpoint)
            if let complete = endpoint.manifest { set.onlineEndpoints.append(complete) }
        case .onlineDeployment:
            let deployment = decodeOnlineDeployment(name, source)
            drafts.onlineDeployments.append(deployment)
            if let complete = deployment.manifest { set.onlineDeployments.append(complete) }
        }
    }

    // MARK: Envelope

    /// Why a mapping document is someone else's YAML, or nil when it is (meant to be) amlauth's.
    /// Foreign: an `apiVersion` outside `amlauth/` with a kind amlauth does not have (a Kubernetes
    /// object), or none of the envelope's fields at all (docker-compose, a workflow file). Anything
    /// else, a typo in `apiVersion` or `kind` included, stays amlauth's and gets its errors: a
    /// resource must never vanish from the set because of a typo.
    static func foreignReason(_ root: YAMLNode) -> String? {
        let apiVersion = root["apiVersion"]?.scalar?.value
        let kind = root["kind"]?.scalar?.value
        if let apiVersion, !apiVersion.hasPrefix("amlauth/"), kind.flatMap(ManifestKind.init(rawValue:)) == nil {
            return "apiVersion '\(apiVersion)'" + (kind.map { ", kind '\($0)'" } ?? "")
        }
        if ManifestSchema.documentFields.allSatisfy({ root[$0] == nil }) {
            return "no apiVersion, kind, metadata or spec"
        }
        return nil
    }

    private mutating func checkAPIVersion(_ root: YAMLNode) -> Bool {
        guard let node = root["apiVersion"] else {
            checker.diagnostics.report(
                .missingField, "missing 'apiVersion'", at: root.location,
                hint: "add 'apiVersion: \(ManifestSchema.apiVersion)'")
            return false
        }
        guard let scalar = node.scalar, scalar.value == ManifestSchema.apiVersion else {
            checker.diagnostics.report(
                .apiVersion,
                "unsupported apiVersion \(Self.quoted(node)); this amlauth reads \(ManifestSchema.apiVersion)",
                at: node.location)
            return false
        }
        return true
    }

    private mutating func kind(of root: YAMLNode) -> (ManifestKind, SourceLocation)? {
        guard let node = root["kind"] else {
            checker.diagnostics.report(
                .missingField, "missing 'kind'", at: root.location,
                hint: "one of \(ManifestKind.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        guard let text = node.scalar?.value, let kind = ManifestKind(rawValue: text) else {
            let text = node.scalar?.value ?? ""
            checker.diagnostics.report(
                .unknownKind,
                "unknown kind \(Self.quoted(node)); expected \(ManifestKind.allCases.map(\.rawValue).joined(separator: " | "))",
                at: node.location, hint: Suggestion.hint(for: text, in: ManifestKind.allCases.map(\.rawValue)))
            return nil
        }
        return (kind, node.location)
    }

    /// A scalar as `'text'`, anything else described.
    private static func quoted(_ node: YAMLNode) -> String {
        guard let scalar = node.scalar, !scalar.isNull else { return SpecChecker.describe(node) }
        return "'\(scalar.value)'"
    }

    /// Names are handles in messages, markers and file names: letters, digits, `-`, `_`, `.`.
    private mutating func checkName(_ name: String, at location: SourceLocation) -> Bool {
        let scalars = Array(name.unicodeScalars)
        let valid =
            (1...128).contains(scalars.count)
            && scalars.allSatisfy { ASCII.isWord($0, or: "-_.") }
            && scalars.first.map(ASCII.isAlphanumeric) == true
        if !valid {
            checker.diagnostics.report(
                .invalidName, "'\(name)' is not a valid name", at: location,
                hint: "use 1 to 128 letters, digits, '-', '_' or '.', starting with a letter or digit")
        }
        return valid
    }

    // MARK: Kinds

    private mutating func decodeTarget(_ name: String, _ source: ResourceSource) -> TargetDraft {
        let spec = source.spec
        let cloud = spec["cloud"]?.string.flatMap(CloudReference.init(parsing:))
        if let cloud, cloud != .local {
            for field in ["tenant_id", "subscription_id"] where !spec.wrote(field) {
                checker.diagnostics.report(
                    .missingField, "missing required field '\(field)' in Target spec (required unless cloud is local)",
                    at: source.location,
                    hint: "e.g. \(field): ${env:AZURE_\(field == "tenant_id" ? "TENANT" : "SUBSCRIPTION")_ID}")
            }
        }
        var policy: [DiagnosticCode: Severity?] = [:]
        for (key, value) in spec["policy"]?.object ?? [:] {
            guard let code = DiagnosticCode(rawValue: key), code.isPolicy else {
                let policyCodes = DiagnosticCode.allCases.filter(\.isPolicy).map(\.rawValue)
                let exists = DiagnosticCode(rawValue: key) != nil
                let why =
                    exists ? "is not a policy check; only policy severities can change" : "is not a diagnostic code"
                let list = "policy codes: \(policyCodes.joined(separator: ", "))"
                checker.diagnostics.report(
                    .policyOverride, "'\(key)' \(why)", at: value.keyLocation ?? value.location,
                    hint: exists ? list : Suggestion.hint(for: key, in: policyCodes) ?? list)
                continue
            }
            policy.updateValue(value.string.flatMap(Severity.init(rawValue:)), forKey: code)
        }
        return TargetDraft(
            name: name, cloud: cloud,
            tenantID: spec["tenant_id"]?.string.flatMap(GUID.init),
            subscriptionID: spec["subscription_id"]?.string.flatMap(GUID.init),
            prune: spec["prune"]?.bool ?? false, policy: policy,
            maxPasswordLifetime: spec["max_password_lifetime"]?.string.flatMap(ManifestDuration.init(parsing:))
                ?? .days(180),
            source: source)
    }

    private func decodeWorkspace(_ name: String, _ source: ResourceSource) -> WorkspaceDraft {
        WorkspaceDraft(
            name: name, resourceGroup: source.spec["resource_group"]?.string, location: source.spec["location"]?.string,
            configSink: source.spec["deliver_to"]?.string.flatMap { try? WorkspaceConfigSink.parse($0).get() },
            source: source)
    }

    private mutating func decodeServicePrincipal(_ name: String, _ source: ResourceSource) -> ServicePrincipalManifest {
        let spec = source.spec
        var seen: [String: SourceLocation] = [:]
        let credentials = (spec["credentials"]?.array ?? []).compactMap { decodeCredential($0, seen: &seen) }
        var seenFederated: [String: SourceLocation] = [:]
        let federated = (spec["federated_credentials"]?.array ?? []).compactMap {
            decodeFederated($0, seen: &seenFederated)
        }
        if let list = spec["federated_credentials"], federated.count > 20 {
            checker.diagnostics.report(
                .federatedCredential,
                "an application can have at most 20 federated credentials; this one has \(federated.count)",
                at: list.location)
        }
        return ServicePrincipalManifest(
            name: name, displayName: spec["display_name"]?.string ?? name, credentials: credentials,
            federatedCredentials: federated, adopt: spec["adopt"]?.bool ?? false, source: source)
    }

    private mutating func unique(
        _ name: String, at location: SourceLocation, what: String, seen: inout [String: SourceLocation]
    ) -> Bool {
        if let first = seen[name] {
            checker.diagnostics.report(
                .duplicateItem, "duplicate \(what) name '\(name)'", at: location,
                notes: [Diagnostic.Note("first defined here", at: first)])
            return false
        }
        seen[name] = location
        return true
    }

    private mutating func decodeCredential(_ value: ManifestValue, seen: inout [String: SourceLocation])
        -> CredentialManifest?
    {
        guard let name = value["name"]?.string, let type = value["type"]?.string else { return nil }
        guard unique(name, at: value["name"]!.location, what: "credential", seen: &seen) else { return nil }
        let typeLocation = value["type"]!.location
        let foreign = type == "password" ? ["certificate_file"] : ["lifetime", "renew_before", "deliver_to"]
        for field in foreign {
            if let misplaced = value[field] {
                checker.diagnostics.report(
                    .credentialShape, "'\(field)' does not apply to a \(type) credential",
                    at: misplaced.keyLocation ?? misplaced.location,
                    notes: [Diagnostic.Note("the type is set here", at: typeLocation)])
            }
        }
        if type == "certificate" {
            if !value.wrote("certificate_file") {
                checker.diagnostics.report(
                    .credentialShape,
                    "certificate credential '\(name)' needs 'certificate_file' (the public certificate, PEM)",
                    at: value.location)
            }
            return CredentialManifest(
                name: name, kind: .certificate(file: value["certificate_file"]?.string), value: value)
        }
        let lifetime = value["lifetime"]?.string.flatMap(ManifestDuration.init(parsing:)) ?? .days(90)
        let renewBefore =
            value["renew_before"]?.string.flatMap(ManifestDuration.init(parsing:))
            ?? ManifestDuration(seconds: lifetime.seconds / 3)
        if let lifetimeValue = value["lifetime"], lifetime.seconds == 0 {
            checker.diagnostics.report(
                .outOfRange, "a password lifetime must be longer than zero", at: lifetimeValue.location)
        } else if renewBefore >= lifetime {
            checker.diagnostics.report(
                .renewBeforeLifetime,
                "renew_before (\(renewBefore)) must be shorter than lifetime (\(lifetime)), or every run would rotate",
                at: value["renew_before"]?.location ?? value.location)
        }
        let sink = value["deliver_to"]?.string.flatMap(SecretSink.init(parsing:))
        if !value.wrote("deliver_to") {
            checker.diagnostics.report(
                .credentialShape, "password credential '\(name)' needs 'deliver_to', or its secret would be lost",
                at: value.location,
                hint:
                    "deliver_to: file:.secrets/\(name).json | env-file:PATH | github-output | keyvault:VAULT/SECRET | ado-variable:NAME"
            )
        }
        return CredentialManifest(
            name: name, kind: .password(lifetime: lifetime, renewBefore: renewBefore, deliverTo: sink), value: value)
    }

    private mutating func decodeFederated(_ value: ManifestValue, seen: inout [String: SourceLocation])
        -> FederatedCredentialManifest?
    {
        guard let name = value["name"]?.string, let issuer = value["issuer"]?.string,
            let subject = value["subject"]?.string
        else { return nil }
        guard unique(name, at: value["name"]!.location, what: "federated credential", seen: &seen) else { return nil }
        let audiences = value["audiences"]?.array?.compactMap(\.string)
        if let list = value["audiences"], let audiences, audiences.count > 1 {
            checker.diagnostics.report(
                .federatedCredential,
                "Entra accepts exactly one audience per federated credential; found \(audiences.count)",
                at: list.location,
                hint: "use one credential per audience")
        }
        return FederatedCredentialManifest(
            name: name, issuer: issuer, subject: subject, audiences: audiences,
            description: value["description"]?.string, value: value)
    }

    private mutating func decodeRoleAssignment(_ name: String, _ source: ResourceSource) -> RoleAssignmentDraft {
        let spec = source.spec
        return RoleAssignmentDraft(
            name: name, principal: spec["principal"].flatMap { decodePrincipal($0) },
            role: spec["role"]?.string.flatMap { text in
                GUID(text) == nil
                    ? checker.roles.reference(text) ?? RoleReference(parsing: text) : RoleReference(parsing: text)
            },
            scope: spec["scope"].flatMap { decodeScope($0) }, description: spec["description"]?.string,
            adopt: spec["adopt"]?.bool ?? false,
            source: source)
    }

    private mutating func decodeRoleDefinition(_ name: String, _ source: ResourceSource) -> RoleDefinitionDraft {
        let spec = source.spec
        func strings(_ field: String) -> [String] { spec[field]?.array?.compactMap(\.string) ?? [] }
        let scopes = spec["assignable_scopes"]?.array.map { items in items.compactMap { decodeScope($0) } }
        return RoleDefinitionDraft(
            name: name, roleName: spec["role_name"]?.string ?? name, description: spec["description"]?.string,
            permission: Permission(
                actions: strings("actions"), notActions: strings("not_actions"), dataActions: strings("data_actions"),
                notDataActions: strings("not_data_actions")),
            assignableScopes: scopes, adopt: spec["adopt"]?.bool ?? false, source: source)
    }

    /// The principal of a role assignment; nil when no form of it is valid (already reported).
    private mutating func decodePrincipal(_ principalValue: ManifestValue) -> PrincipalReference? {
        let type = principalValue["type"]?.string.flatMap(PrincipalType.init(rawValue:))
        if let reference = principalValue["service_principal"]?.string {
            if let typeValue = principalValue["type"], type != .servicePrincipal {
                checker.diagnostics.report(
                    .invalidEnum,
                    "a service_principal reference has type ServicePrincipal, not '\(typeValue.string ?? "")'",
                    at: typeValue.location)
            }
            return .servicePrincipal(reference)
        }
        guard let objectID = principalValue["object_id"]?.string.flatMap(GUID.init) else { return nil }
        if !principalValue.wrote("type") {
            checker.diagnostics.report(
                .missingField, "'type' is required with object_id (User, Group or ServicePrincipal)",
                at: principalValue.location,
                hint: "ARM needs principalType to assign roles to new principals without replication errors")
        }
        return .objectID(objectID, type)
    }

    /// The scope of a role assignment; nil when no form of it is valid (already reported).
    private mutating func decodeScope(_ scopeValue: ManifestValue) -> ScopeReference? {
        if let workspace = scopeValue["workspace"]?.string { return .workspace(workspace) }
        if let group = scopeValue["resource_group"]?.string { return .resourceGroup(group) }
        if let subscription = scopeValue["subscription"] {
            guard subscription.bool == true else {
                checker.diagnostics.report(
                    .exactlyOneOf, "'subscription: false' selects no scope; write 'subscription: true'",
                    at: subscription.location)
                return nil
            }
            return .subscription
        }
        if let id = scopeValue["id"]?.string, case .success(let parsed) = AzureResourceID.parse(id) {
            return .id(parsed)
        }
        return nil
    }

    private func decodeWebservice(_ name: String, _ source: ResourceSource) -> WebserviceDraft {
        let spec = source.spec
        let models: [VersionedName]? = spec["models"]?.array.map { items in
            items.compactMap { $0.string.flatMap(VersionedName.init(parsing:)) }
        }
        let authEnabled: Bool?? = spec.rejected("auth_enabled") ? nil : .some(spec["auth_enabled"]?.bool)
        let tokenAuthEnabled: Bool? =
            spec.rejected("token_auth_enabled") ? nil : (spec["token_auth_enabled"]?.bool ?? false)
        let keyRotation = (
            primary: spec[["key_rotation", "primary"]]?.integer ?? 0,
            secondary: spec[["key_rotation", "secondary"]]?.integer ?? 0
        )
        return WebserviceDraft(
            name: name, workspace: spec["workspace"]?.string,
            computeType: spec["compute_type"]?.string.flatMap(ComputeType.init(rawValue:)),
            computeTarget: spec["compute_target"]?.string, models: models, entryScript: spec["entry_script"]?.string,
            environment: spec["environment"]?.string.flatMap(VersionedName.init(parsing:)),
            cpuCores: spec["cpu_cores"]?.number ?? 0.1, memoryGB: spec["memory_gb"]?.number ?? 0.5,
            authEnabledAsWritten: authEnabled, tokenAuthEnabled: tokenAuthEnabled, keyRotation: keyRotation,
            tokenClients: spec["token_clients"]?.array?.compactMap(\.string) ?? [],
            description: spec["description"]?.string,
            adopt: spec["adopt"]?.bool ?? false, source: source)
    }

    private func decodeOnlineEndpoint(_ name: String, _ source: ResourceSource) -> OnlineEndpointDraft {
        let spec = source.spec
        let compute: OnlineEndpointComputeReference? =
            spec.rejected("compute")
            ? nil : OnlineEndpointComputeReference(parsing: spec["compute"]?.string ?? "managed")
        let authMode: OnlineEndpointAuth? =
            spec.rejected("auth_mode")
            ? nil : spec["auth_mode"]?.string.flatMap(OnlineEndpointAuth.init(rawValue:)) ?? .key
        var traffic: [String: Int] = [:]
        for (deployment, percent) in spec["traffic"]?.object ?? [:] {
            if let value = percent.integer { traffic[deployment] = value }
        }
        var tags: [String: String] = [:]
        for (key, value) in spec["tags"]?.object ?? [:] {
            if let text = value.string { tags[key] = text }
        }
        var draft = OnlineEndpointDraft(
            name: name, workspace: spec["workspace"]?.string, compute: compute, authMode: authMode,
            keyRotation: (
                primary: spec[["key_rotation", "primary"]]?.integer ?? 0,
                secondary: spec[["key_rotation", "secondary"]]?.integer ?? 0
            ),
            tokenClients: spec["token_clients"]?.array?.compactMap(\.string) ?? [], traffic: traffic,
            publicNetworkAccess: spec["public_network_access"]?.string, description: spec["description"]?.string,
            tags: tags, adopt: spec["adopt"]?.bool ?? false, source: source)
        draft.keysFrom = spec[["keys_from", "webservice"]]?.string
        return draft
    }

    private func decodeOnlineDeployment(_ name: String, _ source: ResourceSource) -> OnlineDeploymentDraft {
        let spec = source.spec
        return OnlineDeploymentDraft(
            name: name, endpoint: spec["endpoint"]?.string, deploymentName: spec["name"]?.string,
            model: spec["model"]?.string.flatMap(VersionedName.init(parsing:)),
            environment: spec["environment"]?.string,
            instanceType: spec["instance_type"]?.string, instanceCount: spec["instance_count"]?.integer ?? 1,
            code: spec["code"]?.string, scoringScript: spec["scoring_script"]?.string, source: source)
    }
}
