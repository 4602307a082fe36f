package score

import (
	"math"
	"testing"
)

func TestRound2(t *testing.T) {
	tests := []struct {
		num, den int
		want     float64
	}{
		{2345, 1000, 2.35}, // 2.345: the classic float trap (2.345*100 = 234.49999…)
		{1, 3, 0.33},       // 0.333…
		{2, 3, 0.67},       // 0.666…
		{7, 8, 0.88},       // 0.875 → half up
		{5, 8, 0.63},       // 0.625 → half up
		{1, 8, 0.13},       // 0.125 → half up
		{19, 8, 2.38},      // 2.375
		{21, 8, 2.63},      // 2.625
		{71, 27, 2.63},     // 2.6296…
		{135, 27, 5},       // 5.00
		{27, 27, 1},        // 1.00
		{4, 3, 1.33},       // 1.333…
		{24, 7, 3.43},      // 3.428571…
		{-1, 8, -0.13},     // −0.125 → half away from zero
		{1, -8, -0.13},     // sign on the denominator
		{-1, -8, 0.13},     // both negative
		{-5, 8, -0.63},     // −0.625
		{-7, 8, -0.88},     // −0.875
		{-2, 3, -0.67},     // −0.666…
		{-1, 3, -0.33},     // −0.333…
		{-5, 1000, -0.01},  // −0.005 → −0.01
		{5, 1000, 0.01},    // 0.005 → 0.01
		{4, 1000, 0},       // 0.004 → 0
		{-4, 1000, 0},      // −0.004 → 0, not −0
		{0, 5, 0},
		{5, 0, 0},  // no denominator: 0 by definition
		{0, 0, 0},  //
		{-3, 0, 0}, //
		{math.MinInt, math.MinInt, 1},
	}
	for _, tt := range tests {
		got := Round2(tt.num, tt.den)
		if got != tt.want || math.Signbit(got) != math.Signbit(tt.want) {
			t.Errorf("Round2(%d, %d) = %v, want %v", tt.num, tt.den, got, tt.want)
		}
	}
	// Beyond 2^64 hundredths falls back to float arithmetic instead of panicking.
	if got := Round2(math.MaxInt, 1); got != float64(math.MaxInt) {
		t.Errorf("Round2(MaxInt, 1) = %v", got)
	}
}

func TestRound1(t *testing.T) {
	tests := []struct{ x, want float64 }{
		{2.45, 2.5},   // binary 2.4500000000000001776…, decimal 2.45 → up
		{0.15, 0.2},   // binary 0.1499999999999999944…, decimal 0.15 → up
		{0.35, 0.4},   // binary 0.3499999999999999778…
		{1.25, 1.3},   // exact half
		{-2.45, -2.5}, // half away from zero
		{-1.25, -1.3},
		{-0.05, -0.1},
		{57.0710678, 57.1},
		{57.05, 57.1},
		{57.0499999, 57.0},
		{99.95, 100},
		{50, 50},
		{3, 3},
		{0.04, 0},
		{-0.04, 0}, // not −0
		{0, 0},
		{1e-20, 0},
		{1e15, 1e15}, // too large to have a tenths digit worth rounding
	}
	for _, tt := range tests {
		got := Round1(tt.x)
		if got != tt.want || math.Signbit(got) != math.Signbit(tt.want) {
			t.Errorf("Round1(%v) = %v, want %v", tt.x, got, tt.want)
		}
	}
	if !math.IsNaN(Round1(math.NaN())) || !math.IsInf(Round1(math.Inf(-1)), -1) {
		t.Error("Round1 must pass NaN and Inf through")
	}
}
