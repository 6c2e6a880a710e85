// Activations beyond the builtins (gelu = GPT-2's tanh approximation, silu, relu, sigmoid,
// log_sigmoid are builtin functions), written from the primitives.

/// GELU with the exact erf replaced by the sigmoid approximation x * sigmoid(1.702 x) (CLIP's quick_gelu).
fn quick_gelu(x) = x * sigmoid(1.702 * x)

/// Leaky ReLU: x for x > 0, slope * x otherwise.
fn leaky_relu(x, slope: float = 0.01) = where(x > 0, x, slope * x)

/// Swish with a fixed beta: x * sigmoid(beta x) (beta = 1 is silu).
fn swish(x, beta: float = 1.0) = x * sigmoid(beta * x)
