"""run never calls torch.manual_seed(seed): the initial weights change from run to run

catches: test_run_uses_seed
"""


def run(root, weights_path, seed=0):
    train_loader, test_loader = make_loaders(root, batch_size=64, seed=seed)
    model = build_model()  # initial weights from whatever the global random state happens to be
    train_model(model, train_loader, epochs=10, lr=1e-3)
    accuracy = evaluate(model, test_loader)
    torch.save(model.state_dict(), weights_path)
    return accuracy
