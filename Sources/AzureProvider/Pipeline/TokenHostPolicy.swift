public import HTTPClient

/// Where a bearer token may be sent: the hosts of the cloud it was issued for, and nowhere else.
///
/// Those are the exact origins (scheme, host, port) of the cloud's login, Resource Manager and
/// Microsoft Graph endpoints, plus, for Azure ML, https hosts under the cloud's ML host suffix
/// (`<region>.api.azureml.ms` in the public cloud; the local cloud serves model management on its
/// own origin). URLs that come from responses (`nextLink`, `@odata.nextLink`, the hosts a
/// workspace's discovery document names) are checked against this one value, so no response can
/// send a token elsewhere. The pipeline holds it and checks it before every request that carries
/// a token.
public struct TokenHostPolicy: Sendable, Equatable {
    /// The cloud's name, for messages.
    public var cloudName: String
    /// Exact origins, `scheme://host:port` as `RequestURL.origin` writes them.
    public var origins: Set<String>
    /// Host suffixes (without a leading dot): an https URL on port 443 whose host ends in
    /// `.<suffix>` is trusted.
    public var hostSuffixes: [String]

    public init(cloudName: String, origins: Set<String>, hostSuffixes: [String]) {
        self.cloudName = cloudName
        self.origins = origins
        self.hostSuffixes = hostSuffixes.map { $0.lowercased() }
    }

    /// The hosts of `cloud`: its login, Resource Manager and Graph origins and its ML host suffix.
    public init(cloud: AzureCloudEndpoints) {
        let endpoints = [cloud.activeDirectory, cloud.resourceManager, cloud.microsoftGraph]
        self.init(
            cloudName: cloud.name, origins: Set(endpoints.compactMap { RequestURL($0).map(\.origin) }),
            hostSuffixes: cloud.machineLearningHostSuffix.map { [$0] } ?? [])
    }

    /// Why a token must not go to `url`, naming its host, or nil when it may.
    public func refusal(for url: String) -> String? {
        guard let parsed = RequestURL(url) else {
            return "refusing to send a token to a URL libcurl cannot parse"
        }
        if trusts(parsed) { return nil }
        let trusted = origins.sorted() + hostSuffixes.map { "https://*.\($0)" }
        return
            "refusing to send a token to '\(parsed.origin)': it is not a host of cloud '\(cloudName)' (\(trusted.joined(separator: ", ")))"
    }

    /// Whether a token may go to this URL.
    public func trusts(_ url: RequestURL) -> Bool {
        if url.hasUserInfo { return false }
        if origins.contains(url.origin) { return true }
        return url.scheme == "https" && url.port == 443 && hostSuffixes.contains { url.host.hasSuffix("." + $0) }
    }
}
