// swift-tools-version:5.10
import PackageDescription
import Foundation

// Release builds target AVX2 + FMA (haswell: the x86-64-v3 level) so SIMD8<Float> becomes ymm FMA code.
// RNN_PORTABLE=1 (make build PORTABLE=1) drops the flag for CPUs without AVX2.
let portable = ProcessInfo.processInfo.environment["RNN_PORTABLE"] == "1"
var kernelFlags: [SwiftSetting] = []
#if arch(x86_64)
if !portable {
    kernelFlags.append(.unsafeFlags(["-target-cpu", "haswell"]))
    // Kernels use fused multiply-add only where the CPU has it (see Numerics/).
    kernelFlags.append(.define("RNN_FMA"))
}
#endif

let package = Package(
    name: "RNNKit",
    products: [
        .library(name: "RNNKit", targets: ["RNNKit"]),
        .executable(name: "rnn-train", targets: ["rnn-train"]),
        .executable(name: "rnn-eval", targets: ["rnn-eval"]),
        .executable(name: "rnn-predict", targets: ["rnn-predict"]),
        .executable(name: "rnn-bench", targets: ["rnn-bench"]),
        .executable(name: "rnn-export", targets: ["rnn-export"]),
    ],
    targets: [
        .target(
            name: "RNNKit",
            swiftSettings: kernelFlags,
            linkerSettings: [.linkedLibrary("m")]
        ),
        .executableTarget(name: "rnn-train", dependencies: ["RNNKit"], swiftSettings: kernelFlags),
        .executableTarget(name: "rnn-eval", dependencies: ["RNNKit"], swiftSettings: kernelFlags),
        .executableTarget(name: "rnn-predict", dependencies: ["RNNKit"], swiftSettings: kernelFlags),
        .executableTarget(name: "rnn-bench", dependencies: ["RNNKit"], swiftSettings: kernelFlags),
        .executableTarget(name: "rnn-export", dependencies: ["RNNKit"], swiftSettings: kernelFlags),
        .testTarget(
            name: "RNNKitTests",
            dependencies: ["RNNKit"],
            resources: [.copy("Golden")],
            swiftSettings: kernelFlags
        ),
        .testTarget(name: "CLITests", dependencies: ["RNNKit"], swiftSettings: kernelFlags),
    ]
)
