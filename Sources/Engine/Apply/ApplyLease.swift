import AMLAuthCore
public import AzureProvider
import Foundation

/// Serialises applies of one Target across machines with a lease held in the cloud, so two
/// pipelines (a push and a re-run) never apply the same manifests at once.
///
/// **Why a Graph application.** Terraform's azurerm backend leases a blob, but amlauth has no
/// storage account, and ARM's tag and resource-group writes take no `If-Match` (no
/// compare-and-swap). What amlauth can always write is Microsoft Graph applications, and Graph's
/// upsert by alternate key (`PATCH /applications(uniqueName='…')` with
/// `Prefer: create-if-missing`) answers **201 only to the call that created the object** and 204
/// to everyone else: an atomic "create if absent". The lease is therefore an application named
/// by `DeterministicName.applyLeaseUniqueName(target:)`:
///
/// - **acquire**: upsert it with only its constant displayName. 201: ours; write holder, start
///   and expiry into its tags. 204: someone holds it; read its tags. Expired: delete it **by its
///   object id** (a compare-and-swap: a lease someone else re-created since has another id and
///   survives) and try again. Otherwise wait, polling, at most `wait` seconds, then refuse naming
///   the holder.
/// - **keep**: while apply runs, the expiry is pushed forward every `ttl / 3` (PATCH by id; a
///   404 means the lease expired and was taken: reported).
/// - **release**: delete it by object id.
///
/// A holder that crashed leaves a lease that expires after `ttl`; one that ran on this host and
/// whose process is gone (`isAlive` says so) is taken at once, so the apply after a `kill -9` on
/// the same machine does not wait. A lease without tags (its holder died between the create and
/// the tag write) expires `ttl` after it was first seen.
/// It needs no permission beyond what apply already uses (Application.ReadWrite.All or
/// .OwnedBy). Unverified against Entra: whether a soft-deleted application keeps its uniqueName
/// reserved; if it does, the next acquire fails with Graph's error, naming it.
public struct ApplyLease: Sendable {
    /// A lease this process holds.
    public struct Held: Sendable {
        public var objectID: String
        public var holder: String
        public var since: Double
    }

    /// The lease is held by someone else and did not come free in time.
    public struct Busy: Error, Sendable, CustomStringConvertible {
        public var target: String
        public var holder: String?
        public var since: Double?
        public var expires: Double
        public var waited: Double

        public var description: String {
            let who = holder ?? "an apply that has not yet said who it is"
            let start = since.map { " since \(ApplyLease.time($0))" } ?? ""
            return
                "another apply of target '\(target)' holds the lease: \(who)\(start), until \(ApplyLease.time(expires)) unless renewed; waited \(Int(waited.rounded()))s (--lock-timeout)"
        }
    }

    public let directory: any DirectoryService
    public let target: String
    /// Seconds a lease lives without renewal.
    public var ttl: Double
    /// Seconds between looks at a held lease.
    public var pollInterval: Double
    public var runtime: Runtime
    /// This process's host and id, written into the lease.
    public var host: String?
    public var pid: Int32?
    /// Whether process `pid` on `host` is alive; nil when it cannot tell (another host).
    public var isAlive: @Sendable (_ host: String, _ pid: Int32) -> Bool? = { _, _ in nil }

    public init(
        directory: any DirectoryService, target: String, ttl: Double = 120, pollInterval: Double = 2,
        runtime: Runtime = .system
    ) {
        self.directory = directory
        self.target = target
        self.ttl = ttl
        self.pollInterval = pollInterval
        self.runtime = runtime
    }

    var uniqueName: String { DeterministicName.applyLeaseUniqueName(target: target) }
    var displayName: String { "amlauth apply lease: \(target)" }

    static let holderTag = "amlauth-lease:holder="
    static let sinceTag = "amlauth-lease:since="
    static let expiresTag = "amlauth-lease:expires="
    static let hostTag = "amlauth-lease:host="
    static let pidTag = "amlauth-lease:pid="

    /// Takes the lease, waiting at most `wait` seconds for its holder; `stop` ends the wait early
    /// (a signal), throwing `CancellationError`.
    public func acquire(holder: String, wait: Double, stop: @Sendable () -> Bool = { false }) async throws -> Held {
        let start = runtime.now()
        var firstSeen: [String: Double] = [:]
        while true {
            if stop() { throw CancellationError() }
            let (lease, created) = try await directory.upsertApplication(
                uniqueName: uniqueName, displayName: displayName, tags: nil)
            let now = runtime.now()
            if created {
                // The lease was made a moment ago: a Graph replica may not know it yet (404), as
                // for any new application (fidelity audit D4). Waited out briefly.
                var delay = 0.25
                while true {
                    let failure: AzureError
                    do {
                        try await directory.updateApplication(id: lease.id, .tags(tags(holder: holder, since: now)))
                        break
                    } catch {
                        failure = error
                    }
                    guard failure.status == 404, delay <= 8 else { throw failure }
                    try await runtime.sleep(delay)
                    delay *= 2
                }
                return Held(objectID: lease.id, holder: holder, since: now)
            }
            let seen = firstSeen[lease.id] ?? now
            firstSeen[lease.id] = seen
            let expires = Self.value(Self.expiresTag, in: lease.tags) ?? seen + ttl
            if now >= expires || holderIsGone(lease.tags) {
                // By object id: if another apply took the expired lease first, this deletes nothing.
                try await directory.deleteApplication(id: lease.id)
                continue
            }
            let waited = now - start
            guard waited < wait else {
                throw Busy(
                    target: target, holder: Self.text(Self.holderTag, in: lease.tags),
                    since: Self.value(Self.sinceTag, in: lease.tags), expires: expires, waited: waited)
            }
            try await runtime.sleep(min(pollInterval, wait - waited))
        }
    }

    /// Pushes the expiry forward; false when the lease is gone (it expired and was taken).
    public func renew(_ held: Held) async -> Bool {
        do {
            try await directory.updateApplication(
                id: held.objectID, .tags(tags(holder: held.holder, since: held.since)))
            return true
        } catch {
            return error.status != 404
        }
    }

    /// Renews every `ttl / 3` until cancelled; `lost` hears once if the lease was taken.
    public func keep(_ held: Held, lost: @escaping @Sendable () -> Void) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                do { try await runtime.sleep(ttl / 3) } catch { return }
                if !(await renew(held)) {
                    lost()
                    return
                }
            }
        }
    }

    /// Gives the lease up (by object id: never someone else's).
    public func release(_ held: Held) async {
        // A lease taken a moment ago may not have reached every Graph replica (404): a few short
        // waits, so the next apply does not wait out its expiry.
        var delay = 0.25
        while true {
            do {
                try await directory.deleteApplication(id: held.objectID)
                return
            } catch {
                guard error.status == 404, delay <= 2, runtime.now() - held.since < 30 else { return }
                do { try await runtime.sleep(delay) } catch { return }
                delay *= 2
            }
        }
    }

    private func tags(holder: String, since: Double) -> [String] {
        // Graph allows 256 characters per tag.
        var tags = [
            Self.holderTag + String(holder.prefix(200)), Self.sinceTag + String(Int(since)),
            Self.expiresTag + String(Int(runtime.now() + ttl)),
        ]
        if let host, let pid { tags += [Self.hostTag + String(host.prefix(200)), Self.pidTag + String(pid)] }
        return tags
    }

    /// Whether the lease's holder ran on this host and its process has ended.
    private func holderIsGone(_ tags: [String]) -> Bool {
        guard let host = Self.text(Self.hostTag, in: tags),
            let pid = Self.text(Self.pidTag, in: tags).flatMap(Int32.init)
        else { return false }
        return isAlive(host, pid) == false
    }

    static func text(_ prefix: String, in tags: [String]) -> String? {
        tags.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    static func value(_ prefix: String, in tags: [String]) -> Double? { text(prefix, in: tags).flatMap(Double.init) }

    static func time(_ seconds: Double) -> String { Date(timeIntervalSince1970: seconds).ISO8601Format() }
}
