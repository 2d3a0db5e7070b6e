import AzureProvider
import HTTPClient
import Testing

/// Every error body shape the services use keeps its message (audit D20 for model management).
struct ErrorDecodingTests {
    func decode(_ status: Int, _ body: String, _ service: AzureError.Service) -> AzureError {
        AzureError.from(HTTPResponse(status: status, body: Array(body.utf8)), service: service, target: "T")
    }

    @Test func modelManagementValidationBodyKeepsItsMessage() {
        let error = decode(
            400, #"{"error": {"message": "Invalid value for autoscale_max_replicas"}}"#, .modelManagement)
        #expect(error.code == "HTTP400")
        #expect(error.message == "Invalid value for autoscale_max_replicas")
    }

    @Test func armGraphModelManagementAndEntraShapes() {
        #expect(
            decode(404, #"{"error": {"code": "NotFound", "message": "gone"}}"#, .resourceManager).code == "NotFound")
        #expect(decode(409, #"{"code": "Conflict", "message": "taken"}"#, .modelManagement).message == "taken")
        let entra = decode(
            401,
            #"{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret.\r\nTrace ID: x", "error_codes": [7000215]}"#,
            .entra)
        #expect(entra.code == "AADSTS7000215")
        #expect(entra.message == "Invalid client secret.")
        #expect(decode(500, "not json", .resourceManager).message == "the service answered 500")
    }

    /// Both answers Graph gives to a service principal for an application it has not replicated
    /// yet are waited out: 400 for callers with `.All`, 403 for `Application.ReadWrite.OwnedBy`
    /// (audit D5). Any other 403 is not.
    @Test func servicePrincipalReplicationErrorsInBothShapes() {
        let bad = decode(
            400,
            #"{"error": {"code": "Request_BadRequest", "message": "The appId 'x' of the service principal does not reference a valid application object."}}"#,
            .graph)
        let forbidden = decode(
            403,
            #"{"error": {"code": "Authorization_RequestDenied", "message": "When using this permission, the backing application of the service principal being created must in the local tenant"}}"#,
            .graph)
        let denied = decode(
            403, #"{"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges"}}"#, .graph)
        #expect(bad.isApplicationNotReplicated && forbidden.isApplicationNotReplicated)
        #expect(!denied.isApplicationNotReplicated)
    }
}
