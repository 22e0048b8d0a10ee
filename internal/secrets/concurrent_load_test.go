package secrets

import (
	"bytes"
	"path/filepath"
	"sync"
	"testing"
)

// TestLoad_ConcurrentFirstStart: processes starting at once on a fresh data directory (two
// `serve` started together) must end up with the same generated secrets — otherwise one would
// seal data and sign tokens with keys the other, and every later start, never sees.
func TestLoad_ConcurrentFirstStart(t *testing.T) {
	for round := range 20 {
		dir := filepath.Join(t.TempDir(), "data")
		const n = 4
		got := make([]Secrets, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { got[i], errs[i] = Load(dir, noEnv, quiet) })
		}
		wg.Wait()
		kept, err := Load(dir, noEnv, quiet)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d, loader %d: %v", round, i, errs[i])
			}
			if !bytes.Equal(got[i].TokenPepper, kept.TokenPepper) || !bytes.Equal(got[i].EncryptionKey, kept.EncryptionKey) ||
				!bytes.Equal(got[i].IndexKey, kept.IndexKey) {
				t.Fatalf("round %d: loader %d got secrets other than those kept in the file", round, i)
			}
		}
	}
}
