package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
)

// With -keep-data the seeded cluster stays on disk between runs, with a
// description of the dataset beside it, so that iterating on a change at
// SCALE=10 does not seed 10,000 organisations each time. The maintained
// aggregates (benchmark sums, dashboard summaries) are rebuilt on every
// run all the same: the code under test may have changed how they are
// kept.

// datasetFormat changes whenever Seed writes something different: a kept
// dataset of another format is seeded again.
const datasetFormat = 1

type keptDataset struct {
	Format  int      `json:"format"`
	Dataset *Dataset `json:"dataset"`
}

// loadDataset returns the dataset described in file when it was seeded
// with orgs organisations by this format, and whether it was.
func loadDataset(file string, orgs int) (*Dataset, bool, error) {
	if file == "" {
		return nil, false, nil
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("kept dataset: %w", err)
	}
	var k keptDataset
	if err := json.Unmarshal(b, &k); err != nil {
		return nil, false, fmt.Errorf("kept dataset %s: %w", file, err)
	}
	if k.Format != datasetFormat || k.Dataset == nil || k.Dataset.Orgs != orgs {
		return nil, false, fmt.Errorf("kept dataset %s was seeded differently (format %d, %d organisations): remove its directory to seed again",
			file, k.Format, k.Dataset.orgs())
	}
	return k.Dataset, true, nil
}

func (d *Dataset) orgs() int {
	if d == nil {
		return 0
	}
	return d.Orgs
}

// saveDataset describes the seeded dataset in file (if set), written last
// so that an interrupted seed is never taken for a complete one.
func saveDataset(file string, ds *Dataset) error {
	if file == "" {
		return nil
	}
	b, err := json.Marshal(keptDataset{Format: datasetFormat, Dataset: ds})
	if err != nil {
		return err
	}
	if err := os.WriteFile(file+".tmp", b, 0o644); err != nil {
		return fmt.Errorf("keep dataset: %w", err)
	}
	return os.Rename(file+".tmp", file)
}

// forgetEarlierRuns removes what earlier runs on a kept dataset added that
// would make this run different: the evidence uploaded (hundreds of MiB
// per run) and the sessions signed in.
func forgetEarlierRuns(ctx context.Context, pool *pgxpool.Pool) error {
	for _, q := range []string{
		`TRUNCATE evidence CASCADE`,
		`DELETE FROM sessions`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			return fmt.Errorf("kept dataset: %s: %w", q, err)
		}
	}
	return nil
}
