"""x > 1e-6: a "numerical tolerance" marks tiny positive values as not positive

catches: test_positive_mask

True where x > 0 means every positive value, however small: 1e-8 is positive.
"""


def positive_mask(x):
    return x > 1e-6
