import AMLAuthCore
import AuthCrypto
import AzureProvider
import Foundation
import HTTPClient
import LocalCloud
import Synchronization
import TestSupport
import Testing
import WireFormat

/// The device-code flow and refresh-token credential against the local cloud over TLS: the
/// person's decision is made through the cloud's device-login page while the client polls, and the
/// client's clock moves only when it sleeps (so the polling rules are checked exactly).
@Suite struct DeviceCodeLoginTests {
    /// What the person does at the n-th sleep of the client (1-based), on the device-login page.
    typealias Script = @Sendable (Int) -> String?

    final class Recorder: Sendable {
        let userCode = Mutex<String?>(nil)
        let rotated = Mutex<[String]>([])
    }

    /// Runs a sign-in where `script` says which action (approve, decline, expire, slow_down) the
    /// person takes before each poll.
    static func signIn(
        _ connected: Connected, clientID: String = DeviceCodeLogin.azureCLIClientID, recorder: Recorder,
        script: @escaping Script
    ) async throws(AzureError) -> DeviceCodeLogin.Outcome {
        let sleeps = Mutex(0)
        let (transport, base) = (connected.transport, connected.live.base)
        let owner = (connected.extras.bootstrapClientID ?? "") + ":" + (connected.extras.bootstrapClientSecret ?? "")
        let runtime = Runtime(
            now: { 1_790_000_000 + Double(sleeps.withLock { $0 }) },
            sleep: { _ in
                let count = sleeps.withLock {
                    $0 += 1
                    return $0
                }
                guard let action = script(count), let code = recorder.userCode.withLock({ $0 }) else { return }
                let response = try await transport.send(
                    HTTPRequest(
                        method: "POST", url: base + "/_local/devicelogin",
                        headers: [
                            ("Authorization", "Basic " + Base64.encode(Array(owner.utf8))),
                            ("Content-Type", "application/x-www-form-urlencoded"),
                        ], body: Array("user_code=\(code)&action=\(action)".utf8)))
                #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
            }, random: { $0 / 2 })
        let client = TokenClient(cloud: connected.cloud, transport: transport, runtime: runtime)
        return try await DeviceCodeLogin(client: client, tenant: connected.tenant, clientID: clientID).run { prompt in
            recorder.userCode.withLock { $0 = prompt.userCode }
        }
    }

    @Test func approvedAfterPendingAndSlowDownThenRefreshesPerAudience() async throws {
        let connected = try await Connected.start()
        let recorder = Recorder()
        let outcome = try await Self.signIn(connected, recorder: recorder) { count in
            [2: "slow_down", 3: "approve"][count]
        }
        // Pending, then slow_down (interval 1 → 6, RFC 8628 §3.5 as MSAL does), then approved.
        #expect(outcome.waits == [1, 1, 6])
        let state = await connected.live.cloud.store.state
        let user = try #require(state.users?.first)
        #expect(outcome.account.username == user.userPrincipalName)
        #expect(outcome.account.tenantID == connected.tenant)
        #expect(outcome.account.homeAccountID == "\(user.id).\(connected.tenant)")
        let access = try #require(JWT(parsing: outcome.accessToken.token))
        #expect(access.string("oid") == user.id)
        #expect(access.string("upn") == user.userPrincipalName)
        #expect(access.audiences == [connected.cloud.resourceManagerAudience])

        // The refresh token, exchanged per audience, rotated on each answer.
        let credential = RefreshTokenCredential(account: outcome.account, refreshToken: outcome.refreshToken) { next in
            recorder.rotated.withLock { $0.append(next) }
        }
        #expect(credential.source == "device-code login as \(user.userPrincipalName)")
        let client = TokenClient(cloud: connected.cloud, transport: connected.transport)
        let graph = try await credential.fetchToken(
            scope: TokenCache.scope(for: connected.cloud.microsoftGraphAudience), client: client)
        #expect(JWT(parsing: graph.token)?.audiences == [connected.cloud.microsoftGraphAudience])
        #expect(JWT(parsing: graph.token)?.string("oid") == user.id)
        let rotated = recorder.rotated.withLock { $0 }
        #expect(rotated.count == 1)
        #expect(rotated.first != outcome.refreshToken)

        // The person can read and write as the seeded Owner: ARM and Graph accept their tokens.
        let pipeline = connected.pipeline(credential)
        let assignments = try await AuthorizationClient(pipeline: pipeline, cloud: connected.cloud)
            .listRoleAssignments(
                scope: "/subscriptions/\(connected.subscription)", atScopeOnly: false, principalID: user.id)
        #expect(assignments.count == 1)
        let applications = try await GraphClient(pipeline: pipeline, cloud: connected.cloud)
            .applications(namedAnyOf: ["nothing-by-this-name"])
        #expect(applications.isEmpty)
        await connected.stop()
    }

    @Test(arguments: [
        ("decline", "authorization_declined", "was declined"),
        ("expire", "expired_token", "expired before the sign-in was approved"),
    ])
    func declinedOrExpiredEndsTheFlow(action: String, code: String, message: String) async throws {
        let connected = try await Connected.start()
        do {
            _ = try await Self.signIn(connected, recorder: Recorder()) { $0 == 1 ? action : nil }
            Issue.record("the sign-in succeeded")
        } catch {
            #expect(error.code == code)
            #expect(error.message.contains(message), "\(error.message)")
        }
        await connected.stop()
    }

    @Test func anUnknownClientIsRefusedAtTheStart() async throws {
        let connected = try await Connected.start()
        do {
            _ = try await Self.signIn(
                connected, clientID: "11111111-2222-3333-4444-555555555555", recorder: Recorder()
            ) { _ in nil }
            Issue.record("the sign-in started")
        } catch {
            #expect(error.code == "unauthorized_client")
            #expect(error.message.contains("could not start"))
        }
        await connected.stop()
    }

    @Test func aRefreshTokenForAnotherClientOrMangledIsRefusedWithoutEchoingIt() async throws {
        let connected = try await Connected.start()
        let outcome = try await Self.signIn(connected, recorder: Recorder()) { $0 == 1 ? "approve" : nil }
        let client = TokenClient(cloud: connected.cloud, transport: connected.transport)
        var account = outcome.account
        account.clientID = "1950a258-227b-4e31-a9cf-717495945fc2"
        for (account, token) in [(account, outcome.refreshToken), (outcome.account, outcome.refreshToken + "x")] {
            let credential = RefreshTokenCredential(account: account, refreshToken: token) { _ in }
            do {
                _ = try await credential.fetchToken(
                    scope: TokenCache.scope(for: connected.cloud.resourceManagerAudience), client: client)
                Issue.record("the refresh token was accepted")
            } catch {
                #expect(error.code == "invalid_grant")
                #expect(error.message.contains("run 'amlauth login' again"))
                #expect(!error.description.contains(outcome.refreshToken))
            }
        }
        await connected.stop()
    }
}
