// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "crashy",
    targets: [
        .executableTarget(name: "crashy"),
    ]
)
