import AMLAuthCore
import ArgumentParser

/// How commands that talk to Azure connect: extra CA bundle and request logging.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: .customLong("ca-bundle"),
        help:
            "Extra trusted CA certificates (PEM), on top of the system store and the cloud file's CA. Also AMLAUTH_CA_BUNDLE."
    )
    var caBundle: String?

    @Flag(
        help:
            "Log every request (method, URL, status, duration, request id, attempt) to stderr; never headers, bodies or tokens."
    )
    var verbose = false
}

/// What plan and apply may do beyond the manifests' own resources.
struct ReconcileOptions: ParsableArguments {
    @Flag(help: "Delete owned resources that left the manifests (also 'prune: true' in the Target).")
    var prune = false

    @Flag(help: "Take over matching objects amlauth does not own yet (also 'adopt: true' on a resource).")
    var adopt = false

    @Flag(
        help:
            "Let a prune delete more than half of the objects the Target owns (and more than 3); refused without it.")
    var allowMassDelete = false

    @Flag(
        help:
            "With --prune and a single manifest file: assert the file holds every manifest of the Target (else refused)."
    )
    var fileIsComplete = false

    @Option(
        name: .customLong("only"),
        help: ArgumentHelp(
            "Limit the plan to this resource (as the plan names it, e.g. ServicePrincipal/ml-auth) and what it depends on; repeatable. The plan may be incomplete: not for routine use.",
            valueName: "address"))
    var only: [String] = []

    /// `--only` as addresses (checked by `validate()`).
    var onlyAddresses: [ResourceAddress] { only.compactMap(ResourceAddress.init(parsing:)) }

    func validate() throws {
        for text in only where ResourceAddress(parsing: text) == nil {
            let kinds = ManifestKind.allCases.filter { $0 != .target }.map(\.rawValue).joined(separator: ", ")
            throw ValidationError(
                "--only '\(text)' is not a resource address: write Kind/name as the plan prints it (Kind is one of \(kinds))"
            )
        }
    }
}
