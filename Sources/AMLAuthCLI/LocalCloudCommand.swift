import AMLAuthCore
import ArgumentParser
import FileStorage
import Foundation
import LocalCloud
import LocalCloudServer
import WireFormat

/// `amlauth local-cloud …`: the built-in Azure-compatible cloud.
struct LocalCloudCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local-cloud",
        abstract: "Run the local Azure-compatible cloud (Entra ID, Graph, ARM, Azure ML v1) for offline use and tests.",
        subcommands: [ServeCommand.self])
}

/// `amlauth local-cloud serve --data DIR`.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the local cloud over HTTPS on 127.0.0.1 and print its cloud file.",
        discussion: """
            On first start, creates DIR with a CA and server certificate (SAN IP:127.0.0.1, DNS:localhost, DNS:*.blob.localhost), \
            token-signing keys and a seeded state: one tenant and subscription, resource group ml-rg, workspace \
            ml-example with AKS compute aks-cluster-1, and a bootstrap service principal with Owner on the \
            subscription. Later starts reuse DIR; every change is written to DIR/state.json atomically.

            When it is listening it prints one JSON document on stdout, the cloud file (also written to \
            DIR/cloud.json): endpoints (activeDirectory, resourceManager, microsoftGraph, oidcIssuer, counters), \
            caCertificate, tenantId, subscriptionId and the bootstrap clientId and clientSecret. The model-management \
            and scoring endpoints are found through each workspace's discoveryUrl, as the Azure ML SDK does.

            The cloud file also names storageProxy, an HTTP CONNECT proxy on 127.0.0.1 that tunnels only the \
            storage hosts ({account}.blob.localhost, which the server certificate covers) to the local cloud: \
            set HTTPS_PROXY to it (and NO_PROXY=127.0.0.1) for clients that cannot resolve *.localhost, such \
            as azureml-core's scoring-script upload. libcurl, and so amlauth, resolves them itself.

            GET /_local/counters reports requests per route and status; POST /_local/counters/reset clears them. \
            POST (or GET) /oidc-issuer/mint with a subject and audience returns an ID token from the stand-in CI \
            identity provider, for testing federated credentials.

            --faults takes comma-separated KEY=VALUE: 429, 500, 503 and reset with a rate from 0 to 1, \
            latency=20ms, retry-after=50ms (what a 429 or 503 asks clients to wait; 1 s by default), \
            route=TEXT (only paths containing TEXT), seed=N. Example: 429=0.2,reset=0.02,seed=7. \
            arm-throttle=on makes ARM enforce its documented token buckets per subscription and principal \
            (reads 250 at 25/s, writes and deletes 200 at 10/s; the subscription-wide bucket 15 times that) \
            with 429 SubscriptionRequestsThrottled and Retry-After; arm-throttle=scale:0.1 refills them ten \
            times as fast; arm-reads=B/R, arm-writes=B/R, arm-deletes=B/R set one bucket's size and refill \
            per second. The cloud file then names the limits (resourceManagerLimits), and amlauth paces by them.

            Stops cleanly on SIGINT or SIGTERM.
            """)

    @Option(help: "Data directory: certificates, keys and state.")
    var data: String

    @Option(help: "Port on 127.0.0.1; 0 picks a free one.")
    var port: Int = 0

    @Option(help: "Faults to inject, e.g. 429=0.2,500=0.05,reset=0.02,latency=20ms,route=roleAssignments,seed=7.")
    var faults: String?

    @Option(help: "YAML seed file adding workspaces, computes and principals (first start only).")
    var seed: String?

    @Option(help: "Access-token lifetime in seconds.")
    var tokenLifetime: Int = 3600

    @Option(help: "Seconds a new service principal stays invisible to role assignments (replication delay).")
    var replicationDelay: Int = 0

    @Flag(help: "Offer HTTP/2 (ALPN h2) besides HTTP/1.1.")
    var http2 = false

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        guard tokenLifetime >= 60 else { throw ValidationError("--token-lifetime must be at least 60 seconds") }
        guard replicationDelay >= 0 else { throw ValidationError("--replication-delay cannot be negative") }
    }

    func run() async throws {
        var options = LocalCloudOptions()
        options.tokenLifetime = Double(tokenLifetime)
        options.replicationDelay = Double(replicationDelay)
        do {
            if let faults { options.faults = try FaultPlan(parsing: faults) }
        } catch {
            throw ValidationError("--faults: \(error)")
        }
        var seedValue = Seed()
        if let seed {
            guard let bytes = FileManager.default.contents(atPath: seed) else {
                throw ValidationError("--seed: cannot read '\(seed)'")
            }
            seedValue = try Seed(yaml: [UInt8](bytes), file: seed)
        }
        let instance: LocalCloudInstance
        do {
            instance = try LocalCloudInstance.open(dataDirectory: data, seed: seedValue, options: options)
        } catch {
            FileHandle.standardError.write(Data("amlauth local-cloud: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let proxy = StorageProxyHolder()
        try await LocalCloudServer.run(instance, port: port, http2: http2, handleSignals: true) { port in
            let storageProxy = try? await StorageProxy.start(cloudPort: port)
            await proxy.keep(storageProxy)
            let file = await instance.cloudFile(port: port, storageProxy: storageProxy?.url).serialized()
            try? AtomicFile.write(Array(file.utf8), to: instance.dataDirectory + "/cloud.json", mode: 0o600)
            FileHandle.standardOutput.write(Data(file.utf8))
        }
        await proxy.stop()
    }
}

/// The storage proxy of a serving local cloud, stopped when the server stops.
private actor StorageProxyHolder {
    private var proxy: StorageProxy?
    func keep(_ proxy: StorageProxy?) { self.proxy = proxy }
    func stop() async { await proxy?.stop() }
}
