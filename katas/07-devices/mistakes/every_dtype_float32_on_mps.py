"""supported_dtype returns float32 for every dtype on MPS, so int64 labels and float16 also become float32

catches: test_supported_dtype
"""


def supported_dtype(device, dtype):
    kind = str(device).split(":")[0]
    return torch.float32 if kind == "mps" else dtype
