import std.nn.linear

/// A two-layer perceptron classifier: fc2(relu(fc1(x))) -> logits [B, classes].
model mlp_classifier(dim: int, hidden: int, classes: int) {
  fc1 = linear(dim, hidden, true, 0.2)
  fc2 = linear(hidden, classes, true, 0.2)
  forward(x: f32[B, dim]) -> f32[B, classes] = fc2(relu(fc1(x)))
}
