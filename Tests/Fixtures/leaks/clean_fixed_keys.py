STATE = {}
_n = [0]

def run():
    _n[0] += 1
    STATE[_n[0] % 5] = [_n[0]] * 10
