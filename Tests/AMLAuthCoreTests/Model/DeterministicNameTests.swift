import AMLAuthCore
import Testing

struct DeterministicNameTests {
    @Test func uuidV5MatchesRFC4122Vectors() {
        // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org"), uuid.uuid5(uuid.NAMESPACE_URL, "")
        let dns: [UInt8] = [
            0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
        ]
        #expect(DeterministicName.uuidV5(namespace: dns, name: "python.org") == "886313e1-3b8a-5372-9b90-0c9aee199e5d")
        let url: [UInt8] = [
            0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
        ]
        #expect(DeterministicName.uuidV5(namespace: url, name: "") == "1b4db7eb-4057-5ddf-91e0-36dec72071f5")
        // A long name crosses SHA-1 block boundaries. Python: uuid.uuid5(uuid.NAMESPACE_DNS, "a" * 200)
        #expect(
            DeterministicName.uuidV5(namespace: dns, name: String(repeating: "a", count: 200))
                == "fe30bfa6-ef90-59b3-b108-118411d0f0ab")
    }

    @Test func roleAssignmentNamesIgnoreCaseAndIDForm() throws {
        let role = try #require(GUID("ACDD72A7-3385-48EF-BD42-F606FBA81AE7"))
        let principal = try #require(GUID("7f3c2a10-5b1e-4c55-9d2e-0a6b8c9d1e2f"))
        let a = try AzureResourceID.parse("/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2/resourceGroups/ML-RG")
            .get()
        let b = try AzureResourceID.parse("/subscriptions/A925F2F7-5C63-4B7B-8799-25A5F97BC3B2/resourcegroups/ml-rg/")
            .get()
        #expect(
            DeterministicName.roleAssignment(scope: a, principalID: principal, role: role)
                == DeterministicName.roleAssignment(scope: b, principalID: principal, role: role))
        let other = try #require(GUID("b24988ac-6180-42a0-ab88-20f7382dd24c"))
        #expect(
            DeterministicName.roleAssignment(scope: a, principalID: principal, role: role)
                != DeterministicName.roleAssignment(scope: a, principalID: principal, role: other))
    }
}
