package subsidy

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/fieldcrypt"
	"talentd/internal/money"
	"talentd/internal/pgtest"
	"talentd/talent"
)

// fixture is a subsidy service over a fresh database, with the registry it draws on.
type fixture struct {
	db  *sqlx.DB
	reg *talent.Service
	svc *Service
	mu  sync.Mutex
	gen *talent.Generator
}

// office acts as the talent office.
var office = auth.WithPrincipal(context.Background(), auth.Principal{Username: "office", Role: auth.RoleTalentOffice})

func newFixture(t testing.TB) *fixture {
	t.Helper()
	db := pgtest.New(t)
	ring, err := fieldcrypt.NewRing(bytes.Repeat([]byte{1}, 32), nil, bytes.Repeat([]byte{2}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, reg: talent.NewService(db, ring), gen: talent.NewGenerator(11)}
	f.svc = NewService(db, ring, f.reg, Options{Payer: DemoPayer})
	f.reg.Subscribe(f.svc.Hooks())
	return f
}

// talent registers one talent through the registry and returns its id.
func (f *fixture) talent(t testing.TB) int64 { return f.talentOf(t, nil) }

// talentOf registers one talent employed by the enterprise (none when nil) and returns its id.
func (f *fixture) talentOf(t testing.TB, enterpriseID *int64) int64 {
	t.Helper()
	f.mu.Lock()
	in := f.gen.Talent(talent.GradeB, enterpriseID)
	f.mu.Unlock()
	tl, err := f.reg.CreateTalent(office, in)
	if err == nil {
		_, err = f.reg.Submit(office, tl.ID)
	}
	if err == nil {
		_, err = f.reg.Approve(office, tl.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	return tl.ID
}

// programme creates an open award programme of the year with the budget.
func (f *fixture) programme(t testing.TB, code string, year int, budget int64) Programme {
	t.Helper()
	p, err := f.svc.CreateProgramme(office, ProgrammeInput{Kind: KindAward, Code: code, Name: "璧山英才", Year: year,
		BudgetFen: money.Fen(budget)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
