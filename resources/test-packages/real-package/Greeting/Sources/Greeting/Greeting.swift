public enum Greeting {
    public static let version = "1.0.0 from a git dependency"
}
