"""softmax applied to the logits before nn.CrossEntropyLoss (which applies log-softmax itself)

catches: test_train_model_loss
"""


def train_model(model, loader, epochs=5, lr=1e-3):
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    history = []
    for _ in range(epochs):
        total, count = 0.0, 0
        for images, labels in loader:
            optimizer.zero_grad()
            loss = loss_fn(torch.softmax(model(images), dim=1), labels)  # probabilities into CrossEntropyLoss
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
            count += len(labels)
        history.append(total / count)
    return history
