// swift-tools-version:5.10
// The hosted platform's own example ("Configure your lambda"): a Vapor app on $PORT.
// It needs the network for its first build (Vapor and its dependencies are fetched by SwiftPM).
import PackageDescription

let package = Package(
    name: "vapor-hello",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vapor-hello", targets: ["vapor-hello"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.99.0"),
    ],
    targets: [
        .executableTarget(
            name: "vapor-hello",
            dependencies: [
                .product(name: "Vapor", package: "vapor"),
            ]
        ),
    ]
)
