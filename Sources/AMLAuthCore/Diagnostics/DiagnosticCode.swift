/// The catalogue of every diagnostic amlauth reports. Codes are stable: users raise or silence
/// them by code (`policy: {AMLA003: error}`), CI greps for them, and docs link to them.
///
/// Numbering: `AMLA0xx` policy checks (severity can be overridden), `1xx` YAML, `2xx` the shape
/// of a manifest, `3xx` meaning across fields and files, `4xx` Azure ML rules.
public enum DiagnosticCode: String, Sendable, CaseIterable, Codable, Comparable {
    case privilegedRole = "AMLA001"
    case tokenClientAccess = "AMLA002"
    case aciKeyAuthOff = "AMLA003"
    case aksRegionMismatch = "AMLA004"
    case passwordLifetime = "AMLA005"
    case v1EndOfSupport = "AMLA006"
    /// A token client of an online endpoint lacks the action its auth mode needs (plan time).
    case endpointClientAction = "AMLA007"
    /// A token client of an online endpoint holds a broad role where one action would do (plan time).
    case endpointClientBroadRole = "AMLA008"

    case yamlSyntax = "AMLA100"
    case duplicateKey = "AMLA101"
    case expansionLimit = "AMLA102"
    case unsupportedYAML = "AMLA103"
    case unreadableInput = "AMLA104"

    case notAManifest = "AMLA200"
    case apiVersion = "AMLA201"
    case unknownKind = "AMLA202"
    case unknownField = "AMLA203"
    case missingField = "AMLA204"
    case wrongType = "AMLA205"
    case invalidEnum = "AMLA206"
    case invalidDuration = "AMLA207"
    case invalidGUID = "AMLA208"
    case invalidResourceID = "AMLA209"
    case yaml11Boolean = "AMLA210"
    case invalidName = "AMLA211"
    case outOfRange = "AMLA212"
    case invalidSink = "AMLA213"
    case invalidFormat = "AMLA214"
    case exactlyOneOf = "AMLA215"
    case unknownRole = "AMLA216"
    /// A YAML document that is not amlauth's (docker-compose, a Kubernetes object): skipped, with a note.
    case foreignDocument = "AMLA217"
    /// An operation in a RoleDefinition that is not in Azure's `Provider/type/action` form.
    case invalidAction = "AMLA218"

    case duplicateName = "AMLA300"
    case danglingReference = "AMLA301"
    case targetCount = "AMLA302"
    case envNotAllowed = "AMLA303"
    case envUnset = "AMLA304"
    case literalSecret = "AMLA305"
    case duplicateItem = "AMLA306"
    case duplicateRoleAssignment = "AMLA307"
    case credentialShape = "AMLA308"
    case renewBeforeLifetime = "AMLA309"
    case federatedCredential = "AMLA310"
    case policyOverride = "AMLA311"
    case certificateFile = "AMLA312"
    /// A RoleAssignment's role names more than one role (RoleDefinitions, or one and a built-in role).
    case ambiguousRole = "AMLA313"
    /// A RoleAssignment of a RoleDefinition at a scope outside the definition's assignable scopes.
    case assignableScope = "AMLA314"
    /// A RoleDefinition's role name is a built-in role's or another RoleDefinition's.
    case roleNameTaken = "AMLA315"
    /// A Webservice's `entry_script` file cannot be read (missing, a directory, unreadable).
    case entryScriptFile = "AMLA316"
    /// An OnlineDeployment's `code` directory cannot be uploaded: missing, without its scoring
    /// script, too large, or holding a symlink that leaves it (checked at the edge, like certificates).
    case codeDirectory = "AMLA320"

    case tokenAuthOnACI = "AMLA400"
    case bothAuthModes = "AMLA401"
    case computeTargetRequired = "AMLA402"
    case computeTargetForbidden = "AMLA403"
    case keyRotationWithoutKeyAuth = "AMLA404"
    case azureMLName = "AMLA405"
    case tokenClientsWithoutTokenAuth = "AMLA406"
    case workspaceLocation = "AMLA407"
    case principalNotFound = "AMLA408"
    case computeNotFound = "AMLA409"
    case endpointAuthMode = "AMLA410"
    case trafficDeployment = "AMLA411"
    case trafficSum = "AMLA412"
    /// `keys_from` on an endpoint whose auth mode is not `key`.
    case keysFromAuthMode = "AMLA414"
    /// `keys_from` names a Webservice of the manifests that has no key auth.
    case keysFromWithoutKeyAuth = "AMLA415"
    /// An online endpoint's name is taken in its region by an endpoint of another workspace (plan time).
    case endpointNameTaken = "AMLA413"
    /// `code` and `scoring_script` come together, as relative paths (scoring_script inside code).
    case codeAndScoringScript = "AMLA420"

    /// A short kebab-case title, shown in JSON output and usable in docs.
    public var title: String {
        switch self {
        case .privilegedRole: "privileged-role"
        case .tokenClientAccess: "token-client-access"
        case .aciKeyAuthOff: "aci-key-auth-off"
        case .aksRegionMismatch: "aks-region-mismatch"
        case .passwordLifetime: "password-lifetime"
        case .v1EndOfSupport: "v1-end-of-support"
        case .endpointClientAction: "endpoint-client-action"
        case .endpointClientBroadRole: "endpoint-client-broad-role"
        case .yamlSyntax: "yaml-syntax"
        case .duplicateKey: "duplicate-key"
        case .expansionLimit: "expansion-limit"
        case .unsupportedYAML: "unsupported-yaml"
        case .unreadableInput: "unreadable-input"
        case .notAManifest: "not-a-manifest"
        case .apiVersion: "api-version"
        case .unknownKind: "unknown-kind"
        case .unknownField: "unknown-field"
        case .missingField: "missing-field"
        case .wrongType: "wrong-type"
        case .invalidEnum: "invalid-enum"
        case .invalidDuration: "invalid-duration"
        case .invalidGUID: "invalid-guid"
        case .invalidResourceID: "invalid-resource-id"
        case .yaml11Boolean: "yaml11-boolean"
        case .invalidName: "invalid-name"
        case .outOfRange: "out-of-range"
        case .invalidSink: "invalid-sink"
        case .invalidFormat: "invalid-format"
        case .exactlyOneOf: "exactly-one-of"
        case .unknownRole: "unknown-role"
        case .foreignDocument: "foreign-document"
        case .duplicateName: "duplicate-name"
        case .danglingReference: "dangling-reference"
        case .targetCount: "target-count"
        case .envNotAllowed: "env-not-allowed"
        case .envUnset: "env-unset"
        case .literalSecret: "literal-secret"
        case .duplicateItem: "duplicate-item"
        case .duplicateRoleAssignment: "duplicate-role-assignment"
        case .credentialShape: "credential-shape"
        case .renewBeforeLifetime: "renew-before-lifetime"
        case .federatedCredential: "federated-credential"
        case .policyOverride: "policy-override"
        case .certificateFile: "certificate-file"
        case .invalidAction: "invalid-action"
        case .ambiguousRole: "ambiguous-role"
        case .assignableScope: "assignable-scope"
        case .roleNameTaken: "role-name-taken"
        case .codeDirectory: "code-directory"
        case .codeAndScoringScript: "code-and-scoring-script"
        case .entryScriptFile: "entry-script-file"
        case .tokenAuthOnACI: "token-auth-on-aci"
        case .bothAuthModes: "both-auth-modes"
        case .computeTargetRequired: "compute-target-required"
        case .computeTargetForbidden: "compute-target-forbidden"
        case .keyRotationWithoutKeyAuth: "key-rotation-without-key-auth"
        case .azureMLName: "azure-ml-name"
        case .tokenClientsWithoutTokenAuth: "token-clients-without-token-auth"
        case .workspaceLocation: "workspace-location"
        case .principalNotFound: "principal-not-found"
        case .computeNotFound: "compute-not-found"
        case .endpointAuthMode: "endpoint-auth-mode"
        case .trafficDeployment: "traffic-deployment"
        case .trafficSum: "traffic-sum"
        case .endpointNameTaken: "endpoint-name-taken"
        case .keysFromAuthMode: "keys-from-auth-mode"
        case .keysFromWithoutKeyAuth: "keys-from-without-key-auth"
        }
    }

    /// Policy checks are the only codes whose severity a Target may change.
    public var isPolicy: Bool { rawValue.hasPrefix("AMLA0") }

    /// True for checks that need live data and therefore run at plan time, not in `validate`.
    public var needsLiveState: Bool {
        [
            .aksRegionMismatch, .workspaceLocation, .principalNotFound, .computeNotFound, .endpointClientAction,
            .endpointClientBroadRole, .endpointNameTaken,
        ].contains(self)
    }

    /// The severity a diagnostic of this code has unless the Target overrides it.
    public var defaultSeverity: Severity {
        switch self {
        case .v1EndOfSupport, .foreignDocument: .info
        case .privilegedRole, .tokenClientAccess, .aciKeyAuthOff, .aksRegionMismatch, .passwordLifetime,
            .tokenClientsWithoutTokenAuth, .endpointClientBroadRole:
            .warning
        case .yamlSyntax, .duplicateKey, .expansionLimit, .unsupportedYAML, .unreadableInput, .notAManifest,
            .apiVersion, .unknownKind, .unknownField, .missingField, .wrongType, .invalidEnum, .invalidDuration,
            .invalidGUID, .invalidResourceID, .yaml11Boolean, .invalidName, .outOfRange, .invalidSink,
            .invalidFormat, .exactlyOneOf, .unknownRole, .duplicateName, .danglingReference, .targetCount,
            .envNotAllowed, .envUnset, .literalSecret, .duplicateItem, .duplicateRoleAssignment,
            .credentialShape, .renewBeforeLifetime, .federatedCredential, .policyOverride, .certificateFile,
            .invalidAction, .ambiguousRole, .assignableScope, .roleNameTaken,
            .entryScriptFile, .codeDirectory, .codeAndScoringScript, .tokenAuthOnACI,
            .bothAuthModes, .computeTargetRequired, .computeTargetForbidden, .keyRotationWithoutKeyAuth,
            .azureMLName, .workspaceLocation, .principalNotFound, .computeNotFound, .endpointClientAction,
            .endpointAuthMode, .trafficDeployment, .trafficSum, .endpointNameTaken, .keysFromAuthMode,
            .keysFromWithoutKeyAuth:
            .error
        }
    }

    public static func < (lhs: DiagnosticCode, rhs: DiagnosticCode) -> Bool { lhs.rawValue < rhs.rawValue }
}
