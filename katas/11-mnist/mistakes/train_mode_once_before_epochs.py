"""train_model calls model.train() once before the epochs and evaluate() after each: every epoch after the first trains in eval mode

catches: test_train_model_sets_train_mode

evaluate() leaves the model in eval mode; the next epoch needs model.train() again.
"""


def train_model(model, loader, epochs=5, lr=1e-3):
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()  # only once, before the epochs
    history = []
    for epoch in range(epochs):
        total, count = 0.0, 0
        for images, labels in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(images), labels)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
            count += len(labels)
        history.append(total / count)
        train_acc = evaluate(model, loader)  # leaves the model in eval mode for the next epoch
        print(f"epoch {epoch + 1}: loss {history[-1]:.4f}, train acc {train_acc:.3f}")
    return history
