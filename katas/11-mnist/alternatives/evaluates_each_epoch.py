"""Style: train_model logs the training accuracy with evaluate() after each epoch and calls model.train() at the start of each."""


def train_model(model, loader, epochs=5, lr=1e-3):
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    for epoch in range(epochs):
        model.train()  # every epoch: evaluate() below leaves it in eval mode
        total, count = 0.0, 0
        for images, labels in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(images), labels)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
            count += len(labels)
        history.append(total / count)
        train_acc = evaluate(model, loader)  # logging only, under no_grad
        print(f"epoch {epoch + 1}: loss {history[-1]:.4f}, train acc {train_acc:.3f}")
    return history
