#!/usr/bin/env python3
"""Prints the table of 2^(j/64), j = 0..63, for expNeg in exp.go, each value correctly
rounded to float64 (50-digit decimal arithmetic, then Python's correctly rounded
str -> float conversion), in Go hex-float syntax.

Run from this directory: python3 exp_table.py
"""
from decimal import Decimal, getcontext

getcontext().prec = 60
ln2 = Decimal(2).ln()
for j in range(64):
    v = float(str((ln2 * j / 64).exp()))
    print("\t%s," % v.hex())
