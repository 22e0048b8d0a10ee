package idempotency

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/pgtest"
	"talentd/internal/postgres"
)

// payment is the answer of the money-moving operation the tests guard.
type payment struct {
	ID        int64 `json:"id"`
	AmountFen int64 `json:"amount_fen"`
}

// payments is a test database with accounts and a table of payments that pay() writes.
type payments struct {
	db       *sqlx.DB
	executed atomic.Int64
}

func newPayments(t *testing.T) *payments {
	t.Helper()
	db := pgtest.New(t)
	if _, err := db.Exec(`CREATE TABLE test_payments (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, amount_fen bigint NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return &payments{db: db}
}

// newPaymentsWithKey is newPayments with one account and a key of that account for operation.
func newPaymentsWithKey(t *testing.T, operation, key string) (*payments, Key) {
	t.Helper()
	p := newPayments(t)
	return p, Key{Account: p.account(t, "finance-a"), Operation: operation, Key: key}
}

// account adds an account and returns its id.
func (p *payments) account(t *testing.T, username string) int64 {
	t.Helper()
	var id int64
	err := p.db.Get(&id, `INSERT INTO accounts (username, display_name, role, password_hash)
		VALUES ($1, $1, 'finance', 'x') RETURNING id`, username)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// pay makes a payment of amount under key, as a service method would, and returns the answer and
// whether it was a replay.
func (p *payments) pay(ctx context.Context, k Key, amount int64) (payment, bool, error) {
	fp, err := Fingerprint("POST", "/v1/test/payments", map[string]int64{"amount_fen": amount})
	if err != nil {
		return payment{}, false, err
	}
	var out payment
	replayed := false
	err = postgres.InTx(ctx, p.db, func(tx *sqlx.Tx) error {
		stored, err := Begin(ctx, tx, k, fp)
		if err != nil {
			return err
		}
		if stored != nil {
			replayed = true
			if stored.Status != 201 {
				return fmt.Errorf("stored status %d, want 201", stored.Status)
			}
			return stored.Decode(&out)
		}
		p.executed.Add(1)
		out.AmountFen = amount
		if err := tx.GetContext(ctx, &out.ID, `INSERT INTO test_payments (amount_fen) VALUES ($1) RETURNING id`, amount); err != nil {
			return err
		}
		return Finish(ctx, tx, k, 201, out)
	})
	return out, replayed, err
}

// wantPayments checks that exactly want payments were made.
func (p *payments) wantPayments(t *testing.T, want int) {
	t.Helper()
	var n int
	if err := p.db.Get(&n, `SELECT count(*) FROM test_payments`); err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Errorf("%d payments, want %d", n, want)
	}
}

func TestBegin_ReplayReturnsTheFirstAnswerAndCreatesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, k := newPaymentsWithKey(t, "approve-payout", "8d3c-41aa")
	first, replayed, err := p.pay(ctx, k, 350_000_00)
	if err != nil || replayed {
		t.Fatalf("first: %v, replayed %v", err, replayed)
	}
	again, replayed, err := p.pay(ctx, k, 350_000_00)
	if err != nil || !replayed {
		t.Fatalf("retry: %v, replayed %v", err, replayed)
	}
	if again != first {
		t.Errorf("replayed %+v, first answer was %+v", again, first)
	}
	p.wantPayments(t, 1)
}

func TestBegin_KeyReusedWithAnotherBodyIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, k := newPaymentsWithKey(t, "approve-payout", "k-1")
	if _, _, err := p.pay(ctx, k, 100); err != nil {
		t.Fatal(err)
	}
	_, _, err := p.pay(ctx, k, 101)
	if !errors.Is(err, ErrKeyReused) {
		t.Fatalf("err = %v, want ErrKeyReused", err)
	}
	if e := ErrKeyReused; e.Zh == "" || e.Message == "" {
		t.Error("ErrKeyReused is not bilingual")
	}
	p.wantPayments(t, 1)
}

func TestBegin_ConcurrentSameKeyExecutesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, k := newPaymentsWithKey(t, "mark-payout-paid", "run-7-line-3")
	const n = 20
	answers := make([]payment, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { answers[i], _, errs[i] = p.pay(ctx, k, 42_00) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if answers[i] != answers[0] {
			t.Errorf("request %d got %+v, request 0 got %+v", i, answers[i], answers[0])
		}
	}
	if got := p.executed.Load(); got != 1 {
		t.Errorf("executed %d times, want once", got)
	}
	p.wantPayments(t, 1)
}

func TestBegin_KeysOfOtherAccountsAndOperationsDoNotCollide(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newPayments(t)
	a, b := p.account(t, "finance-a"), p.account(t, "finance-b")
	for _, k := range []Key{
		{Account: a, Operation: "approve-payout", Key: "same"},
		{Account: b, Operation: "approve-payout", Key: "same"},
		{Account: a, Operation: "mark-payout-paid", Key: "same"},
	} {
		// Different amounts too: a collision would be refused as a reused key.
		if _, replayed, err := p.pay(ctx, k, k.Account*10+int64(len(k.Operation))); err != nil || replayed {
			t.Fatalf("%+v: %v, replayed %v", k, err, replayed)
		}
	}
	p.wantPayments(t, 3)
}

func TestBegin_FailedRequestLeavesNoKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, k := newPaymentsWithKey(t, "approve-payout", "retry-me")
	fp, _ := Fingerprint("POST", "/x", nil)
	boom := errors.New("bank unreachable")
	err := postgres.InTx(ctx, p.db, func(tx *sqlx.Tx) error {
		if _, err := Begin(ctx, tx, k, fp); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	// The retry, with another body even, is a new request.
	if _, replayed, err := p.pay(ctx, k, 5); err != nil || replayed {
		t.Fatalf("retry: %v, replayed %v", err, replayed)
	}
}

func TestBegin_RefusesBadKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newPayments(t)
	acct := p.account(t, "finance-a")
	long := make([]byte, MaxKeyLength+1)
	for i := range long {
		long[i] = 'a'
	}
	for name, k := range map[string]Key{
		"Empty":     {Account: acct, Operation: "approve-payout", Key: ""},
		"TooLong":   {Account: acct, Operation: "approve-payout", Key: string(long)},
		"Space":     {Account: acct, Operation: "approve-payout", Key: "a b"},
		"NUL":       {Account: acct, Operation: "approve-payout", Key: "a\x00b"},
		"NonASCII":  {Account: acct, Operation: "approve-payout", Key: "幂等"},
		"NoAccount": {Account: 0, Operation: "approve-payout", Key: "k"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := p.pay(ctx, k, 1); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	p.wantPayments(t, 0)
	if !ValidKey(string(long[:MaxKeyLength])) {
		t.Error("a key of exactly 200 characters is refused")
	}
}

func TestFinish_WithoutBeginFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, k := newPaymentsWithKey(t, "approve-payout", "never-begun")
	err := postgres.InTx(ctx, p.db, func(tx *sqlx.Tx) error { return Finish(ctx, tx, k, 200, payment{}) })
	if err == nil {
		t.Fatal("Finish stored an answer for a key nobody claimed")
	}
}

func TestPurge_RemovesOnlyOldKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newPayments(t)
	acct := p.account(t, "finance-a")
	old := Key{Account: acct, Operation: "approve-payout", Key: "old"}
	recent := Key{Account: acct, Operation: "approve-payout", Key: "recent"}
	for _, k := range []Key{old, recent} {
		if _, _, err := p.pay(ctx, k, 1); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.db.Exec(`UPDATE idempotency_keys SET created_at = now() - interval '40 days' WHERE key = 'old'`); err != nil {
		t.Fatal(err)
	}
	n, err := Purge(ctx, p.db, time.Now().Add(-30*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v; want 1", n, err)
	}
	// The purged key starts afresh (another body is accepted); the recent one still replays.
	if _, replayed, err := p.pay(ctx, old, 2); err != nil || replayed {
		t.Errorf("old key after purge: %v, replayed %v", err, replayed)
	}
	if _, replayed, err := p.pay(ctx, recent, 1); err != nil || !replayed {
		t.Errorf("recent key after purge: %v, replayed %v", err, replayed)
	}
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	type body struct {
		A int               `json:"a"`
		M map[string]string `json:"m"`
	}
	base, _ := Fingerprint("POST", "/v1/p/1/approve", body{1, map[string]string{"x": "1", "y": "2"}})
	same, _ := Fingerprint("POST", "/v1/p/1/approve", body{1, map[string]string{"y": "2", "x": "1"}})
	if base != same {
		t.Error("the same content gave two fingerprints")
	}
	for name, fp := range map[string][32]byte{
		"OtherBody":   must(Fingerprint("POST", "/v1/p/1/approve", body{2, map[string]string{"x": "1", "y": "2"}})),
		"OtherPath":   must(Fingerprint("POST", "/v1/p/2/approve", body{1, map[string]string{"x": "1", "y": "2"}})),
		"OtherMethod": must(Fingerprint("PUT", "/v1/p/1/approve", body{1, map[string]string{"x": "1", "y": "2"}})),
	} {
		if fp == base {
			t.Errorf("%s: same fingerprint", name)
		}
	}
	if _, err := Fingerprint("POST", "/", func() {}); err == nil {
		t.Error("an unencodable body was fingerprinted")
	}
}

func must(fp [32]byte, err error) [32]byte {
	if err != nil {
		panic(err)
	}
	return fp
}

func TestBegin_AnswerWithoutBodyReplays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, k := newPaymentsWithKey(t, "cancel-payout", "no-body")
	fp := must(Fingerprint("POST", "/v1/test/cancel", nil))
	var stored *Stored
	for range 2 {
		err := postgres.InTx(ctx, p.db, func(tx *sqlx.Tx) (err error) {
			if stored, err = Begin(ctx, tx, k, fp); err != nil || stored != nil {
				return err
			}
			return Finish(ctx, tx, k, 204, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if stored == nil || stored.Status != 204 || len(stored.Body) != 0 {
		t.Fatalf("replayed %+v, want 204 without a body", stored)
	}
	var out payment
	if err := stored.Decode(&out); err != nil || out != (payment{}) {
		t.Errorf("Decode of no body: %+v, %v", out, err)
	}
}

func TestBegin_KeyCommittedWithoutAnswerIsAnError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, k := newPaymentsWithKey(t, "approve-payout", "forgot-finish")
	fp := must(Fingerprint("POST", "/v1/test/approve", nil))
	claim := func() error {
		return postgres.InTx(ctx, p.db, func(tx *sqlx.Tx) error {
			_, err := Begin(ctx, tx, k, fp)
			return err
		})
	}
	if err := claim(); err != nil {
		t.Fatal(err)
	}
	if err := claim(); !errors.Is(err, ErrUnfinished) {
		t.Errorf("err = %v, want ErrUnfinished", err)
	}
}
