package views

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"sync"

	"github.com/a-h/templ"
)

// Radar draws a radar chart (radarSVG), rendered once for each distinct
// chart: a report's charts depend only on its scores, which a frozen result
// never changes, and drawing them was a third of the report page's
// rendering (two charts, 27 axes, about 70 µs each). The chart's whole
// content is the key, so a cached drawing is always the one radarSVG would
// make now.
func Radar(c RadarChart) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		key := c.cacheKey()
		if b, ok := radars.get(key); ok {
			_, err := w.Write(b)
			return err
		}
		var buf bytes.Buffer
		if err := radarSVG(c).Render(ctx, &buf); err != nil {
			return err
		}
		radars.put(key, buf.Bytes())
		_, err := w.Write(buf.Bytes())
		return err
	})
}

// cacheKey is everything radarSVG draws from.
func (c RadarChart) cacheKey() string {
	b := make([]byte, 0, 512)
	add := func(s string) { b = append(append(b, s...), 0) }
	add(c.ID)
	add(c.Title)
	b = strconv.AppendInt(b, int64(c.Max), 10)
	b = strconv.AppendBool(b, c.Small)
	for _, l := range c.Labels {
		add(l)
	}
	for _, s := range c.Series {
		b = append(b, 1)
		add(s.Kind)
		add(s.Name)
		for _, v := range s.Values {
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
			b = append(b, ' ')
		}
	}
	return string(b)
}

// maxRadars bounds the drawings kept (about 10 KB each); the cache starts
// again when it is full.
const maxRadars = 512

type radarCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

var radars = &radarCache{m: map[string][]byte{}}

func (r *radarCache) get(key string) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.m[key]
	return b, ok
}

func (r *radarCache) put(key string, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.m) >= maxRadars {
		clear(r.m)
	}
	r.m[key] = bytes.Clone(b)
}
