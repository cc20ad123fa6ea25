def to_numpy(t):
    return t.detach().cpu().float().numpy()
