"""run returns the accuracy on the training loader instead of the test loader

catches: test_run_saves_weights
"""


def run(root, weights_path, seed=0):
    torch.manual_seed(seed)
    train_loader, test_loader = make_loaders(root, batch_size=64, seed=seed)
    model = build_model()
    train_model(model, train_loader, epochs=10, lr=1e-3)
    accuracy = evaluate(model, train_loader)  # the images it trained on
    torch.save(model.state_dict(), weights_path)
    return accuracy
