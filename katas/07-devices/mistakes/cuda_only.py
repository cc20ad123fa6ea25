"""the primer's one-liner "cuda" if torch.cuda.is_available() else "cpu" never finds MPS, XPU, NPU or MLU

catches: test_pick_device_each_backend, test_pick_device_npu_mlu, test_pick_device_other_accelerator
"""


def pick_device():
    # the primer's one-liner: knows nothing but CUDA
    return "cuda" if torch.cuda.is_available() else "cpu"
