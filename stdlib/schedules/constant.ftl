/// Constant schedule: the multiplier is 1 at every step.
schedule constant() = 1.0
