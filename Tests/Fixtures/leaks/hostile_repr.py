class Evil:
    def __repr__(self):
        return "<script>pyinspectPwned(1)</script><img src=x onerror=pyinspectPwned(2)>&amp;<!--"


KEPT = []


def run():
    KEPT.append(Evil())
