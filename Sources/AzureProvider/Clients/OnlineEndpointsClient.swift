/// Azure ML v2 online endpoints over ARM. Scaffolding: the wire implementation replaces this file.
public struct OnlineEndpointsClient: Sendable {
    public let pipeline: AzurePipeline
    public let cloud: AzureCloudEndpoints

    public init(pipeline: AzurePipeline, cloud: AzureCloudEndpoints) {
        self.pipeline = pipeline
        self.cloud = cloud
    }
}
