/// The part of a model between the encoder and the classifier: it turns a batch's encoder
/// output (and, if it wants, the embedding rows of its tokens) into one feature vector per
/// sequence, `[B, featureSize]`.
///
/// A head is a plug-in: one file per head (`PoolingHead`, `RCNNPaperHead`, `RCNNReferenceHead`,
/// `MemoryHead`), chosen in one place, `ModelFactory.head(for:encoderOutputSize:rng:)`. It owns
/// its parameters only; its per-batch buffers and what forward saves for backward live in its
/// own `HeadWorkspace` type, which the head creates and downcasts. For inference it builds an
/// immutable `HeadPlan` from copies of its weights. docs/DESIGN.md says how to add one.
public protocol SequenceHead: AnyObject {
    /// In model order (they follow the encoder's, before the classifier's).
    var parameters: [Parameter] { get }
    var featureSize: Int { get }
    /// False when the classifier reads the features without dropout (the reference TextRCNN).
    var dropsOutFeatures: Bool { get }

    func makeWorkspace() -> HeadWorkspace
    /// Features `[B, featureSize]` (the workspace's), saving in the workspace what backward needs.
    func forward(_ input: HeadInput, workspace: HeadWorkspace) -> Tensor
    /// Accumulates the head's parameter gradients; returns the gradients of what it read.
    func backward(_ dFeatures: Tensor, input: HeadInput, workspace: HeadWorkspace) -> HeadGradient
    /// A snapshot for inference. `embedding` is the plan's copy of the embedding table `[V, E]`.
    func makePlan(embedding: Tensor) -> HeadPlan
}

extension SequenceHead {
    public var dropsOutFeatures: Bool { true }
}

/// A head's training buffers (each head defines its own class).
public protocol HeadWorkspace: AnyObject {}

/// What a head reads of a batch in training.
public struct HeadInput {
    /// `[T, B, D*H]`, zero at padded steps; nil for a model without an encoder.
    public let encoded: Tensor?
    /// The batch's distinct tokens, and the row each position reads.
    public let tokens: TokenRows
    /// `[U, E]`: the embedding rows of the distinct tokens.
    public let rows: Tensor
    public let mask: SequenceMask
}

/// The gradients a head returns, of what it read (nil: it did not read it).
public struct HeadGradient {
    /// `[T, B, D*H]`, zero at padded steps.
    public var encoded: Tensor?
    /// `[U, E]`, per distinct token.
    public var rows: Tensor?
}

/// A head for inference: immutable copies of its weights (and any tables built from them).
public protocol HeadPlan {
    var featureSize: Int { get }
    func makeWorkspace() -> HeadWorkspace
    /// Features `[B, featureSize]` (the workspace's).
    func features(_ input: PlanHeadInput, workspace: HeadWorkspace) -> Tensor
}

/// What a head plan reads of a batch.
public struct PlanHeadInput {
    public let encoded: Tensor?
    /// `[T * B]` time-major token ids (padded positions hold the pad id).
    public let ids: [Int32]
    public let mask: SequenceMask
    /// The plan's embedding table `[V, E]`.
    public let embedding: Tensor
}
