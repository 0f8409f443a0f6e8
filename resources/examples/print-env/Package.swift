// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "print-env",
    products: [
        .executable(name: "print-env", targets: ["print-env"]),
    ],
    targets: [
        .executableTarget(name: "print-env"),
    ]
)
