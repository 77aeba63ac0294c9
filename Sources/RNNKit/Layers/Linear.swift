/// Fully connected layer `y = x W^T + b` over the last axis (`torch.nn.Linear`).
///
/// x is `[..., in]` (any leading shape, read as rows), y is `[..., out]`.
/// weight `[out, in]`, bias `[out]`, both initialised uniform(-1/sqrt(in), 1/sqrt(in)).
public final class Linear: ParameterOwner {
    public let inputSize: Int
    public let outputSize: Int
    public let weight: Parameter   // [out, in]
    public let bias: Parameter     // [out]

    public var parameters: [Parameter] { [weight, bias] }

    public init(inputSize: Int, outputSize: Int, name: String, rng: inout RandomSource) {
        precondition(inputSize > 0 && outputSize > 0, "linear layer needs positive sizes")
        self.inputSize = inputSize
        self.outputSize = outputSize
        weight = Parameter(name: "\(name).weight", shape: [outputSize, inputSize])
        bias = Parameter(name: "\(name).bias", shape: [outputSize])
        let bound = 1 / Float(inputSize).squareRoot()
        for i in 0..<weight.value.count { weight.value[i] = rng.uniform(-bound, bound) }
        for i in 0..<outputSize { bias.value[i] = rng.uniform(-bound, bound) }
    }

    /// The input, needed for dW.
    public struct Cache {
        public let input: Tensor   // [rows, in]
    }

    public func forward(_ x: Tensor) -> (output: Tensor, cache: Cache) {
        (inference(x), Cache(input: x))
    }

    /// y = x W^T + b. Each row of y depends only on the same row of x.
    public func inference(_ x: Tensor) -> Tensor {
        precondition(x.shape.last == inputSize, "linear input \(x.shape), expected last axis \(inputSize)")
        let rows = x.count / inputSize
        let y = Tensor(uninitialized: Array(x.shape.dropLast()) + [outputSize])   // written whole (beta = 0)
        guard rows > 0 else { return y }
        matmul(.none, .transpose, m: rows, n: outputSize, k: inputSize, alpha: 1,
               a: x.data, lda: inputSize, b: weight.value.data, ldb: inputSize,
               beta: 0, c: y.data, ldc: outputSize)
        let out = y.data, b = bias.value.data
        for r in 0..<rows {
            let row = out + r * outputSize
            for j in 0..<outputSize { row[j] += b[j] }
        }
        return y
    }

    /// dW += dY^T X, db += sum over rows of dY (rows in order), returns dX = dY W.
    public func backward(_ dOutput: Tensor, cache: Cache) -> Tensor {
        let x = cache.input
        let rows = x.count / inputSize
        precondition(dOutput.count == rows * outputSize, "linear gradient \(dOutput.shape) for input \(x.shape)")
        let dx = Tensor(uninitialized: x.shape)   // written whole by the last matmul (beta = 0)
        guard rows > 0 else { return dx }
        matmul(.transpose, .none, m: outputSize, n: inputSize, k: rows, alpha: 1,
               a: dOutput.data, lda: outputSize, b: x.data, ldb: inputSize,
               beta: 1, c: weight.grad.data, ldc: inputSize)
        let db = bias.grad.data, dy = dOutput.data
        for r in 0..<rows {
            let row = dy + r * outputSize
            for j in 0..<outputSize { db[j] += row[j] }
        }
        matmul(.none, .none, m: rows, n: inputSize, k: outputSize, alpha: 1,
               a: dOutput.data, lda: outputSize, b: weight.value.data, ldb: inputSize,
               beta: 0, c: dx.data, ldc: inputSize)
        return dx
    }
}
