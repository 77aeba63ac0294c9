import RNNKit
// Placeholder: wired up once the library has the pieces.
print("rnn-predict: not implemented yet")
