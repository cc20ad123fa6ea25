"""train_model adds the loss tensors without .item(): it returns 0-d tensors that keep every batch's graph alive

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
            loss = loss_fn(model(images), labels)
            loss.backward()
            optimizer.step()
            total = total + loss * len(labels)  # a tensor with a graph
            count += len(labels)
        history.append(total / count)
    return history
