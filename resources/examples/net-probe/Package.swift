// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "net-probe",
    products: [
        .executable(name: "net-probe", targets: ["net-probe"]),
    ],
    targets: [
        .executableTarget(name: "net-probe"),
    ]
)
