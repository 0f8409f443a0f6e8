// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "broken",
    targets: [
        .executableTarget(name: "broken"),
    ]
)
