def random_tensors(shape, seed):
    torch.manual_seed(seed)  # reseeds the whole program's random state
    return torch.rand(shape), torch.randn(shape)
