import AMLAuthCore
import Foundation
import LocalCloud
import LocalCloudServer
import TestSupport
import Testing
import WireFormat

/// Issue 13 item 12: delivery is recorded in the cloud, so a fresh CI checkout (no git-ignored
/// sink file) does not rotate every password; Key Vault and Azure Pipelines sinks outlive a job.
@Suite(.serialized)
struct DeliveryRecordTests {
    static func directory(sink: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-delivery-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try write(sink: sink, in: directory)
        return directory
    }

    static func write(sink: String, in directory: String) throws {
        let text = """
            apiVersion: amlauth/v1
            kind: Target
            metadata: {name: ci}
            spec: {cloud: local}
            ---
            apiVersion: amlauth/v1
            kind: ServicePrincipal
            metadata: {name: ml-auth}
            spec:
              credentials:
                - {name: ci, type: password, lifetime: 90d, deliver_to: "\(sink)"}

            """
        try text.write(toFile: directory + "/amlauth.yaml", atomically: true, encoding: .utf8)
    }

    static func state(_ directory: String) throws -> JSONValue {
        try JSONParser.parse(
            try String(contentsOfFile: directory + "/.amlauth/local-cloud/state.json", encoding: .utf8))
    }

    /// The managed application's tags and password keyIds, from the local cloud's state.
    static func application(_ directory: String) throws -> (tags: [String], keyIDs: [String]) {
        let application = try state(directory)["applications"]?.arrayValue?.first {
            $0["tags"]?.arrayValue?.contains(.string("amlauth:ci/ml-auth")) == true
        }
        return (
            application?["tags"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            application?["passwordCredentials"]?.arrayValue?.compactMap { $0["keyID"]?.stringValue } ?? []
        )
    }

    /// Removes the delivery records from the stopped local cloud's state: what a crash between
    /// delivery and record leaves behind.
    static func dropRecords(_ directory: String) async throws {
        let instance = try LocalCloudInstance.open(dataDirectory: directory + "/.amlauth/local-cloud")
        try await instance.cloud.store.write { state in
            for index in state.applications.indices {
                state.applications[index].tags.removeAll { $0.hasPrefix(DeliveryRecord.prefix) }
            }
        }
    }

    @Test func aFreshCheckoutWithoutTheSinkFileDoesNotRotate() throws {
        let directory = try Self.directory(sink: "file:.secrets/ml-auth.json")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let applied = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        let (tags, keyIDs) = try Self.application(directory)
        #expect(keyIDs.count == 1)
        let record = tags.filter { $0.hasPrefix(DeliveryRecord.prefix) }
        #expect(record == [DeliveryRecord(keyID: keyIDs[0], sink: .file(".secrets/ml-auth.json")).tag])
        #expect(!record[0].contains(".secrets"), "the record names the sink by digest only")

        // A new CI job: the git-ignored sink is not on this disk, the cloud is the same.
        try FileManager.default.removeItem(atPath: directory + "/.secrets")
        let plan = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"])
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
        #expect(!plan.stdout.contains("⟳"))
        let again = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(again.status == 0)
        #expect(try Self.application(directory).keyIDs == keyIDs, "the consumers' password was not removed")
    }

    @Test func aDeliveryNeverRecordedIsReplacedOnce() async throws {
        let directory = try Self.directory(sink: "file:.secrets/ml-auth.json")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try CommandRunner.amlauth(["apply", directory, "--auto-approve"]).status == 0)
        let first = try Self.application(directory).keyIDs
        try await Self.dropRecords(directory)

        // The sink on this machine still holds the password: it was delivered.
        #expect(try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"]).status == 0)

        // Neither the cloud nor this disk says it was delivered: replace it, once.
        try FileManager.default.removeItem(atPath: directory + "/.secrets")
        let plan = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"])
        #expect(plan.status == 2)
        #expect(plan.stdout.contains("⟳"), "\(plan.stdout)")
        #expect(try CommandRunner.amlauth(["apply", directory, "--auto-approve"]).status == 0)
        let (tags, keyIDs) = try Self.application(directory)
        #expect(keyIDs.count == 1 && keyIDs != first, "a new password, the unrecorded one removed")
        #expect(tags.filter { $0.hasPrefix(DeliveryRecord.prefix) }.count == 1)
        #expect(try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"]).status == 0)
    }

    @Test func aChangedSinkIsDeliveredTo() throws {
        let directory = try Self.directory(sink: "file:.secrets/ml-auth.json")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try CommandRunner.amlauth(["apply", directory, "--auto-approve"]).status == 0)
        try Self.write(sink: "env-file:.secrets/ml-auth.env", in: directory)
        let plan = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"])
        #expect(plan.status == 2)
        #expect(plan.stdout.contains("⟳"), "\(plan.stdout)")
    }
}
