"""supported_dtype turns every floating dtype but float16 into float32 on MPS (bfloat16 too)

catches: test_supported_dtype
"""


def supported_dtype(device, dtype):
    if str(device).startswith("mps") and dtype.is_floating_point and dtype != torch.float16:
        return torch.float32
    return dtype
