import AMLAuthCore
import TestSupport
import Testing
import WireFormat

struct SchemaTests {
    @Test func committedSchemaIsUpToDate() throws {
        let committed = try Paths.read("manifests/amlauth.schema.json")
        #expect(
            committed == JSONSchemaGenerator.schema().serialized(),
            "run: swift run amlauth schema > manifests/amlauth.schema.json")
    }

    @Test func everyKindAndFieldIsInTheSchema() {
        let schema = JSONSchemaGenerator.schema().serialized()
        for kind in ManifestKind.allCases {
            #expect(schema.contains("\"\(kind.rawValue)\": {"))
            for field in ManifestSchema.spec(for: kind).fields {
                #expect(schema.contains("\"\(field.name)\": {"), "\(kind.rawValue).\(field.name)")
            }
        }
    }

    @Test func environmentIsAllowedOnlyWhereTheDecoderAllowsIt() {
        let schema = JSONSchemaGenerator.schema().serialized()
        // tenant_id allows ${env:…}; compute_target does not.
        #expect(schema.contains("\\\\$\\\\{env:"))
        let target = JSONSchemaGenerator.property(ManifestSchema.spec(for: .webservice).field("compute_target")!)
            .serialized()
        #expect(!target.contains("env:"))
    }
}

struct JSONValueTests {
    @Test func escapesAndOrders() {
        let value = JSONValue.object([
            ("b", .string("quote \" slash \\ newline \n tab \t bell \u{7}")),
            ("a", .array([.number(1), .number(0.5), .bool(true), .null])),
        ])
        #expect(
            value.serialized() == """
                {
                  "b": "quote \\" slash \\\\ newline \\n tab \\t bell \\u0007",
                  "a": [1, 0.5, true, null]
                }

                """)
    }
}
