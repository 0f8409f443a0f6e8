public func sharedGreeting() -> String {
    "hello from a path dependency"
}
