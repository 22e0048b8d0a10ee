package main

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestServe_PurgesIdempotencyKeys: serve's purge loop deletes the idempotency keys older than the
// retention at start, and keeps the recent ones, which still replay.
func TestServe_PurgesIdempotencyKeys(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	prog := e.createSubsidyProgramme(t, subsidyProgrammeBody("purge_keys", 100_000_000))
	ids := e.approvedSubsidyPayouts(t, prog, 150_000, 50_000)
	create := func(key string, id int64, amount int) response {
		return e.call("POST", "/v1/subsidy/payout-runs", "finance", map[string]any{"payout_ids": []int64{id},
			"control_count": 1, "control_sum_fen": amount}, "Idempotency-Key", key)
	}
	mustStatus(t, create("old-key", ids[0], 150_000), http.StatusCreated, "first run")
	mustStatus(t, create("recent-key", ids[1], 50_000), http.StatusCreated, "second run")
	e.db.MustExec(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'old-key'`)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { purgeIdempotencyKeys(ctx, e.db, time.Hour, discardLog()); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for e.count(`SELECT count(*) FROM idempotency_keys WHERE key = 'old-key'`) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the key older than the retention was never purged")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if n := e.count(`SELECT count(*) FROM idempotency_keys WHERE key = 'recent-key'`); n != 1 {
		t.Fatalf("%d recent keys left, want 1", n)
	}
	// The recent key still replays its run; the purged one is a new request, refused on the state
	// its first request left (the payout waits in that run).
	mustStatus(t, create("recent-key", ids[1], 50_000), http.StatusCreated, "replay of the recent key")
	r := create("old-key", ids[0], 150_000)
	mustStatus(t, r, http.StatusConflict, "the purged key again")
	if r.json(t)["code"] != "payout_in_pending_run" {
		t.Errorf("the purged key again: %s", r.Body)
	}
	if n := e.count(`SELECT count(*) FROM subsidy_payout_runs`); n != 2 {
		t.Errorf("%d runs, want 2", n)
	}
}
