// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "hello",
    products: [
        .executable(name: "hello", targets: ["hello"]),
    ],
    targets: [
        .executableTarget(name: "hello"),
    ]
)
