import warnings

warnings.warn("fixture warning", UserWarning)
print("after warning")
