package score

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestPeerStatsMaintained: a group kept up to date by adding and removing
// peers, and stored as JSON between changes, gives the statistics of the
// peers it holds, exactly as Benchmark computes them from the list.
func TestPeerStatsMaintained(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	peer := func() Peer {
		cats := map[string]float64{}
		for _, id := range []string{"1", "2", "3", "4", "5"} {
			if rng.IntN(6) > 0 {
				cats[id] = float64(100+rng.IntN(401)) / 100 // 1.00–5.00
			}
		}
		return Peer{Total: 27 + rng.IntN(109), RiskIndex: rng.IntN(5), CategoryAverages: cats}
	}
	for round := range 200 {
		var held []Peer
		var ps PeerStats
		for range rng.IntN(40) {
			if len(held) > 0 && rng.IntN(3) == 0 {
				i := rng.IntN(len(held))
				ps.Remove(held[i])
				held = append(held[:i], held[i+1:]...)
			} else {
				p := peer()
				ps.Add(p)
				held = append(held, p)
			}
			b, err := json.Marshal(ps)
			if err != nil {
				t.Fatal(err)
			}
			ps = PeerStats{}
			if err := json.Unmarshal(b, &ps); err != nil {
				t.Fatal(err)
			}
		}
		own := 27 + rng.IntN(109)
		want := Benchmark("k", "v", held, own)
		if got := ps.Stats("k", "v", own); !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d, %d peers: maintained %+v\nwant %+v", round, len(held), got, want)
		}
		cells := 0
		for _, c := range ps.ScatterCells() {
			cells += c.Count
			if c.To-c.From != ScatterBin-1 || c.From%ScatterBin != 0 {
				t.Fatalf("cell %+v is not a band of %d", c, ScatterBin)
			}
		}
		if cells != len(held) {
			t.Fatalf("scatter counts %d peers, want %d", cells, len(held))
		}
	}
}

func TestPeerStatsEmptyAfterRemovingEveryone(t *testing.T) {
	var ps PeerStats
	p := Peer{Total: 80, RiskIndex: 2, CategoryAverages: map[string]float64{"1": 2.5}}
	ps.Add(p)
	ps.Remove(p)
	if ps.N != 0 || ps.Sum != 0 || ps.SumSq != 0 || len(ps.Totals) != 0 || len(ps.Cats) != 0 || len(ps.Scatter) != 0 {
		t.Fatalf("after add and remove: %+v, want empty", ps)
	}
}
