"""run saves the state_dict right after build_model(), before training: the file holds the untrained weights

catches: test_run_saves_weights
"""


def run(root, weights_path, seed=0):
    torch.manual_seed(seed)
    train_loader, test_loader = make_loaders(root, batch_size=64, seed=seed)
    model = build_model()
    torch.save(model.state_dict(), weights_path)  # too early: the weights are still the initial ones
    train_model(model, train_loader, epochs=10, lr=1e-3)
    return evaluate(model, test_loader)
