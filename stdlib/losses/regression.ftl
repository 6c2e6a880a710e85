/// Regression: mean squared error between model(x) and the target y.
loss regression(model, batch) = mse(model(batch.x), batch.y)
