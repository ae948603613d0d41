"""A local random.py and json.py hide the standard library's: the program gets the local ones."""
import beta

import random
import json

print(random.LOCAL, json.LOCAL, beta.LOCAL)
