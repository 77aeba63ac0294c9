import RNNKit
// Placeholder: wired up once the library has the pieces.
print("rnn-eval: not implemented yet")
