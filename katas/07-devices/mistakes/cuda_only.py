def pick_device():
    # the primer's one-liner: knows nothing but CUDA
    return "cuda" if torch.cuda.is_available() else "cpu"
