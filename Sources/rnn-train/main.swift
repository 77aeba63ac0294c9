import RNNKit
// Placeholder: wired up once the library has the pieces.
print("rnn-train: not implemented yet")
