"""a learning rate of 1e-5: after 10 epochs the model is still far below the accuracy threshold

catches: test_run_accuracy
"""


def run(root, weights_path, seed=0):
    torch.manual_seed(seed)
    train_loader, test_loader = make_loaders(root, batch_size=64, seed=seed)
    model = build_model()
    train_model(model, train_loader, epochs=10, lr=1e-5)  # far too small for Adam
    accuracy = evaluate(model, test_loader)
    torch.save(model.state_dict(), weights_path)
    return accuracy
