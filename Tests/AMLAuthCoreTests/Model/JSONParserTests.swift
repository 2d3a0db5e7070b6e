import AMLAuthCore
import Testing
import WireFormat

struct JSONParserTests {
    @Test func parsesAndKeepsKeyOrder() throws {
        let value = try JSONParser.parse(
            #"{"z": 1, "a": [true, false, null, -2.5e1, "x\ty\u00e9\ud83d\udd11"], "m": {}}"#)
        #expect(value.objectValue?.map(\.0) == ["z", "a", "m"])
        #expect(value["z"]?.numberValue == 1)
        #expect(value["a"]?.arrayValue?.count == 5)
        #expect(value["a"]?.arrayValue?[3].numberValue == -25)
        #expect(value["a"]?.arrayValue?[4].stringValue == "x\tyé🔑")
        #expect(value.compact() == #"{"z":1,"a":[true,false,null,-25,"x\tyé🔑"],"m":{}}"#)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "tru", "\"abc", "{\"a\":1} x", "[1e999]", "\"\\ud800\"", "01x", "\"\u{1}\"",
    ])
    func rejectsMalformedInput(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
    }

    @Test func boundsNesting() {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(deep) }
    }

    @Test func setting() {
        let value = JSONValue.object([("a", .number(1))]).setting("a", to: .number(2)).setting("b", to: .null)
        #expect(value.compact() == #"{"a":2,"b":null}"#)
    }
}
