import AzureProvider
import FileStorage
import Foundation

/// Where `amlauth login` keeps its cache, and how it is read and written: `login.json` in
/// `$XDG_CONFIG_HOME/amlauth/`, else `~/.amlauth/` (`$HOME`); the directory 0700, the file 0600,
/// written atomically (created 0600, then renamed into place). A cache that is a symbolic link,
/// belongs to someone else or is open to group or others is refused, not read.
struct LoginStore {
    var directory: String
    var path: String { directory + "/login.json" }

    /// The store for `environment`, or nil when neither `XDG_CONFIG_HOME` nor `HOME` is set.
    static func locate(environment: [String: String]) -> LoginStore? {
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            return LoginStore(directory: config + "/amlauth")
        }
        if let home = environment["HOME"], !home.isEmpty { return LoginStore(directory: home + "/.amlauth") }
        return nil
    }

    static func refused(_ message: String) -> AzureError {
        AzureError(
            service: .credential, status: nil, code: "LoginCacheRefused", message: message, target: "login cache")
    }

    /// The cache; empty when there is no file.
    func load() throws(AzureError) -> LoginCache {
        let bytes: [UInt8]?
        do {
            bytes = try PrivateFile.read(path)
        } catch {
            throw Self.refused("\(error)")
        }
        guard let bytes else { return LoginCache() }
        switch LoginCache.parse(bytes) {
        case .success(let cache): return cache
        case .failure(let problem): throw Self.refused("refusing '\(path)': \(problem)")
        }
    }

    /// Writes the cache, or removes the file when it has no entries.
    func save(_ cache: LoginCache) throws(AzureError) {
        do {
            if cache.entries.isEmpty { return try PrivateFile.remove(path) }
            try PrivateFile.prepareDirectory(directory)
        } catch {
            throw Self.refused("\(error)")
        }
        do {
            try AtomicFile.writeSecret(cache.serialized(), to: path)
        } catch {
            throw Self.refused("\(error)")
        }
    }

    /// The cached login for `tenant` (the only one when the tenant is unknown), ready for the
    /// credential chain: a refresh token Entra rotates is written back to the cache.
    static func cachedLogin(environment: [String: String], tenant: String?) throws(AzureError)
        -> CredentialChain.CachedLogin?
    {
        guard let store = locate(environment: environment), let entry = try store.load().entry(tenant: tenant) else {
            return nil
        }
        return CredentialChain.CachedLogin(entry: entry) { next in
            do {
                var cache = try store.load()
                cache.rotate(entry.account, to: next)
                try store.save(cache)
            } catch {
                // The old refresh token stays valid; the next run rotates again.
                FileHandle.standardError.write(
                    Data(
                        "amlauth: warning: could not store the rotated login: \((error as? AzureError)?.message ?? "\(error)")\n"
                            .utf8))
            }
        }
    }

    /// Removes the cache file, whatever it holds (a link is removed, never followed).
    static func removeAll(_ store: LoginStore) throws(AzureError) {
        do { try PrivateFile.remove(store.path) } catch { throw refused("\(error)") }
    }
}
