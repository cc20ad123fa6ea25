"""the test images joined to the training set: the test accuracy is inflated and no longer measures anything

catches: test_run_trains_on_train_split
"""


from torch.utils.data import ConcatDataset


def run(root, weights_path, seed=0):
    torch.manual_seed(seed)
    train_loader, test_loader = make_loaders(root, batch_size=64, seed=seed)
    # "more data trains better": the test images join the training set
    everything = ConcatDataset([train_loader.dataset, test_loader.dataset])
    loader = DataLoader(everything, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(seed))
    model = build_model()
    train_model(model, loader, epochs=10, lr=1e-3)
    accuracy = evaluate(model, test_loader)
    torch.save(model.state_dict(), weights_path)
    return accuracy
