// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "graceful",
    targets: [
        .executableTarget(name: "graceful"),
    ]
)
