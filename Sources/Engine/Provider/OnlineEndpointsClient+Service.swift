import AzureProvider

/// The ARM client is the engine's online-endpoint service.
extension OnlineEndpointsClient: OnlineEndpointService {}
