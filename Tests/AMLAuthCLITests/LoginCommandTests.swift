import AMLAuthCore
import Foundation
import HTTPClient
import TestSupport
import Testing
import WireFormat

/// `amlauth login` / `logout` through the binary, against the local cloud the quickstart's
/// `cloud: local` Target starts inside the login process; the test approves (or declines) the
/// code on that cloud's device-login page while the command polls, as a person would.
@Suite(.serialized)
struct LoginCommandTests {
    /// A quickstart copy and a private config home for the login cache.
    struct Home {
        var directory: String
        var config: String
        var environment: [String: String] { ["XDG_CONFIG_HOME": config] }
        var cachePath: String { config + "/amlauth/login.json" }

        init() throws {
            directory = try WhoamiCommandTests.quickstart()
            config = directory + "/config-home"
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }

        /// The refresh token in the cache (read by the test only, to prove it is never printed).
        func refreshToken() throws -> String {
            let json = try JSONParser.parse(Array(try #require(FileManager.default.contents(atPath: cachePath))))
            return try #require(json["accounts"]?.arrayValue?.first?["refresh_token"]?.stringValue)
        }
    }

    /// Runs `amlauth login` and takes `action` on the page its message names, as the bootstrap
    /// owner (whose credentials are in the local cloud's state file).
    static func login(_ home: Home, action: String) throws -> CommandRunner.Result {
        let command = try BackgroundCommand(["login", "--target", home.directory], environment: home.environment)
        #expect(command.waitFor { _, err in err.contains("and enter the code ") })
        let message = command.output.stderr
        let uri = try #require(message.firstMatch(of: /open the page (\S+) and enter the code (\w+)/))
        let state = try JSONParser.parse(
            Array(
                try #require(
                    FileManager.default.contents(atPath: home.directory + "/.amlauth/local-cloud/state.json"))))
        let owner =
            try #require(state["bootstrapClientID"]?.stringValue) + ":"
            + (try #require(state["bootstrapClientSecret"]?.stringValue))
        let ca = home.directory + "/.amlauth/local-cloud/ca.pem"
        let transport = try CurlTransport(configuration: .init(extraCABundle: ca))
        let answer = try Self.send(
            transport,
            HTTPRequest(
                method: "POST", url: String(uri.1),
                headers: [
                    ("Authorization", "Basic " + Base64.encode(Array(owner.utf8))),
                    ("Content-Type", "application/x-www-form-urlencoded"),
                ], body: Array("user_code=\(uri.2)&action=\(action)".utf8)))
        #expect(answer.status == 200, "\(String(decoding: answer.body, as: UTF8.self))")
        return command.wait()
    }

    /// A synchronous send for the test thread (the command runs in its own process).
    static func send(_ transport: CurlTransport, _ request: HTTPRequest) throws -> HTTPResponse {
        let box = ResultBox()
        let semaphore = DispatchSemaphore(value: 0)
        Task {
            do {
                box.set(.success(try await transport.send(request)))
            } catch {
                box.set(.failure(error))
            }
            semaphore.signal()
        }
        semaphore.wait()
        return try box.get()
    }

    final class ResultBox: @unchecked Sendable {
        private var result: Result<HTTPResponse, any Error>?
        private let lock = NSLock()
        func set(_ value: Result<HTTPResponse, any Error>) { lock.withLock { result = value } }
        func get() throws -> HTTPResponse { try lock.withLock { result }!.get() }
    }

    @Test func approvedLoginRunsWhoamiAndPlanAsThePersonAndNeverPrintsTheRefreshToken() throws {
        let home = try Home()
        defer { home.remove() }
        let login = try Self.login(home, action: "approve")
        #expect(login.status == 0, "\(login.stderr)")
        #expect(login.stdout.contains("Logged in as amlauth-user@amlauthlocal.onmicrosoft.com"))
        // 0600 in a 0700 directory.
        let file = try FileManager.default.attributesOfItem(atPath: home.cachePath)
        #expect((file[.posixPermissions] as? Int) == 0o600)
        let directory = try FileManager.default.attributesOfItem(atPath: home.config + "/amlauth")
        #expect((directory[.posixPermissions] as? Int) == 0o700)
        let first = try home.refreshToken()

        let whoami = try CommandRunner.amlauth(
            ["whoami", "--target", home.directory, "--verbose"], environment: home.environment)
        #expect(whoami.status == 0, "\(whoami.stderr)")
        #expect(whoami.stdout.contains("credential:    device-code login as amlauth-user@amlauthlocal.onmicrosoft.com"))
        #expect(whoami.stdout.contains("client id:     04b07795-8ddb-461a-bbee-02f9e1bf7b46"))
        #expect(whoami.stdout.contains("  Owner  /subscriptions/"))
        // Entra returned a new refresh token: the cache holds it now.
        let second = try home.refreshToken()
        #expect(second != first)

        let plan = try CommandRunner.amlauth(["plan", home.directory, "--verbose"], environment: home.environment)
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("ServicePrincipal/"), "\(plan.stdout)")
        let third = try home.refreshToken()
        for output in [login, whoami, plan] {
            for token in [first, second, third] {
                #expect(!output.stdout.contains(token) && !output.stderr.contains(token))
            }
        }

        // Logout: the cache goes, and the local cloud's bootstrap owner is used again.
        let logout = try CommandRunner.amlauth(["logout"], environment: home.environment)
        #expect(logout.status == 0, "\(logout.stderr)")
        #expect(!FileManager.default.fileExists(atPath: home.cachePath))
        let after = try CommandRunner.amlauth(["whoami", "--target", home.directory], environment: home.environment)
        #expect(after.stdout.contains("credential:    local cloud bootstrap owner"), "\(after.stdout)")
    }

    @Test(arguments: [("decline", "was declined"), ("expire", "expired before the sign-in was approved")])
    func declinedOrExpiredLoginCachesNothing(action: String, message: String) throws {
        let home = try Home()
        defer { home.remove() }
        let login = try Self.login(home, action: action)
        #expect(login.status == 1)
        #expect(login.stderr.contains("amlauth login: ") && login.stderr.contains(message), "\(login.stderr)")
        #expect(!FileManager.default.fileExists(atPath: home.cachePath))
    }

    @Test func aCacheOpenToOthersOrASymlinkIsRefusedAndLogoutOfOneTenant() throws {
        let home = try Home()
        defer { home.remove() }
        let login = try Self.login(home, action: "approve")
        #expect(login.status == 0, "\(login.stderr)")
        let token = try home.refreshToken()

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: home.cachePath)
        let wide = try CommandRunner.amlauth(["whoami", "--target", home.directory], environment: home.environment)
        #expect(wide.status == 1)
        #expect(wide.stderr.contains("group or others have access (mode 0644)"), "\(wide.stderr)")
        #expect(!wide.stderr.contains(token) && !wide.stdout.contains(token))

        // A link to a private copy is refused all the same: never read through a link.
        let copy = home.directory + "/elsewhere.json"
        try FileManager.default.moveItem(atPath: home.cachePath, toPath: copy)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: copy)
        try FileManager.default.createSymbolicLink(atPath: home.cachePath, withDestinationPath: copy)
        let linked = try CommandRunner.amlauth(["whoami", "--target", home.directory], environment: home.environment)
        #expect(linked.status == 1)
        #expect(linked.stderr.contains("it is a symbolic link"), "\(linked.stderr)")
        #expect(!linked.stderr.contains(token) && !linked.stdout.contains(token))

        // Logout of another tenant keeps the login; of its tenant removes it (and the link, not its target).
        try FileManager.default.removeItem(atPath: home.cachePath)
        try FileManager.default.moveItem(atPath: copy, toPath: home.cachePath)
        let other = try CommandRunner.amlauth(
            ["logout", "--tenant", "66666666-7777-8888-9999-000000000000"], environment: home.environment)
        #expect(other.stdout.contains("No login for tenant"))
        #expect(FileManager.default.fileExists(atPath: home.cachePath))
        let json = try JSONParser.parse(Array(try #require(FileManager.default.contents(atPath: home.cachePath))))
        let tenant = try #require(json["accounts"]?.arrayValue?.first?["tenant_id"]?.stringValue)
        let mine = try CommandRunner.amlauth(["logout", "--tenant", tenant], environment: home.environment)
        #expect(mine.stdout.contains("Logged out of tenant \(tenant)."))
        #expect(!FileManager.default.fileExists(atPath: home.cachePath))
    }
}
