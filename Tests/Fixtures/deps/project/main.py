import beta
import gamma

print(beta.DISTRIBUTION, gamma.DISTRIBUTION)
