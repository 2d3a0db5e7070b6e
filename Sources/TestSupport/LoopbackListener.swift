import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP listener on 127.0.0.1 (port 0) for transport tests. It counts the connections it
/// accepts and keeps what they sent, and either answers each request with a fixed HTTP/1.1
/// response or closes at once. It stands in for a plain-http loopback server, and for "somewhere
/// else" (a proxy, a host a response points at) that a test asserts received nothing; nothing in
/// a test then needs a host off the machine.
public final class LoopbackListener: Sendable {
    /// What the listener does with a connection.
    public enum Behaviour: Sendable {
        /// Reads the request and answers with this status and body, then closes.
        case respond(status: Int, body: String)
        /// Reads whatever arrives within a short while, then closes without answering.
        case closeWithoutAnswer
    }

    public struct ListenerError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The port on 127.0.0.1 it listens on.
    public let port: Int
    private let descriptor: Int32
    private let behaviour: Behaviour
    private let state = Mutex<(connections: Int, received: [UInt8])>((0, []))

    public init(_ behaviour: Behaviour) throws {
        self.behaviour = behaviour
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketDescriptor >= 0 else { throw ListenerError(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketDescriptor, $0, &length) }
        }
        guard bound == 0, named == 0, listen(socketDescriptor, 16) == 0 else {
            close(socketDescriptor)
            throw ListenerError(description: "cannot listen on 127.0.0.1: errno \(errno)")
        }
        descriptor = socketDescriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// `http://127.0.0.1:PORT`.
    public var base: String { "http://127.0.0.1:\(port)" }

    /// Connections accepted so far.
    public var connections: Int { state.withLock { $0.connections } }

    /// Everything received so far, as text.
    public var received: String { state.withLock { String(decoding: $0.received, as: UTF8.self) } }

    /// Stops accepting; the accept loop closes the socket.
    public func stop() { shutdown(descriptor, Int32(SHUT_RDWR)) }

    private func acceptLoop() {
        while true {
            let connection = accept(descriptor, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                break
            }
            state.withLock { $0.connections += 1 }
            handle(connection)
            close(connection)
        }
        close(descriptor)
    }

    private func handle(_ connection: Int32) {
        var timeout = timeval(tv_sec: 0, tv_usec: 300_000)
        _ = setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !Self.complete(request) {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            request += buffer[..<count]
        }
        state.withLock { $0.received += request }
        switch behaviour {
        case .closeWithoutAnswer:
            return
        case .respond(let status, let body):
            let response =
                "HTTP/1.1 \(status) Answer\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            _ = Array(response.utf8).withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }

    /// Whether the bytes hold a whole request: the headers and as much body as Content-Length says.
    private static func complete(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return false }
        let length =
            text[..<end.lowerBound].split(separator: "\r\n")
            .first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
        return text.utf8.distance(from: end.upperBound, to: text.endIndex) >= length
    }
}
