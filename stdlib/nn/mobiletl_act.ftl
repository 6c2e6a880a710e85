// MobileNet activations and MobileTL's approximate backward for them (Chiang et al. 2023,
// "MobileTL: On-device Transfer Learning with Inverted Residual Blocks"): the backward of
// ReLU6 / Hard-Swish is a step function of the input, so it needs no activation values,
// only where the input lies. Each rule reads that from the activation's own OUTPUT y (the
// forward node itself, hash-consed, not a recomputation), which the next convolution keeps
// for its weight gradient anyway: the input x need not outlive the forward.

/// Hard-Swish (MobileNetV3): x * ReLU6(x + 3) / 6.
fn hard_swish(x) = x * clamp(x + 3.0, 0.0, 6.0) / 6.0

/// ReLU6 with MobileTL's mask-only backward: dx = g where 0 < x < 6, else 0, read as
/// 0 < y < 6 from the output. The true derivative except exactly at x = 0 and x = 6
/// (where autodiff of clamp gives g/2).
fn relu6_masked(x) = clamp(x, 0.0, 6.0) backward(g) {
  let y = clamp(x, 0.0, 6.0)
  return where(y > 0.0, where(y < 6.0, g, 0.0), 0.0)
}

/// Hard-Swish with MobileTL's step-function backward: dx = g where x > 0, else 0, read as
/// y > 0 from the output (y > 0 exactly when x > 0). The true derivative is 0 below -3,
/// (2x + 3) / 6 on [-3, 3] and 1 above 3; the step agrees outside [-3, 3] and is the
/// 0/1 function through its midpoint (1/2 at x = 0). The paper calls this a signed
/// function; its exact threshold is from knowledge, not checked against the paper.
fn hard_swish_step(x) = x * clamp(x + 3.0, 0.0, 6.0) / 6.0 backward(g) {
  let y = x * clamp(x + 3.0, 0.0, 6.0) / 6.0
  return where(y > 0.0, g, 0.0)
}

/// The activation named by `act` ("relu6" or "hard_swish"), with MobileTL's approximate
/// backward when `approx`.
fn mobile_act(x, act: string = "relu6", approx: bool = false) {
  if act == "hard_swish" {
    if approx {
      return hard_swish_step(x)
    }
    return hard_swish(x)
  }
  if approx {
    return relu6_masked(x)
  }
  return clamp(x, 0.0, 6.0)
}
