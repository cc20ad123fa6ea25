def supported_dtype(device, dtype):
    return dtype  # float64 goes to MPS, which cannot hold it
