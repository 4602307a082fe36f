package store_test

import (
	"os"
	"testing"

	"mamori/internal/testdb"
)

// TestMain drops any database the package's tests left behind.
func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }
