package score

import (
	"math"
	"math/bits"
	"strconv"
)

// Round2 returns num ÷ den rounded half away from zero to 2 decimals, and 0
// when den is 0 (so "average of nothing" is 0).
//
// The quotient is computed exactly in integers (a 128-bit product and an
// integer division), so there is no binary floating-point error: 2345/1000
// gives 2.35, 1/3 gives 0.33, 2/3 gives 0.67, 7/8 gives 0.88 and −1/8 gives
// −0.13. The result is the float64 nearest to that 2-decimal value.
func Round2(num, den int) float64 {
	if den == 0 {
		return 0
	}
	q, neg, ok := roundQuot(num, den, 100)
	if !ok { // quotient beyond 2^64 hundredths: far outside any score
		return math.Round(float64(num)/float64(den)*100) / 100
	}
	return signed(float64(q)/100, neg && q != 0)
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

// roundQuot returns |num × scale ÷ den| rounded half up (so, with neg, half
// away from zero) and whether the exact result is negative. ok is false when
// the quotient does not fit in 64 bits. den must not be 0.
func roundQuot(num, den int, scale uint64) (q uint64, neg, ok bool) {
	neg = (num < 0) != (den < 0)
	a, d := absU(num), absU(den)
	hi, lo := bits.Mul64(a, scale)
	if hi >= d {
		return 0, neg, false
	}
	q, r := bits.Div64(hi, lo, d)
	if r >= d-r { // remainder ≥ half the divisor: round up
		q++
	}
	return q, neg, true
}

// absU is |x| as uint64, exact even for math.MinInt.
func absU(x int) uint64 {
	if x < 0 {
		return uint64(-(x + 1)) + 1
	}
	return uint64(x)
}

func signed(v float64, neg bool) float64 {
	if neg {
		return -v
	}
	return v
}
