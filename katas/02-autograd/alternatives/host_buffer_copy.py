"""Style: a CPU buffer like the tensor (empty_like(device="cpu")) filled by copy_, then .numpy()."""


def to_numpy(t):
    host = torch.empty_like(t, device="cpu")
    host.copy_(t.detach())
    return host.numpy()
