#!/usr/bin/env python3
"""Independent xoshiro256** / SplitMix64 implementation (from the published algorithms,
https://prng.di.unimi.it/) that writes rng_golden.txt, the expected values of
TestRNGGolden and TestDeriveSeedGolden in package sample.

Run from this directory: python3 rng_golden.py > rng_golden.txt
"""

M = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def splitmix64_output(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


class Xoshiro256ss:
    def __init__(self, seed):
        x = seed
        self.s = []
        for _ in range(4):
            x = (x + GAMMA) & M
            self.s.append(splitmix64_output(x))

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & M, 7) * 9) & M
        t = (s[1] << 17) & M
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result


def derive_seed(seed, i):
    if i == 0:
        return seed
    return splitmix64_output((seed + i * GAMMA) & M)


if __name__ == "__main__":
    for seed in (0, 1, 42, 0xFFFFFFFFFFFFFFFF):
        r = Xoshiro256ss(seed)
        print("rng", seed, " ".join(str(r.next()) for _ in range(6)))
    for seed in (0, 42, 0xFFFFFFFFFFFFFFFF):
        print("derive", seed, " ".join(str(derive_seed(seed, i)) for i in range(4)))
