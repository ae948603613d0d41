KEPT = []
_n = [0]

def run():
    churn = [[i, str(i), {"i": i}] for i in range(3000)]
    del churn
    _n[0] += 1
    KEPT.append((_n[0], _n[0] + 1))
