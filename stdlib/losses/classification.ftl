/// Classification cross-entropy: mean over the batch of -log softmax(model(x))[label].
loss classification(model, batch) = cross_entropy(model(batch.x), batch.label)
