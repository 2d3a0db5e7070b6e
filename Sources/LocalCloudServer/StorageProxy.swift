import LocalCloud
import NIOCore
import NIOPosix

/// An HTTP CONNECT proxy on 127.0.0.1 that tunnels the local cloud's storage hosts
/// (`{account}.blob.localhost:{cloud port}`) to the local cloud, and refuses everything else.
///
/// Why it exists: azureml-core uploads a scoring script to the storage host it rebuilds from the
/// artifact service's SAS URL (azureml/_file_utils/upload.py), and Python's resolver has no
/// address for `*.localhost` names. `requests` (under azure-core) honours `HTTPS_PROXY`, as it
/// would behind a corporate proxy, so an unpatched SDK reaches the local cloud's storage through
/// this tunnel; TLS stays end to end, checked against the local cloud's CA. It never connects
/// anywhere but the local cloud's own port on loopback.
public final class StorageProxy: Sendable {
    /// The port it listens on (127.0.0.1).
    public let port: Int
    private let channel: any Channel
    private let serving: Task<Void, Never>

    /// `http://127.0.0.1:{port}`, what `HTTPS_PROXY` is set to.
    public var url: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, channel: any Channel, serving: Task<Void, Never>) {
        self.port = port
        self.channel = channel
        self.serving = serving
    }

    /// Listens on an ephemeral port and tunnels to the local cloud on `cloudPort`.
    public static func start(cloudPort: Int) async throws -> StorageProxy {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let channel = server.channel
        let serving = Task<Void, Never> {
            _ = try? await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await tunnel(connection, cloudPort: cloudPort) }
                    }
                }
            }
        }
        return StorageProxy(port: channel.localAddress?.port ?? 0, channel: channel, serving: serving)
    }

    /// Stops listening, ends the open tunnels and waits for them.
    public func stop() async {
        try? await channel.close()
        serving.cancel()
        await serving.value
    }

    /// What the proxy does with a request head (everything up to the blank line).
    public enum Decision: Equatable, Sendable {
        case tunnel
        case refuse(status: Int, reason: String)
    }

    /// Only `CONNECT {account}.blob.localhost:{cloud port} HTTP/1.x` is tunnelled: a proxy that
    /// forwarded anything else would let a test (or a hostile URL) reach other hosts.
    public static func decide(head: String, cloudPort: Int) -> Decision {
        let requestLine = head.split(separator: "\r\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0" else {
            return .refuse(status: 400, reason: "Bad Request")
        }
        guard parts[0] == "CONNECT" else { return .refuse(status: 405, reason: "Method Not Allowed") }
        let authority = parts[1]
        guard let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...]),
            port == cloudPort, StorageHost.account(fromHost: String(authority[..<colon])) != nil
        else { return .refuse(status: 403, reason: "Forbidden") }
        return .tunnel
    }

    /// The longest request head accepted; browsers and `requests` send a few hundred bytes.
    static let maxHead = 8 << 10

    private static func tunnel(_ client: NIOAsyncChannel<ByteBuffer, ByteBuffer>, cloudPort: Int) async {
        try? await client.executeThenClose { inbound, outbound in
            var requests = inbound.makeAsyncIterator()
            var received = ByteBuffer()
            let blankLine: [UInt8] = Array("\r\n\r\n".utf8)
            var headEnd: Int?
            while headEnd == nil {
                guard var chunk = try await requests.next() else { return }
                received.writeBuffer(&chunk)
                let bytes = Array(received.readableBytesView)
                headEnd = bytes.indices.first { bytes[$0...].starts(with: blankLine) }.map { $0 + blankLine.count }
                if headEnd == nil, received.readableBytes > maxHead {
                    try await outbound.write(response(431, "Request Header Fields Too Large"))
                    return
                }
            }
            let head = String(decoding: received.readBytes(length: headEnd!) ?? [], as: UTF8.self)
            if case .refuse(let status, let reason) = decide(head: head, cloudPort: cloudPort) {
                try await outbound.write(response(status, reason))
                return
            }
            let upstream: NIOAsyncChannel<ByteBuffer, ByteBuffer>
            do {
                upstream = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(host: "127.0.0.1", port: cloudPort) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        }
                    }
            } catch {
                try await outbound.write(response(502, "Bad Gateway"))
                return
            }
            try await outbound.write(ByteBuffer(string: "HTTP/1.1 200 Connection Established\r\n\r\n"))
            let early = received
            try await upstream.executeThenClose { cloudInbound, cloudOutbound in
                if early.readableBytes > 0 { try await cloudOutbound.write(early) }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await chunk in cloudInbound { try await outbound.write(chunk) }
                        // The cloud hung up: so does the tunnel, which ends the loop below.
                        try? await client.channel.close()
                    }
                    while let chunk = try await requests.next() { try await cloudOutbound.write(chunk) }
                    group.cancelAll()
                }
            }
        }
    }

    private static func response(_ status: Int, _ reason: String) -> ByteBuffer {
        ByteBuffer(string: "HTTP/1.1 \(status) \(reason)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    }
}
