import AMLAuthCore
import LocalCloud
import Testing
import WireFormat

/// `--faults arm-throttle=…`: ARM's token buckets, enforced with real 429s and reported in headers.
struct ARMThrottleTests {
    @Test func parsesTheThrottleSpec() throws {
        let on = try FaultPlan(parsing: "arm-throttle=on")
        #expect(on.armThrottle == .documented)
        let scaled = try FaultPlan(parsing: "arm-throttle=scale:0.1")
        #expect(scaled.armThrottle?.writes == .init(size: 200, refillPerSecond: 100))
        #expect(scaled.armThrottle?.reads == .init(size: 250, refillPerSecond: 250))
        let exact = try FaultPlan(parsing: "arm-throttle=scale:0.5,arm-writes=5/2")
        #expect(exact.armThrottle?.writes == .init(size: 5, refillPerSecond: 2), "an explicit bucket is not scaled")
        #expect(exact.armThrottle?.deletes == .init(size: 200, refillPerSecond: 20))
        #expect(try FaultPlan(parsing: "429=0.1").armThrottle == nil, "off unless asked for")
        #expect(throws: FaultPlan.ParseError.self) { try FaultPlan(parsing: "arm-throttle=fast") }
        #expect(throws: FaultPlan.ParseError.self) { try FaultPlan(parsing: "arm-writes=5") }
        #expect(throws: FaultPlan.ParseError.self) { try FaultPlan(parsing: "arm-reads=0/3") }
    }

    @Test func refusesTheRequestThatFindsTheBucketEmpty() async throws {
        let harness = try Harness.make { $0.faults = try? FaultPlan(parsing: "arm-writes=3/2") }
        let token = try await harness.armToken()
        let principal = try await harness.makePrincipal("throttled")
        func put(_ index: Int) async -> CloudResponse {
            let name = "00000000-0000-4000-8000-00000000000\(index)"
            return await harness.send(
                "PUT",
                "\(harness.workspace)/providers/Microsoft.Authorization/roleAssignments/\(name)?\(ARMRoutesTests.api)",
                token: token,
                json: ARMRoutesTests().assignmentBody(
                    role: ["Reader", "Contributor", "Owner", "AzureML Data Scientist", "AzureML Compute Operator"][
                        index],
                    principal: principal.objectID))
        }
        for (index, left) in [2, 1, 0].enumerated() {
            let response = await put(index)
            #expect(response.status == 201, "\(response.text)")
            #expect(response.header("x-ms-ratelimit-remaining-subscription-writes") == String(left))
            #expect(response.header("x-ms-ratelimit-remaining-subscription-global-writes") == String(45 - index - 1))
        }
        let refused = await put(3)
        let owner = try #require(harness.state.servicePrincipals.first { $0.appID == harness.state.bootstrapClientID })
        #expect(refused.status == 429)
        #expect(refused.errorCode == "SubscriptionRequestsThrottled")
        #expect(
            refused.json?["error"]?["message"]?.stringValue
                == "Number of 'write' requests for subscription '\(harness.state.subscriptionID)' actor '\(owner.id)' exceeded. Please try again after '1' seconds."
        )
        #expect(refused.header("Retry-After") == "1")
        #expect(refused.header("x-ms-retry-after-ms") == "500", "one token at 2/s")
        #expect(refused.header("x-ms-ratelimit-remaining-subscription-writes") == "0")
        #expect(harness.cloud.counters.total(status: 429) == 1, "the 429 is counted")

        let read = await harness.send("GET", "\(harness.subscription)?api-version=2022-12-01", token: token)
        #expect(read.status == 200, "reads have their own bucket")
        #expect(read.header("x-ms-ratelimit-remaining-subscription-reads") == "249")
        #expect(read.header("x-ms-ratelimit-remaining-subscription-global-reads") == "3749")

        harness.clock.advance(0.5)
        #expect(await put(3).status == 201, "a token is back after Retry-After")
        #expect(await put(4).status == 429, "and only one")
    }

    @Test func withoutTheFaultItOnlyReports() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        var last = CloudResponse(status: 0)
        for _ in 0..<300 {
            last = await harness.send("GET", "\(harness.subscription)?api-version=2022-12-01", token: token)
        }
        #expect(last.status == 200)
        #expect(last.header("x-ms-ratelimit-remaining-subscription-reads") == "0")
    }
}
