import YAMLSource

/// Rules from the Azure ML documentation for v1 web services and workspace names. They read
/// drafts: a rule runs whenever the fields it needs are valid, however incomplete the rest is.
enum AzureMLRules {
    static func check(_ set: ManifestDrafts) -> Diagnostics {
        var diagnostics = Diagnostics()
        for workspace in set.workspaces where !isWorkspaceName(workspace.name) {
            diagnostics.report(
                .azureMLName, "'\(workspace.name)' is not a valid Azure ML workspace name",
                at: workspace.source.nameLocation,
                hint: "3 to 33 letters, digits, '-' or '_', starting with a letter or digit")
        }
        for service in set.webservices { check(service, into: &diagnostics) }
        return diagnostics
    }

    private static func check(_ service: WebserviceDraft, into diagnostics: inout Diagnostics) {
        let source = service.source
        if !isServiceName(service.name) {
            diagnostics.report(
                .azureMLName, "'\(service.name)' is not a valid Azure ML web service name", at: source.nameLocation,
                hint:
                    "3 to 32 lower-case letters, digits or '-', starting with a letter and ending with a letter or digit"
            )
        }
        switch service.computeType {
        case nil:
            break  // compute_type is missing or invalid (reported); the rules below need it.
        case .aci:
            if service.tokenAuthEnabled == true {
                diagnostics.report(
                    .tokenAuthOnACI, "token auth exists on AKS only; ACI web services support key auth only",
                    at: source.location(of: "token_auth_enabled"),
                    hint: "set 'auth_enabled: true' for key auth, or deploy to AKS")
            }
            if source.spec["compute_target"] != nil {
                diagnostics.report(
                    .computeTargetForbidden,
                    "'compute_target' does not apply to ACI; ACI runs without a compute target",
                    at: source.keyLocation(of: "compute_target"))
            }
        case .aks:
            if service.computeTarget == nil, !source.spec.wrote("compute_target") {
                diagnostics.report(
                    .computeTargetRequired,
                    "an AKS web service needs 'compute_target' (the AKS compute of the workspace)",
                    at: source.location(of: "compute_type"))
            }
            if service.authEnabled == true, service.tokenAuthEnabled == true {
                diagnostics.report(
                    .bothAuthModes, "key auth and token auth cannot both be on",
                    at: source.location(of: "auth_enabled"),
                    hint: "token auth is on: set 'auth_enabled: false' (or leave it out: it then defaults to off)")
            }
        }
        if service.authEnabled == false, service.keyRotation.primary > 0 || service.keyRotation.secondary > 0 {
            diagnostics.report(
                .keyRotationWithoutKeyAuth, "'key_rotation' regenerates keys, but key auth is off for this service",
                at: source.location(of: "key_rotation"))
        }
        if !service.tokenClients.isEmpty, service.tokenAuthEnabled == false {
            diagnostics.report(
                .tokenClientsWithoutTokenAuth, "'token_clients' has no effect: token auth is off for this service",
                at: source.location(of: "token_clients"))
        }
    }

    /// Workspace names: 3–33 characters, letters, digits, `-`, `_`, starting alphanumeric.
    static func isWorkspaceName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        return (3...33).contains(scalars.count) && ASCII.isAlphanumeric(scalars[0])
            && scalars.allSatisfy { ASCII.isWord($0, or: "-_") }
    }

    /// Web service names: 3–32 characters, lower-case letters, digits, `-`; start with a letter,
    /// end with a letter or digit.
    static func isServiceName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        let lower: (Unicode.Scalar) -> Bool = { ("a"..."z").contains($0) }
        return (3...32).contains(scalars.count) && lower(scalars[0])
            && scalars.last.map { lower($0) || ("0"..."9").contains($0) } == true
            && scalars.allSatisfy { lower($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}
