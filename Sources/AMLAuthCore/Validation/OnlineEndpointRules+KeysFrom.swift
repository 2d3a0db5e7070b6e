import YAMLSource

/// `keys_from` of an OnlineEndpoint: only an endpoint with key auth has keys to set, and a
/// Webservice of the manifests it names must have key auth to have keys to give. A name no
/// manifest declares is a live service, checked at plan time.
extension OnlineEndpointRules {
    static func checkKeysFrom(_ set: ManifestDrafts) -> Diagnostics {
        var diagnostics = Diagnostics()
        for endpoint in set.onlineEndpoints {
            guard let name = endpoint.keysFrom else { continue }
            let location = endpoint.source.location(of: "keys_from", "webservice")
            if let mode = endpoint.authMode, mode != .key {
                diagnostics.report(
                    .keysFromAuthMode,
                    "'keys_from' copies a web service's keys, but this endpoint uses '\(mode.rawValue)', which has no keys",
                    at: endpoint.source.location(of: "keys_from"),
                    hint: "use 'auth_mode: key', or remove 'keys_from' (token callers fetch new tokens anyway)")
            }
            if !AzureMLRules.isServiceName(name) {
                diagnostics.report(
                    .azureMLName, "'\(name)' is not a valid web service name", at: location,
                    hint: "3 to 32 lower-case letters, digits or '-', starting with a letter")
            }
            if let service = set.webservices.first(where: { $0.name == name }), service.authEnabled == false {
                diagnostics.report(
                    .keysFromWithoutKeyAuth,
                    "'keys_from' names Webservice/\(name), which has no key auth and so no keys to copy",
                    at: location, hint: "set 'auth_enabled: true' on the web service, or remove 'keys_from'",
                    notes: [Diagnostic.Note("the web service is declared here", at: service.source.nameLocation)])
            }
        }
        return diagnostics
    }
}
