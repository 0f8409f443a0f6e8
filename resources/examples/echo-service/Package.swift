// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "echo-service",
    products: [
        .executable(name: "echo-service", targets: ["echo-service"]),
    ],
    targets: [
        .executableTarget(name: "echo-service"),
    ]
)
