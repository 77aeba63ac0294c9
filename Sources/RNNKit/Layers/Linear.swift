/// Fully connected layer `y = x W^T + b` over the last axis (`torch.nn.Linear`).
///
/// x is `[..., in]` (any leading shape, read as rows), y is `[..., out]`.
/// weight `[out, in]`, bias `[out]`, both initialised uniform(-1/sqrt(in), 1/sqrt(in)).
/// Outputs and gradients go into buffers the caller owns (a workspace).
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

    /// y = x W^T + b into `output` (resized). Each row of y depends only on the same row of x.
    /// The same function serves an inference plan's snapshot (`weight`, `bias` given).
    @discardableResult
    public func forward(_ x: Tensor, into output: Tensor) -> Tensor {
        Linear.apply(x, weight: weight.value, bias: bias.value, into: output)
    }

    @discardableResult
    static func apply(_ x: Tensor, weight: Tensor, bias: Tensor, into y: Tensor) -> Tensor {
        let inSize = weight.shape[1], outSize = weight.shape[0]
        precondition(x.shape.last == inSize, "linear input \(x.shape), expected last axis \(inSize)")
        let rows = x.count / inSize
        y.resize(Array(x.shape.dropLast()) + [outSize])
        guard rows > 0 else { return y }
        for r in 0..<rows { (y.data + r * outSize).update(from: bias.data, count: outSize) }
        matmul(.none, .transpose, m: rows, n: outSize, k: inSize, alpha: 1,
               a: x.data, lda: inSize, b: weight.data, ldb: inSize, beta: 1, c: y.data, ldc: outSize)
        return y
    }

    /// dW += dY^T X, db += column sums of dY, and dX = dY W into `dInput` (resized to x's shape).
    /// `scratch` holds the bias column sums.
    @discardableResult
    public func backward(_ dOutput: Tensor, input x: Tensor, into dx: Tensor, scratch: Tensor) -> Tensor {
        let rows = x.count / inputSize
        precondition(dOutput.count == rows * outputSize, "linear gradient \(dOutput.shape) for input \(x.shape)")
        dx.resize(x.shape)
        guard rows > 0 else { return dx }
        if !weight.frozen {
            matmul(.transpose, .none, m: outputSize, n: inputSize, k: rows, alpha: 1,
                   a: dOutput.data, lda: outputSize, b: x.data, ldb: inputSize,
                   beta: 1, c: weight.grad.data, ldc: inputSize)
        }
        if !bias.frozen {
            scratch.resize([outputSize])
            addColumnSums(dOutput.data, rows: rows, columns: outputSize, into: bias.grad.data, scratch: scratch.data)
        }
        matmul(.none, .none, m: rows, n: inputSize, k: outputSize, alpha: 1,
               a: dOutput.data, lda: outputSize, b: weight.value.data, ldb: inputSize,
               beta: 0, c: dx.data, ldc: inputSize)
        return dx
    }
}
