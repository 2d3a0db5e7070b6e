public import AMLAuthCore
public import AzureProvider

/// Between the core's plan values (`OnlineEndpointPut`, `LiveOnlineEndpoint`) and the provider's
/// typed ARM values (`OnlineEndpointDefinition`, `OnlineEndpoint`): the one place that knows both.
public enum OnlineEndpointMapping {
    public static func definition(_ put: OnlineEndpointPut) -> OnlineEndpointDefinition {
        OnlineEndpointDefinition(
            workspaceID: put.workspaceID, name: put.name, location: put.location, authMode: authMode(put.authMode),
            compute: put.computeID.map { .kubernetes(computeID: $0) } ?? .managed, traffic: put.traffic,
            publicNetworkAccess: put.publicNetworkAccess, description: put.description, tags: put.tags)
    }

    public static func definition(_ put: OnlineDeploymentPut) -> OnlineDeploymentDefinition {
        OnlineDeploymentDefinition(
            endpointID: put.endpointID, name: put.name, location: put.location,
            // azure-ai-ml sends a registered model as `azureml:name:version` (its `_resolve_azureml_id`).
            model: "azureml:\(put.model)", environment: put.environment, codeID: put.code?.codeID.description,
            scoringScript: put.code?.scoringScript, instanceType: put.instanceType, instanceCount: put.instanceCount,
            tags: put.tags)
    }

    public static func authMode(_ mode: OnlineEndpointAuth) -> OnlineEndpointAuthMode {
        switch mode {
        case .key: .key
        case .amlToken: .amlToken
        case .aadToken: .aadToken
        }
    }

    public static func keyType(_ key: ServiceKey) -> OnlineEndpointKeyType {
        switch key {
        case .primary: .primary
        case .secondary: .secondary
        }
    }

    public static func live(_ endpoint: OnlineEndpoint, workspaceID: AzureResourceID) -> LiveOnlineEndpoint {
        let computeID: AzureResourceID?
        switch endpoint.compute {
        case .managed: computeID = nil
        case .kubernetes(let id): computeID = id
        }
        return LiveOnlineEndpoint(
            workspaceID: workspaceID, name: endpoint.name, location: endpoint.location,
            authMode: endpoint.authMode.rawValue, computeID: computeID, traffic: endpoint.traffic,
            publicNetworkAccess: endpoint.publicNetworkAccess, description: endpoint.description, tags: endpoint.tags,
            provisioningState: endpoint.provisioningState, scoringURI: endpoint.scoringURI)
    }

    public static func live(_ deployment: OnlineDeployment, endpointID: AzureResourceID) -> LiveOnlineDeployment {
        LiveOnlineDeployment(
            endpointID: endpointID, name: deployment.name, model: deployment.model,
            environment: deployment.environment, codeID: deployment.codeID, scoringScript: deployment.scoringScript,
            instanceType: deployment.instanceType, instanceCount: deployment.instanceCount, tags: deployment.tags,
            provisioningState: deployment.provisioningState)
    }
}
