/// `amlauth destroy`: what a prune with an empty desired set would do.
extension DesiredState {
    /// The same Target with nothing declared but its workspaces: planned with prune, every object
    /// the Target owns is an orphan and is deleted. Workspaces stay, because amlauth never deletes
    /// them and reads the services it owns through them.
    public var destroying: DesiredState {
        var state = DesiredState(target: target, subscriptionID: subscriptionID)
        state.workspaces = workspaces
        return state
    }
}
