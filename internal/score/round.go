package score

import (
	"math"
	"strconv"
)

// Round2 returns num ÷ den rounded half away from zero to 2 decimals, and 0
// when den is 0 (so "average of nothing" is 0).
//
// The quotient is taken in int hundredths, so there is no binary
// floating-point error: 2345/1000 gives 2.35 (as a float, 2.345×100 is
// 234.4999…), 1/3 gives 0.33, 7/8 gives 0.88 and −1/8 gives −0.13.
func Round2(num, den int) float64 {
	if den == 0 {
		return 0
	}
	if num > maxExact || num < -maxExact || den > maxExact || den < -maxExact {
		// Far beyond any score: float arithmetic is as good as it gets.
		return math.Round(float64(num)/float64(den)*100) / 100
	}
	return float64(divRound(100*num, den)) / 100
}

// maxExact bounds the operands Round2 can take in hundredths without
// overflowing divRound.
const maxExact = 1 << 50

// divRound returns num ÷ den rounded half away from zero; den must not be 0.
func divRound(num, den int) int {
	if den < 0 {
		num, den = -num, -den
	}
	if num < 0 {
		return -((-2*num + den) / (2 * den))
	}
	return (2*num + den) / (2 * den)
}

// Round1 rounds x half away from zero to 1 decimal.
//
// It rounds the shortest decimal that represents x (what strconv prints,
// e.g. "2.45" for 2.45) rather than x's binary expansion
// (2.4500000000000001776…), so values written with two decimals round the
// way a person expects: 2.45 → 2.5, 0.15 → 0.2, −2.45 → −2.5. NaN, ±Inf and
// magnitudes of 1e15 or more are returned unchanged.
func Round1(x float64) float64 { return roundFloat(x, 1) }

var pow10 = [...]float64{1, 10, 100, 1000}

// roundFloat rounds x half away from zero to places (0..3) decimals, working
// on x's shortest decimal representation.
func roundFloat(x float64, places int) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) >= 1e15 {
		return x
	}
	var buf [40]byte
	s := strconv.AppendFloat(buf[:0], math.Abs(x), 'f', -1, 64)
	var n uint64 // the digits kept, as an integer count of 10^-places
	frac := -1   // fraction digits kept so far; -1 before the point
	for _, c := range s {
		if c == '.' {
			frac = 0
			continue
		}
		if frac == places { // first dropped digit decides
			if c >= '5' {
				n++
			}
			break
		}
		n = n*10 + uint64(c-'0')
		if frac >= 0 {
			frac++
		}
	}
	for frac = max(frac, 0); frac < places; frac++ {
		n *= 10
	}
	if n == 0 {
		return 0 // never -0: it would print as "-0" in JSON
	}
	return signed(float64(n)/pow10[places], x < 0)
}

func signed(v float64, neg bool) float64 {
	if neg {
		return -v
	}
	return v
}
