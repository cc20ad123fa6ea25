""".float() before .numpy(): float64 and int64 tensors come back as float32

catches: test_to_numpy
"""


def to_numpy(t):
    return t.detach().cpu().float().numpy()
