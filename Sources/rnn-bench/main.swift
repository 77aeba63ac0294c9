import RNNKit
// Placeholder: wired up once the library has the pieces.
print("rnn-bench: not implemented yet")
