import AMLAuthCore
import WireFormat

/// The login cache's document: one entry per tenant a person signed in to with `amlauth login`,
/// each with its account and refresh token (a secret: the file is 0600 in a 0700 directory).
/// Access tokens are never cached; they last an hour and are fetched again from the refresh token.
public struct LoginCache: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var account: LoginAccount
        public var refreshToken: String

        public init(account: LoginAccount, refreshToken: String) {
            self.account = account
            self.refreshToken = refreshToken
        }
    }

    public static let formatVersion = 1
    public var entries: [Entry] = []

    public init(entries: [Entry] = []) { self.entries = entries }

    /// Parses the file; nil when it is not a login cache (the message says why, without its content).
    public static func parse(_ bytes: [UInt8]) -> Result<LoginCache, LoginCacheError> {
        guard let json = try? JSONParser.parse(bytes), let accounts = json["accounts"]?.arrayValue else {
            return .failure(LoginCacheError(description: "it is not an amlauth login cache (no 'accounts')"))
        }
        guard json["format_version"]?.numberValue == Double(formatVersion) else {
            return .failure(
                LoginCacheError(description: "unknown format_version: run 'amlauth logout' and log in again"))
        }
        var cache = LoginCache()
        for item in accounts {
            guard let tenant = item["tenant_id"]?.stringValue, let username = item["username"]?.stringValue,
                let home = item["home_account_id"]?.stringValue, let client = item["client_id"]?.stringValue,
                let refresh = item["refresh_token"]?.stringValue
            else {
                return .failure(
                    LoginCacheError(
                        description: "an account lacks tenant_id, username, home_account_id, client_id or refresh_token"
                    ))
            }
            cache.entries.append(
                Entry(
                    account: LoginAccount(tenantID: tenant, username: username, homeAccountID: home, clientID: client),
                    refreshToken: refresh))
        }
        return .success(cache)
    }

    /// The file's bytes.
    public func serialized() -> [UInt8] {
        let accounts = entries.map { entry in
            JSONValue.object([
                ("tenant_id", .string(entry.account.tenantID)), ("username", .string(entry.account.username)),
                ("home_account_id", .string(entry.account.homeAccountID)),
                ("client_id", .string(entry.account.clientID)), ("refresh_token", .string(entry.refreshToken)),
            ])
        }
        let document = JSONValue.object([
            ("format_version", .number(Double(Self.formatVersion))), ("accounts", .array(accounts)),
        ])
        return Array((document.serialized() + "\n").utf8)
    }

    /// The entry for `tenant` (case-insensitive); with no tenant, the only entry if there is one.
    public func entry(tenant: String?) -> Entry? {
        guard let tenant else { return entries.count == 1 ? entries[0] : nil }
        return entries.first { $0.account.tenantID.lowercased() == tenant.lowercased() }
    }

    /// Adds or replaces the entry of `entry`'s tenant.
    public mutating func store(_ entry: Entry) {
        entries.removeAll { $0.account.tenantID.lowercased() == entry.account.tenantID.lowercased() }
        entries.append(entry)
    }

    /// Replaces the refresh token of `account`'s tenant, if that account is still the one cached.
    public mutating func rotate(_ account: LoginAccount, to refreshToken: String) {
        for index in entries.indices where entries[index].account == account {
            entries[index].refreshToken = refreshToken
        }
    }
}

/// Why a login cache file cannot be used.
public struct LoginCacheError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}
